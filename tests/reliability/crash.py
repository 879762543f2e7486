"""Crash recovery: the daemon (ingest, consumer, actions) runs as a subprocess and is SIGKILLed
again and again — at random moments and at named crash points (between scoring and commit, right
after a commit, after publishing alerts but before marking them published, after reading the
stream but before appending) — and restarted each time, while the producer keeps writing."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudd.crashpoints import CRASH_VAR
from tests.conftest import free_ports
from tests.e2e.harness import close_env, make_env, scalar
from tests.reliability.daemon import DaemonProcess
from tests.reliability.driver import (
    Production,
    settled,
    start_producer,
    until,
)
from tests.reliability.ledger import Tally, tally
from tests.reliability.scale import Scale

# Each run hits every crash point at least once; the remaining kills are at random moments.
CRASH_POINTS = (
    "consumer.before_commit",
    "actions.after_publish",
    "ingest.after_read",
    "consumer.after_commit",
)
# Which hit of each point kills: small enough that one life's slice of records reaches it.
HITS = {
    "consumer.before_commit": (1, 3),
    "actions.after_publish": (1, 1),
    "ingest.after_read": (1, 1),  # one hit per pass over all shards
    "consumer.after_commit": (1, 3),
}
CRASHPOINT_WAIT_S = 10.0  # a point not reached by then (no such work) gets a plain kill
STARTUP_S = 90.0  # process start → HTTP endpoint up (slow on a loaded machine)
CRASH_BATCH_ROWS = 200  # small batches: more commits, so more moments to crash between them


@dataclass(frozen=True)
class Kill:
    point: str | None  # a crash point "name:hit", or None for a SIGKILL after ``after_s``
    after_s: float


@dataclass
class Incarnation:
    kill: Kill
    started_at: float
    ended_at: float = 0.0
    how: str = ""


def kill_plan(kills: int, rng: random.Random) -> list[Kill]:
    """``kills`` kills: every crash point once (if there is room), the rest at random moments."""
    points = [Kill(f"{p}:{rng.randint(*HITS[p])}", 0.0) for p in CRASH_POINTS[:kills]]
    randoms = [Kill(None, rng.uniform(0.0, 3.0)) for _ in range(kills - len(points))]
    rng.shuffle(points)
    return points + randoms  # crash points first, while the producer is surely still writing


async def _one_life(daemon: DaemonProcess, kill: Kill) -> Incarnation:
    """Start the daemon, let it die at its crash point (or kill it), reap it."""
    env = {CRASH_VAR: kill.point} if kill.point else {}
    daemon.start(env)
    life = Incarnation(kill, daemon.started_at)
    if kill.point:
        await daemon.wait_http(STARTUP_S)  # returns early if it already crashed
        rc = await daemon.wait_exit(CRASHPOINT_WAIT_S)
        life.how = "crashpoint" if rc == -9 else f"not reached (rc={rc})"
    else:  # a random moment of normal operation (the endpoint answers once tasks run)
        await daemon.wait_http(STARTUP_S)
        await asyncio.sleep(kill.after_s)
        life.how = "sigkill" if daemon.alive() else f"died early (rc={daemon.proc.returncode})"  # type: ignore[union-attr]
    daemon.kill()
    life.ended_at = time.time()
    return life


async def crash_recovery(stack: Any, scale: Scale, workdir: Path, seed: int = 5) -> Tally:
    """Run the scenario; the tally says what was lost, doubled, and how alerts fared."""
    began = time.monotonic()
    rng = random.Random(seed)
    env = await make_env(
        stack,
        shards=2,
        http={"port": free_ports(1)[0]},
        consumer={"batch_rows": CRASH_BATCH_ROWS},
        actions={"batch_alerts": 5},
    )
    daemon = DaemonProcess(env.settings, workdir)
    lives: list[Incarnation] = []
    async with AsyncExitStack() as st:
        prod, _ = await start_producer(
            env, st, scale.crash_records, scale.rate_tps, scale.fraud_share
        )
        plan = kill_plan(scale.crash_kills, rng)
        per_life = scale.crash_records // (len(plan) + 1)
        for i, kill in enumerate(plan):
            prod.release(per_life * (i + 1))  # fresh work for every life, however slow it starts
            lives.append(await _one_life(daemon, kill))
            await asyncio.sleep(rng.uniform(0.0, 0.5))  # systemd's RestartSec, roughly
        prod.release(scale.crash_records)
        final_start = await _final_run(env, daemon, prod, scale)
    t = await tally(env, "crash recovery (SIGKILL)", prod.sent)
    await _recovery(env, t, lives, final_start)
    await close_env(env)
    t.details["kills"] = [
        f"{lf.kill.point or f'random@{lf.kill.after_s:.1f}s'}: {lf.how}" for lf in lives
    ]
    t.details["restarts"] = daemon.starts - 1
    t.seconds = round(time.monotonic() - began, 1)
    return t


async def _final_run(env: Any, daemon: DaemonProcess, prod: Production, scale: Scale) -> float:
    """Restart once more without faults, wait until everything is settled, stop with SIGTERM."""
    daemon.start()
    started = daemon.started_at
    await daemon.wait_http(
        STARTUP_S
    )  # a SIGTERM before the handlers are installed would just kill it
    ok = await until(lambda: settled(env, prod), timeout_s=120 + scale.crash_records / 200)
    daemon.signal(15)
    rc = await daemon.wait_exit(env.settings.grace_period_s + 10)
    if not ok or rc != 0:
        daemon.kill()
        raise AssertionError(
            f"did not settle (settled={ok}, exit code {rc}); log {daemon.log_path}"
        )
    return started


async def _recovery(env: Any, t: Tally, lives: list[Incarnation], final_start: float) -> None:
    """Per restart: seconds from process start to its first committed batch (when it had work)."""
    starts = [lf.started_at for lf in lives] + [final_start]
    ends = [lf.ended_at for lf in lives] + [time.time()]
    times = []
    for start, end in zip(starts, ends, strict=True):
        first = await scalar(
            env,
            "SELECT extract(epoch FROM min(decided_at))::float8 FROM {schema}.decisions "
            "WHERE decided_at > to_timestamp(%s) AND decided_at < to_timestamp(%s)",
            start,
            end,
        )
        if first is not None:
            times.append(float(first) - start)
    t.recovery_s = round(max(times), 2) if times else None
    t.details["recovery_median_s"] = round(statistics.median(times), 2) if times else None
    t.details["recovery_samples"] = len(times)
