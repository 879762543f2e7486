"""Data commands: ``simulate history``, ``history import``, ``replay``.

Progress bars go to stderr on a TTY; with ``--json`` the last line of stdout is a JSON summary.
Exit codes: 0 done, 1 rows rejected (import) or warehouse error, 2 unusable input file,
78 bad configuration.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from fraudd.cli.app import app, settings_from
from fraudd.cli.errors import Failure, unreadable_file
from fraudd.history.loader import ProgressFn
from fraudd.settings import EX_CONFIG, Settings

T = TypeVar("T")
EX_DATAERR = 1
EX_USAGE = 2

simulate_app = typer.Typer(help="Generate simulated data.", no_args_is_help=True)
history_app = typer.Typer(help="Labelled history in the warehouse.", no_args_is_help=True)
app.add_typer(simulate_app, name="simulate")
app.add_typer(history_app, name="history")

DateOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]
JsonOpt = Annotated[bool, typer.Option("--json", help="End with one JSON summary line.")]
SIMULATE_LABEL_NOTE = (
    "Simulated labels are known at tx_time plus a delay drawn uniformly from [1 day, "
    "producer.label_delay_days] (deterministic per tx_id: chargebacks arrive late), never later."
)
IMPORT_LABEL_NOTE = (
    "Label times: a file's labelled_at (or label_time) where given; otherwise the conservative "
    "rule, tx_time + producer.label_delay_days (a label is never assumed known earlier than the "
    "configured delay). The summary says how many labels the rule applied to."
)


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
    """A rich progress display on stderr; ``progress(task, completed, total)`` updates it."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description:<8}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(task: str, completed: float, total: float | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=completed, total=total)

        yield update


def _run(coro_fn: Callable[[], Any]) -> Any:
    """Run a coroutine; staging and simulation conflicts become one line and an exit code (the
    rest, warehouse errors included, is worded by :mod:`fraudd.cli.errors`)."""
    from fraudd.history.timelines import SimulationConflict
    from fraudd.warehouse import StagingConfigError

    try:
        return asyncio.run(coro_fn())
    except StagingConfigError as exc:
        raise Failure(f"invalid configuration: {exc}", EX_CONFIG) from exc
    except SimulationConflict as exc:
        raise Failure(str(exc), EX_DATAERR) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error, UnicodeDecodeError) as exc:
        text = f"cannot read the history file: {type(exc).__name__}: {exc}"
        raise Failure(f"{text}: give a CSV file (UTF-8) or a complete CSV.gz", EX_USAGE) from exc


def _readable(path: Path) -> Path:
    failure = unreadable_file(path)
    if failure is not None:
        raise failure
    return path


def _emit(summary: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary, sort_keys=True, default=str) + "\n")
    else:
        typer.echo("\n".join(lines))


SIMULATE_HELP = (
    "Generate a labelled history (default: the reference size, ending today) and load it.\n\n"
    "Days run from --start (UTC midnight), or up to --end (exclusive, default today). "
    "--fraud handbook (default: producer.fraud) is the handbook's dataset, scenarios 1-3; "
    "extended adds cardholders with habits and the issuer's kinds of fraud (4 card testing, "
    "5 online spending at unusual categories, 6 far-from-home swipes, 7 night-time sprees). "
    "Transactions and labels are bulk-loaded and the simulation is recorded, so that the "
    "producer's live mode continues the same timeline. Loading the same history again is a "
    "no-op. With --out, a CSV (.gz) file is written instead."
)
IMPORT_HELP = (
    "Load a labelled history file (CSV or CSV.gz) into the warehouse.\n\n"
    "The layout is recognised from the header. fraudd: tx_id, tx_time, customer_id, "
    "terminal_id, amount, is_fraud; optional card_token, last4, labelled_at (or label_time), "
    "merchant_category, channel, currency, terminal_x, terminal_y, fraud_scenario. Handbook: "
    "TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_FRAUD; optional "
    "TX_FRAUD_SCENARIO (TX_DATETIME is UTC).\n\n"
    "Bad rows are reported by line number and skipped; the others load. Exit status 1 when "
    "any row was rejected, ids already in the warehouse or repeated in the file included."
)
REPLAY_HELP = (
    "Stream a history file's transactions into Kinesis in time order, without labels.\n\n"
    "Paced by --rate (default producer.rate_tps) and/or --speedup (simulated seconds per wall "
    "second). Labels go to the labels table once producer.label_delay_days of event time have "
    "passed; at the end the remaining ones are written with labelled_at = tx_time + delay "
    "(after the data, so no feature sees them early). Bad rows are skipped and counted."
)


