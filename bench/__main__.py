"""``python -m bench SCENARIO``: run benchmark scenarios on a local stack of their own.

Scenarios: ``sustained``, ``cost``, ``history-scaling``, ``reference``, ``scoring``,
``redshift``, ``redshift-features``, ``rules-backtest``, ``own-fields``, ``feature-training``,
and ``rules`` (pure computation: needs no stack); ``all`` runs every one on one stack (the
trained template and the large histories are made once). Each writes
``bench/results/<scenario>.json`` and refreshes the README's generated tables; ``table`` only
prints those tables.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench import (
    cost,
    feature_training,
    history_scaling,
    own_fields,
    redshift,
    redshift_features,
    reference,
    rules,
    rules_backtest,
    scoring,
    sustained,
    table,
)
from bench.common import Result, local_stack, write_result
from bench.context import Context
from fraudd.logs import configure_logging

Scenario = Callable[[Context, argparse.Namespace], Awaitable[Result]]
SCENARIOS: dict[str, Scenario] = {
    "sustained": lambda ctx, a: sustained.run(ctx, tuple(a.rates), a.window),
    "cost": lambda ctx, a: cost.run(ctx, a.rate, profile=not a.no_profile),
    "history-scaling": lambda ctx, _a: history_scaling.run(ctx),
    "reference": lambda ctx, _a: reference.run(ctx),
    "scoring": lambda ctx, _a: scoring.run(ctx),
    "redshift": lambda ctx, _a: redshift.run(ctx),
    "redshift-features": lambda ctx, _a: redshift_features.run(ctx),
    "rules-backtest": lambda ctx, _a: rules_backtest.run(ctx),
    "own-fields": lambda ctx, _a: own_fields.run(ctx),
    "feature-training": lambda ctx, _a: feature_training.run(ctx),
}
STANDALONE: dict[str, Callable[[argparse.Namespace], Result]] = {
    "rules": lambda a: rules.run(quick=a.quick),
}
"""Scenarios that measure computation alone: run without starting the local stack."""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenario", choices=[*SCENARIOS, *STANDALONE, "all", "table"])
    parser.add_argument("--rates", type=float, nargs="+", default=list(sustained.RATES),
                        help="sustained: rates in tx/s")
    parser.add_argument("--window", type=float, default=60.0,
                        help="sustained: measured seconds per rate")
    parser.add_argument("--rate", type=float, default=cost.RATE, help="cost: rate in tx/s")
    parser.add_argument("--no-profile", action="store_true", help="cost: skip py-spy")
    parser.add_argument("--quick", action="store_true",
                        help="shorter windows and fewer polls (a smoke run, not for publishing)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep logs and profiles here (default: a temporary directory)")
    return parser.parse_args(argv)


async def run_scenarios(names: list[str], args: argparse.Namespace, workdir: Path) -> None:
    with local_stack() as stack:
        ctx = Context(stack, workdir, quick=args.quick)
        for name in names:
            began = time.monotonic()
            result = await SCENARIOS[name](ctx, args)
            report(name, result, ctx.started, await ctx.postgres_version(), began)


def report(
    name: str, result: Result, started: dt.datetime, postgres: str | None, began: float
) -> None:
    """Write the result file, refresh the README's tables, and print the targets."""
    path = write_result(result, started, postgres)
    table.update_readme()
    print(f"{name}: {path} ({time.monotonic() - began:.0f} s)", flush=True)
    for target in result.targets:
        verdict = {True: "met", False: "NOT met", None: "-"}[target.met]
        print(f"  {target.name}: {target.measured} (wanted {target.wanted}) {verdict}")


def run_standalone(names: list[str], args: argparse.Namespace) -> None:
    for name in names:
        started, began = dt.datetime.now(dt.UTC), time.monotonic()
        report(name, STANDALONE[name](args), started, None, began)


def main(argv: list[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.scenario == "table":
        print(table.render())
        return
    configure_logging("console", "warning")
    run_standalone([n for n in STANDALONE if args.scenario in (n, "all")], args)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    names = [n for n in names if n in SCENARIOS]
    if not names:
        return
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run_scenarios(names, args, args.workdir))
        return
    with tempfile.TemporaryDirectory(prefix="fraudd-bench-work-") as tmp:
        asyncio.run(run_scenarios(names, args, Path(tmp)))


if __name__ == "__main__":
    main()
