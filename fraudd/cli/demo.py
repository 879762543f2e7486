"""``fraudd demo``: the whole loop on the embedded local stack, with live progress."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from fraudd.cli.app import Globals, app, settings_from
from fraudd.deps import Deps
from fraudd.examples import example_path
from fraudd.settings import Settings


def _progress_table(deps: Deps) -> Table:
    reg = deps.metrics.registry

    def val(name: str) -> int:
        total = 0.0
        for fam in reg.collect():
            for s in fam.samples:
                if s.name == name:
                    total += s.value
        return int(total)

    table = Table(title="fraudd demo", show_header=True)
    for col in ("sent", "ingested", "decided", "dead letters", "alerts", "blocks", "declined"):
        table.add_column(col, justify="right")
    table.add_row(
        *(
            str(val(n))
            for n in (
                "fraudd_records_produced_total",
                "fraudd_records_ingested_total",
                "fraudd_records_decided_total",
                "fraudd_records_dead_lettered_total",
                "fraudd_alerts_published_total",
                "fraudd_blocks_written_total",
                "fraudd_swipes_declined_total",
            )
        )
    )
    return table


@app.command()
def demo(
    ctx: typer.Context,
    seconds: Annotated[float, typer.Option(help="How long the producer runs.")] = 60.0,
    rate: Annotated[
        float | None, typer.Option(help="Swipes per second (default: settings).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="End with one JSON summary line.")
    ] = False,
) -> None:
    """Run the whole loop on the local stack and print a summary."""

    g: Globals = ctx.obj
    if g.config is None and "FRAUDD_CONFIG" not in os.environ:
        # The local profile shipped in the package (the same file as the checkout's config/).
        g.config = example_path("local")
    settings = settings_from(ctx)
    if rate is not None:
        settings = settings.model_copy(
            update={"producer": settings.producer.model_copy(update={"rate_tps": rate})}
        )
    from fraudd.demo_setup import prepare  # heavy (training): only when the demo runs

    settings, seeded = prepare(settings)
    tty = sys.stdout.isatty() and not as_json
    summary = seeded | _run(settings, seconds, tty)
    _print(summary, as_json)
    ok = summary.get("decided", -1) == summary.get("sent_to_stream", -2) - summary.get(
        "dead_lettered", 0
    )
    raise typer.Exit(0 if ok else 1)


def _run(settings: Settings, seconds: float, tty: bool) -> dict[str, Any]:
    from fraudd.demo import run_demo

    if not tty:
        return asyncio.run(run_demo(settings, seconds))
    console = Console()
    with Live(console=console, refresh_per_second=4) as live:
        return asyncio.run(run_demo(settings, seconds, lambda d: live.update(_progress_table(d))))


def _print(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
        return
    table = Table(title="fraudd demo summary")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(key, json.dumps(value))
    Console().print(table)
