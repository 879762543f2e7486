"""``fraudd rules backtest``: replay the live rule set and a draft, each with the active model's
thresholds, over labelled history, and compare them (:mod:`fraudd.backtest.replay`).

The live set is a rule-set file (``--live``), by default the published live version (today's
``[rules]`` settings as a rule set when none was published yet); the draft (``--draft``) is a
file. Both read the named lists kept in the warehouse as they are now (docs/rules.md), not as
they were on each day. Output: rich tables, or ``--json`` (one document).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from fraudd.backtest import judge
from fraudd.backtest.replay import compile_rules
from fraudd.cli.app import rules_app, settings_from
from fraudd.cli.errors import EX_USAGE, Failure, read_text
from fraudd.features import CatalogMismatch
from fraudd.rules import CompiledRuleSet, RuleSetError, load_rule_set
from fraudd.rules.legacy import rule_set_toml
from fraudd.rules.lists import kept_lists
from fraudd.rules.model import NamedList
from fraudd.settings import EX_CONFIG, Settings
from fraudd.warehouse import opened_warehouse

DayOpt = Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"])]
SETTINGS_SOURCE = "today's [rules] settings"
UNLIMITED = 10_000


@rules_app.command("backtest")
def backtest(
    ctx: typer.Context,
    first: Annotated[
        dt.datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC).")
    ],
    last: Annotated[
        dt.datetime,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (UTC), included."),
    ],
    live: Annotated[
        Path | None, typer.Option(help="The live rule set (default: the published live one).")
    ] = None,
    draft: Annotated[Path | None, typer.Option(help="The draft rule set to compare.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """Replay rule sets with the active model over labelled history, and compare them."""
    start, end = first.date(), last.date()
    if start > end:
        raise Failure(f"--from {start} is after --to {end}: give the first day first", EX_USAGE)
    settings = settings_from(ctx)
    files = {name: _read(path) for name, path in (("draft", draft), ("live", live)) if path}
    for name, text in files.items():  # a file declares the lists it reads: checked offline
        _compiled(text, str(draft if name == "draft" else live), settings, {})
    live_text, live_source, kept = asyncio.run(_published(settings))
    if live is not None:
        live_text, live_source = files["live"], str(live)
    draft_set = _compiled(files["draft"], str(draft), settings, kept) if draft else None
    sets = {} if draft_set is None else {"draft": draft_set}
    sets["live"] = _compiled(live_text, live_source, settings, kept)
    sources = {"live": live_source, "draft": str(draft)}
    figures = asyncio.run(_run(settings, start, end, sets, sources))
    if as_json:
        sys.stdout.write(json.dumps(figures, sort_keys=True) + "\n")
    else:
        show(figures, Console())


async def _published(settings: Settings) -> tuple[str, str, dict[str, NamedList]]:
    """The live version's text and name (today's settings as a rule set before any
    publication), and the named lists kept now."""
    async with opened_warehouse(settings) as wh, wh.session() as session:
        version = await session.live_rule_set()
        kept = kept_lists(await session.rule_lists())
    if version is None:
        return rule_set_toml(settings.rules), SETTINGS_SOURCE, kept
    return version.body, f"published version {version.version}", kept


def _read(path: Path) -> str:
    """A rule-set file's text, or one line saying why it cannot be read."""
    return read_text(path, "give a rule-set TOML file")


def _compiled(
    text: str, source: str, settings: Settings, kept: dict[str, NamedList]
) -> CompiledRuleSet:
    """A rule set with the ``kept`` lists checked against what the consumer under ``settings``
    reads, or one line saying what is wrong."""
    try:
        return compile_rules(load_rule_set(text).with_lists(kept), settings)
    except RuleSetError as exc:
        raise Failure(f"{source}: {exc}", EX_USAGE) from None


async def _run(
    settings: Settings,
    start: dt.date,
    end: dt.date,
    sets: dict[str, CompiledRuleSet],
    sources: dict[str, str],
) -> dict[str, Any]:
    try:
        figures = await judge.backtest(settings, start, end, sets, sources)
    except CatalogMismatch as exc:
        raise Failure(str(exc), EX_CONFIG) from None
    if figures is None:
        raise Failure(
            f"no transactions from {start} to {end}: choose days the warehouse holds "
            "(`fraudd history load` or `fraudd simulate history` fills it)"
        )
    return figures


def show(figures: dict[str, Any], console: Console) -> None:
    """The backtest as tables: totals, each set's rules, days, changes.

    Each table gets the width its figures need, past the terminal's (or a pipe's 80 columns)
    if it must: a wrapped line is still read right, a figure cut to "2,500…" is not."""
    tables = [_totals(figures)]
    for name in ("live", "draft"):
        if figures[name] is not None:
            tables.append(_rules(name, figures[name], figures["model"] is not None))
    tables.append(_days(figures))
    if figures["changes"] is not None:
        tables.append(_changes(figures["changes"]))
    console.width = max(console.width, *(_natural_width(console, t) for t in tables))
    for table in tables:
        console.print(table)
    for note in notes(figures):
        console.print(escape(note), style="yellow")


