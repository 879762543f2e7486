"""Cost per transaction: CPU µs per decided transaction, per task, each task in its own process.

One live run at a fixed rate (default 1,000 tx/s); each process's CPU time (utime + stime from
``/proc/<pid>/stat``) is read at the start and the end of the window and divided by the
transactions decided in it. The producer and ingest stand in for work Kinesis and Redshift do on
AWS; the target counts every fraudd task (producer + ingest + consumer + actions), not the
emulators (kinesalite, moto) nor PostgreSQL; the daemon's own share on AWS (consumer + actions)
is reported beside it. With py-spy installed, each fraudd process is also sampled through the
window and the top functions are kept as evidence, and the Kinesis client's own CPU per record
is measured alone (:mod:`bench.kinesis_client`): the floor under the producer and ingest.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from bench.common import Result, Target, environment
from bench.context import Context
from bench.kinesis_client import client_floor
from bench.loop import DEFAULT_SECTIONS, RunConfig, run_fixed_rate
from bench.profiles import summarise
from fraudd.localstack.environment import NoSchema, remove_environment

RATE = 1000.0
TARGET_US = 150.0
ROLES = ("producer", "ingest", "consumer", "actions")


def _spy_available() -> bool:
    return Path(sys.executable).with_name("py-spy").exists() or shutil.which("py-spy") is not None


async def _client_floor(ctx: Context) -> dict[str, Any]:
    """The Kinesis client's own CPU per record, on a stream of its own."""
    probe = await environment(ctx.stack, 4, schema=NoSchema())
    try:
        return await client_floor(probe.settings)
    finally:
        await remove_environment(probe)


def _profiles(profile_dir: Path | None) -> dict[str, Any]:
    """Each role's top functions, from py-spy's raw samples (none without py-spy)."""
    if profile_dir is None:
        return {}
    raws = {role: profile_dir / f"{role}.txt" for role in ROLES}
    return {role: summarise(raw) for role, raw in raws.items() if raw.is_file()}


def _target(figures: dict[str, Any]) -> Target:
    total = figures["fraudd_cpu_us_per_decided"]
    return Target(
        "fraudd CPU per decided transaction (all four tasks)", f"<= {TARGET_US:.0f} µs",
        total, total is not None and total <= TARGET_US,
        f"consumer + actions alone: {figures['daemon_cpu_us_per_decided']} µs",
    )  # fmt: skip


async def run(ctx: Context, rate: float = RATE, profile: bool = True) -> Result:
    template = await ctx.template()
    workdir = ctx.workdir / f"cost-{int(rate)}"
    workdir.mkdir(parents=True, exist_ok=True)
    profile_dir = workdir / "profiles" if profile and _spy_available() else None
    config = RunConfig(rate=rate, window_s=20.0 if ctx.quick else 60.0, profile_dir=profile_dir)
    figures = await run_fixed_rate(ctx.stack, template, config, workdir)
    figures.pop("logs", None)
    floor = await _client_floor(ctx)
    profiles = _profiles(profile_dir)
    return Result(
        scenario="cost",
        parameters={
            "rate": rate,
            "window_s": config.window_s,
            "shards": config.shards,
            "settings": DEFAULT_SECTIONS,
            "profiled_with": "py-spy record --rate 100 --nonblocking" if profiles else None,
        },
        figures={
            "fraudd_cpu_us_per_decided": figures["fraudd_cpu_us_per_decided"],
            "daemon_cpu_us_per_decided": figures["daemon_cpu_us_per_decided"],
            "cpu_us_per_decided": figures["cpu_us_per_decided"],
            "kinesis_client_cpu_us_per_record": floor,
            "run": figures,
            "profiles": profiles,
        },
        targets=[_target(figures)],
    )
