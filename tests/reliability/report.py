"""``make reliability``: every reliability scenario at full size on a private local stack; prints
the table and writes ``bench/results/reliability.json``.

    python -m tests.reliability.report [--scale full|quick] [--only crash,sns,...] [--json PATH]

The size defaults to ``$FRAUDD_RELIABILITY_SCALE``, else ``full``. Exit status 1 if any scenario
lost or doubled a record or missed an alert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fraudd import localstack
from fraudd.logs import configure_logging
from tests.conftest import local_stack_base_settings
from tests.reliability import fault_runs
from tests.reliability.bad_input import bad_input
from tests.reliability.crash import crash_recovery
from tests.reliability.ledger import Tally
from tests.reliability.scale import SCALE_VAR, Scale, current_scale
from tests.reliability.security import STREAM_MIRROR, security_run
from tests.reliability.shutdown import sigterm_drain

DEFAULT_JSON = Path("bench/results/reliability.json")
Runner = Callable[[Any, Scale, Path], Awaitable[Tally]]


async def _security(stack: Any, scale: Scale, workdir: Path) -> Tally:
    t, scan = await security_run(stack, scale, workdir)
    leaks = {s: p for s, p in scan.pans.items() if s != f"table {STREAM_MIRROR}"}
    t.details |= {"scan_sources": scan.sources, "pan_leaks": leaks, "secret_leaks": scan.secrets}
    t.details["scan_clean"] = not leaks and not scan.secrets
    return t


def _plain(fn: Callable[[Any, Scale], Awaitable[Tally]]) -> Runner:
    async def run(stack: Any, scale: Scale, _workdir: Path) -> Tally:
        return await fn(stack, scale)

    return run


SCENARIOS: dict[str, Runner] = {
    "crash": crash_recovery,
    "put": _plain(fault_runs.put_records_faults),
    "get": _plain(fault_runs.get_records_faults),
    "postgres": _plain(fault_runs.postgres_restart),
    "sns": _plain(fault_runs.sns_outage),
    "slow": _plain(fault_runs.slow_warehouse),
    "bad-input": _plain(bad_input),
    "sigterm": sigterm_drain,
    "security": _security,
}

COLUMNS = (
    ("scenario", 48),
    ("records in", 10),
    ("decisions", 9),
    ("quarantined", 11),
    ("lost", 4),
    ("doubled", 7),
    ("alerts exp/recv/dup", 19),
    ("recovery s", 10),
    ("time s", 6),
)


def row(t: Tally) -> list[str]:
    alerts = f"{t.alerts_expected}/{t.alerts_received}/{t.alerts_duplicated}"
    recovery = "-" if t.recovery_s is None else f"{t.recovery_s:.1f}"
    cells = [t.scenario, t.records_in, t.decisions, t.dead_letters, t.lost, t.doubled]
    cells += [alerts, recovery]
    return [str(c) for c in [*cells, f"{t.seconds:.0f}"]]


def table(tallies: list[Tally]) -> str:
    """The report as a fixed-width text table."""
    lines = ["  ".join(name.ljust(width) for name, width in COLUMNS)]
    lines.append("  ".join("-" * width for _, width in COLUMNS))
    for t in tallies:
        cells = row(t)
        lines.append("  ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)))
    return "\n".join(lines)


def failed(t: Tally) -> bool:
    return not t.ok or t.details.get("scan_clean") is False or t.details.get("settled") is False


async def run_all(scale: Scale, names: list[str], workdir: Path) -> list[Tally]:
    """Start a private local stack, run the named scenarios one after another, stop the stack."""
    base = local_stack_base_settings(workdir / "stack")
    info = await asyncio.to_thread(localstack.up, base)
    stack = (localstack.stack_settings(base, info), info)
    tallies = []
    try:
        for name in names:
            began = time.monotonic()
            print(f"running {name} ({scale.name}) ...", file=sys.stderr, flush=True)
            t = await SCENARIOS[name](stack, scale, workdir / name)
            t.details["scenario_key"] = name
            tallies.append(t)
            print(f"  done in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    finally:
        await asyncio.to_thread(localstack.down, base, True)
    return tallies


def write_json(path: Path, scale: Scale, tallies: list[Tally], seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale.__dict__,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "total_seconds": round(seconds, 1),
        "all_ok": not any(failed(t) for t in tallies),
        "scenarios": [t.as_dict() for t in tallies],
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("quick", "full"), default=None)
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    scale = current_scale(args.scale or os.environ.get(SCALE_VAR) or "full")
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {','.join(SCENARIOS)}")
    configure_logging("console", "error")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fraudd-reliability-") as tmp:
        tallies = asyncio.run(run_all(scale, names, Path(tmp)))
    print(table(tallies))
    write_json(args.json, scale, tallies, time.monotonic() - began)
    print(f"\n{args.json} written ({time.monotonic() - began:.0f} s)")
    return 1 if any(failed(t) for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