def _natural_width(console: Console, table: Table) -> int:
    """How wide ``table`` is when nothing limits it."""
    return Measurement.get(console, console.options.update_width(UNLIMITED), table).maximum


def notes(figures: dict[str, Any]) -> list[str]:
    """What a reader must know to trust the figures."""
    model = figures["model"]
    if model is None:
        return ["No active local model: the rules decided alone (the model's thresholds and "
                "overlap are not shown)."]  # fmt: skip
    if model["trained_on_this_range"]:
        return [f"Model {model['version']} was trained on data up to {model['trained_until']}, "
                "which overlaps this range: its scores there are better than they would have "
                "been live."]  # fmt: skip
    return []


TOTAL_ROWS = (
    ("alerts (review + block)", "alerts"),
    ("blocks", "blocks"),
    ("frauds caught", "frauds_caught"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("fraud amount caught", "fraud_amount_caught"),
)


def _totals(figures: dict[str, Any]) -> Table:
    counts = f"{figures['transactions']:,} transactions, {figures['frauds']:,} frauds"
    title = (
        f"Backtest {figures['from']} to {figures['to']}: {counts} ({figures['fraud_amount']:,.2f})"
    )
    table = Table(title=title)
    table.add_column("")
    columns = _policies(figures)
    for heading in columns:
        table.add_column(heading, justify="right")
    for label, key in TOTAL_ROWS:
        table.add_row(label, *(_cell(c.get(key), key) for c in columns.values()))
    if figures["model"] is not None:
        table.add_row("alerted by the model too", *_overlaps(figures, columns, "both"))
        table.add_row("alerted by the rules only", *_overlaps(figures, columns, "policy_only"))
        table.add_row("  of which frauds", *_overlaps(figures, columns, "policy_only_frauds"))
        table.add_row("alerted by the model only", *_overlaps(figures, columns, "model_only"))
    return table


def _overlaps(figures: dict[str, Any], columns: dict[str, Any], key: str) -> list[str]:
    """One overlap figure of each set, in the sets' columns (the model's own left empty)."""
    sets = [heading.split(" ")[0] for heading in columns]
    return [_cell(figures[n]["overlap"][key]) if n in ("live", "draft") else "" for n in sets]


def _policies(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    columns: dict[str, dict[str, Any]] = {}
    if figures["model"] is not None:
        m = figures["model"]
        columns[f"model {m['version']} alone"] = m["alone"]
    for name in ("live", "draft"):
        if figures[name] is not None:
            columns[f"{name} (rules + model)"] = figures[name]["total"]
    return columns


def _rules(name: str, judged: dict[str, Any], with_model: bool) -> Table:
    table = Table(title=f"{name} rules ({escape(judged['source'])})")
    longest = max((len(r["name"]) for r in judged["rules"]), default=4)
    table.add_column("rule", no_wrap=True, min_width=longest)
    headings = ["outcome", "hits", "/day", "frauds", "prec.", "recall", "fraud amt"]
    for heading in headings + (["model too", "rules only"] if with_model else []):
        table.add_column(heading, justify="left" if heading == "outcome" else "right")
    for r in judged["rules"]:
        per_day = r["matches"] / max(len(r["matches_per_day"]), 1)
        cells = [escape(r["name"]), r["outcome"], _cell(r["matches"]), f"{per_day:,.1f}",
                 _cell(r["frauds"]), _pct(r["precision"]), _pct(r["recall"]),
                 _cell(r["fraud_amount"])]  # fmt: skip
        if with_model:
            cells += [_cell(r["with_model"]), _cell(r["without_model"])]
        table.add_row(*cells)
    return table


def _days(figures: dict[str, Any]) -> Table:
    table = Table(title="Alerts and blocks per day")
    table.add_column("day")
    names = [n for n in ("live", "draft") if figures[n] is not None]
    for name in names:
        table.add_column(f"{name} alerts", justify="right")
        table.add_column(f"{name} blocks", justify="right")
    days = zip(*(figures[n]["per_day"] for n in names), strict=True)
    for row in days:
        cells = [c for d in row for c in (_cell(d["alerts"]), _cell(d["blocks"]))]
        table.add_row(row[0]["day"], *cells)
    return table


def _changes(changes: dict[str, Any]) -> Table:
    table = Table(title="From live to draft")
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("transactions whose decision changes", _cell(changes["transactions"]))
    table.add_row("cards with a changed decision", _cell(changes["cards"]))
    for change, count in changes["by_change"].items():
        table.add_row(f"  {change}", _cell(count))
    table.add_row(
        "newly alerted (frauds)",
        f"{changes['newly_alerted']:,} ({changes['newly_alerted_frauds']:,})",
    )
    table.add_row(
        "no longer alerted (frauds)",
        f"{changes['no_longer_alerted']:,} ({changes['no_longer_alerted_frauds']:,})",
    )
    gained, lost = changes["fraud_amount_gained"], changes["fraud_amount_lost"]
    table.add_row("fraud amount gained / lost", f"{gained:,.2f} / {lost:,.2f}")
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _cell(value: Any, key: str = "") -> str:
    if key in ("precision", "recall"):
        return _pct(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"