@simulate_app.command("history", help=SIMULATE_HELP, epilog=SIMULATE_LABEL_NOTE)
def simulate_history(
    ctx: typer.Context,
    start: DateOpt = None,
    end: DateOpt = None,
    days: Annotated[int, typer.Option(min=1, help="Number of days.")] = 183,
    customers: Annotated[int | None, typer.Option(min=1, help="Default: producer.")] = None,
    terminals: Annotated[int | None, typer.Option(min=1, help="Default: producer.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Default: producer.seed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write CSV (.gz) instead of loading.")] = None,
    layout: Annotated[str, typer.Option(help="--out layout: fraudd | handbook.")] = "fraudd",
    fraud: Annotated[
        str | None, typer.Option(help="handbook | extended. Default: producer.fraud.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a labelled history and load it (or write it with ``--out``)."""
    from fraudd.simulator import FRAUD_MODES, SimulationSpec

    settings = settings_from(ctx)
    if (start is not None and end is not None) or layout not in ("fraudd", "handbook"):
        typer.echo("fraudd: give --start or --end, not both; --layout fraudd|handbook", err=True)
        raise typer.Exit(EX_USAGE)
    if fraud is not None and fraud not in FRAUD_MODES:
        typer.echo(f"fraudd: --fraud {fraud}: give one of {' | '.join(FRAUD_MODES)}", err=True)
        raise typer.Exit(EX_USAGE)
    last = (end.date() if end else dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=days)
    p = settings.producer
    spec = SimulationSpec(
        origin=start.date() if start else last,
        seed=p.seed if seed is None else seed,
        customers=customers or p.customers,
        terminals=terminals or p.terminals,
        fraud=fraud or p.fraud,  # type: ignore[arg-type]  # checked against FRAUD_MODES above
    )
    tty = sys.stderr.isatty() and not as_json
    if out is not None:
        _simulate_to_file(spec, days, out, layout, as_json)
        return
    summary = _run(lambda: _simulate(settings, spec, days, tty)).as_dict()
    _emit(summary, as_json, _simulate_lines(summary))


def _simulate_to_file(spec: Any, days: int, out: Path, layout: str, as_json: bool) -> None:
    from fraudd.history.synthetic import generate
    from fraudd.simulator import write_csv, write_handbook_csv

    frame = generate(spec, days)
    (write_handbook_csv if layout == "handbook" else write_csv)(frame, out)
    per_scenario = frame["fraud_scenario"].value_counts().sort_index()
    scenarios = {str(k): int(v) for k, v in per_scenario.items()}
    summary = {"out": str(out), "layout": layout, "transactions": len(frame), "days": days}
    summary |= {"origin": spec.origin.isoformat(), "frauds": int(frame["is_fraud"].sum())}
    summary |= {"fraud": spec.fraud, "scenarios": scenarios}
    counts = ", ".join(f"{k}: {v:,}" for k, v in scenarios.items())
    lines = [
        f"wrote {len(frame):,} transactions ({layout} layout) to {out}",
        f"{spec.fraud} fraud; transactions per fraud_scenario: {counts}",
    ]
    _emit(summary, as_json, lines)


async def _simulate(settings: Settings, spec: Any, days: int, tty: bool) -> Any:
    from fraudd.history.synthetic import simulate_into_warehouse
    from fraudd.warehouse import opened_warehouse

    async with opened_warehouse(settings) as wh:
        with _progress(tty) as progress:
            return await simulate_into_warehouse(wh, settings, spec, days, progress=progress)


def _simulate_lines(s: dict[str, Any]) -> list[str]:
    return [
        f"simulated {s['transactions']:,} transactions ({s['frauds']:,} frauds, {s['fraud']}), "
        f"{s['origin']} to {s['end']} (exclusive), seed {s['seed']}, "
        f"{s['customers']:,} customers, {s['terminals']:,} terminals",
        f"loaded {s['loaded']:,} transactions and {s['labels']:,} labels "
        f"({s['already_loaded']:,} already loaded) in {_seconds(s['seconds'])}",
    ]


def _seconds(value: Any) -> str:
    """``23.1 s (generate 2.4 s, load 20.7 s)`` from a dict of stage times, or ``3.2 s``."""
    if not isinstance(value, dict):
        return f"{float(value):.1f} s"
    parts = ", ".join(f"{k} {float(v):.1f} s" for k, v in value.items())
    return f"{sum(float(v) for v in value.values()):.1f} s ({parts})"


@history_app.command("import", help=IMPORT_HELP, epilog=IMPORT_LABEL_NOTE)
def history_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV or CSV.gz file.")],
    show: Annotated[int, typer.Option(min=0, help="How many bad lines to list.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Validate and load a labelled history file; exit 1 if any row was rejected."""
    _readable(path)
    settings = settings_from(ctx)
    tty = sys.stderr.isatty() and not as_json
    summary = _run(lambda: _import(settings, path, show, tty))
    _emit(summary.as_dict(), as_json, _import_lines(summary.as_dict()))
    raise typer.Exit(EX_DATAERR if summary.rejected_total else 0)


async def _import(settings: Settings, path: Path, show: int, tty: bool) -> Any:
    from fraudd.history.importer import import_history
    from fraudd.warehouse import opened_warehouse

    async with opened_warehouse(settings) as wh:
        with _progress(tty) as progress:
            return await import_history(wh, settings, path, sample=show, progress=progress)


def _import_lines(s: dict[str, Any]) -> list[str]:
    lines = [
        f"read {s['rows_read']:,} rows ({s['layout']} layout) from {s['path']}",
        f"loaded {s['loaded']:,} transactions and {s['labels']:,} labels "
        f"in {_seconds(s['seconds'])}",
        f"label times: {s['label_time_rule']} — applied to {s['labels_at_delay']:,} labels",
        f"rejected {s['rejected']:,}",
    ]
    lines += [f"  {reason:<22} {n:,}" for reason, n in s["rejected_by_reason"].items()]
    if s["first_rejects"]:
        lines.append("first rejected lines:")
        lines += [f"  line {r['line']}: {r['reason']}" for r in s["first_rejects"]]
    return lines


@app.command("replay", help=REPLAY_HELP)
def replay(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV or CSV.gz file.")],
    rate: Annotated[float | None, typer.Option(min=0.001, help="Swipes per second.")] = None,
    speedup: Annotated[
        float | None, typer.Option(min=0.001, help="Simulated seconds per wall second.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay a history file through the producer (labels held back by the delay)."""
    _readable(path)
    settings = settings_from(ctx)
    summary = _run(lambda: _replay(settings, path, rate, speedup, limit)).as_dict()
    lines = [
        f"sent {summary['sent']:,} of {summary['taken']:,} swipes "
        f"({summary['declined']:,} declined), {summary['labels']:,} labels written, "
        f"events {summary['first_event']} .. {summary['last_event']}, {summary['seconds']} s",
    ]
    if summary["rejected"]:
        lines.append(f"skipped bad rows: {summary['rejected']}")
    _emit(summary, as_json, lines)


async def _check_stream(settings: Settings) -> None:
    """Fail at once, in one line, when the stream cannot be reached or does not exist (the
    producer itself keeps retrying a stream that is down, as a daemon should)."""
    from fraudd import aws

    async with AsyncExitStack() as stack:
        client = await aws.open_client(stack, settings, "kinesis")
        await client.describe_stream_summary(StreamName=settings.kinesis.stream_name)


async def _replay(
    settings: Settings, path: Path, rate: float | None, speedup: float | None, limit: int | None
) -> Any:
    from fraudd.replay import run_replay
    from fraudd.service.daemon import install_signal_handlers

    await _check_stream(settings)
    stop = asyncio.Event()
    install_signal_handlers(stop)
    return await run_replay(settings, path, rate=rate, speedup=speedup, limit=limit, stop=stop)
