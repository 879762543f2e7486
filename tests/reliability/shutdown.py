"""Graceful shutdown of the real daemon process: SIGTERM while a batch is in flight drains it
within the grace period and exits 0; a restart then finds nothing lost and nothing doubled."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from tests.conftest import free_ports
from tests.e2e.harness import close_env, make_env
from tests.reliability import faults
from tests.reliability.daemon import DaemonProcess
from tests.reliability.driver import counts, settled, start_producer, until
from tests.reliability.ledger import Tally, tally
from tests.reliability.scale import Scale

GRACE_S = 5.0
IN_FLIGHT_DELAY_S = 0.5  # each decision insert sleeps this long, so SIGTERM finds a batch in flight


def daemon_settings(env: Any, **top: Any) -> Any:
    """The environment's settings with top-level fields (grace period, ...) replaced."""
    return env.settings.derive(**{"grace_period_s": GRACE_S, **top})


def events_after(log_text: str, marker: str, event: str) -> int:
    """How many ``event`` log lines follow the first ``marker`` line of the last run."""
    lines = [json.loads(x) for x in log_text.splitlines() if x.startswith("{")]
    starts = [i for i, d in enumerate(lines) if d.get("event") == "daemon.started"]
    lines = lines[starts[-1] if starts else 0 :]
    idx = next((i for i, d in enumerate(lines) if d.get("event") == marker), len(lines))
    return sum(1 for d in lines[idx:] if d.get("event") == event)


async def sigterm_drain(stack: Any, scale: Scale, workdir: Path) -> Tally:
    """SIGTERM mid-run: exit code, time to exit, batches finished after the signal; then a
    restart decides the rest and the tally must be clean."""
    began = time.monotonic()
    env = await make_env(stack, shards=2, http={"port": free_ports(1)[0]})
    env.settings = daemon_settings(env)
    daemon = DaemonProcess(env.settings, workdir)
    async with AsyncExitStack() as st:
        daemon.start()
        await daemon.wait_http(60)
        rate = scale.fault_records / 8.0  # spread over ~8 s: the signal lands mid-production
        prod, _ = await start_producer(env, st, scale.fault_records, rate, scale.fraud_share)
        await until(lambda: _decided_some(env), 60)
        await faults.slow_inserts(env, IN_FLIGHT_DELAY_S)
        await asyncio.sleep(1.2)  # production goes on: from now on a batch is always in flight
        signalled = time.monotonic()
        daemon.signal(signal.SIGTERM)
        rc = await daemon.wait_exit(GRACE_S + 10)
        exit_s = time.monotonic() - signalled
        await faults.fast_inserts(env)
        drained = events_after(daemon.log_text(), "daemon.stopping", "consumer.batch_committed")
        daemon.start()
        await daemon.wait_http(60)
        ok = await until(lambda: settled(env, prod), 180)
        daemon.signal(signal.SIGTERM)
        final_rc = await daemon.wait_exit(GRACE_S + 10)
    t = await tally(env, "SIGTERM drain + restart", prod.sent)
    await close_env(env)
    t.details |= {
        "exit_code": rc,
        "exit_s": round(exit_s, 2),
        "grace_s": GRACE_S,
        "batches_committed_after_sigterm": drained,
        "settled": ok,
        "final_exit_code": final_rc,
    }
    t.seconds = round(time.monotonic() - began, 1)
    return t


async def _decided_some(env: Any) -> bool:
    return (await counts(env))["decided"] > 0
