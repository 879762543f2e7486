"""``fraudd demo``: the whole loop on the embedded local stack.

On a terminal one live view owns the screen (:mod:`fraudd.cli.demo_view`) and the logs go to a
file under the state directory (``logs/demo.log``, its path printed at the end); then a short
summary in sections. Off a terminal the logs stay on stdout and the summary follows; with
``--json`` the last line of stdout is the JSON summary (the keys scripts and CI rely on).
Exit 1 when not every record that entered the stream got exactly one decision.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.live import Live

from fraudd.cli.app import app, settings_from
from fraudd.logs import configure_logging
from fraudd.settings import Settings

if TYPE_CHECKING:  # the view imports the demo, hence the daemon and XGBoost: only when it runs
    from fraudd.cli.demo_view import DemoView, NextSteps, StatusLine
    from fraudd.demo import LiveFigures

LOG_FILE = "demo.log"
PLAIN_WIDTH = 160
STATUS_LINES: list[StatusLine] = []
"""Extra lines of the live view (e.g. the console role: open cases and its URL); append here."""


@app.command()
def demo(
    ctx: typer.Context,
    seconds: Annotated[float, typer.Option(min=1, help="How long the producer runs.")] = 60.0,
    rate: Annotated[
        float | None, typer.Option(min=0.001, help="Swipes per second (default: settings).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="End with one JSON summary line (no live view).")
    ] = False,
) -> None:
    """Run the whole loop on the local stack (local profile by default) and summarise it."""
    settings = settings_from(ctx, local_default=True)
    if rate is not None:
        settings = settings.derive(producer={"rate_tps": rate})
    if sys.stdout.isatty() and not as_json:
        summary = _on_terminal(settings, seconds)
    else:
        summary = _plain(settings, seconds, as_json)
    settled = summary.get("decided", -1) + summary.get("dead_lettered", 0)
    raise typer.Exit(0 if settled == summary.get("sent_to_stream", -2) else 1)


def _plain(settings: Settings, seconds: float, as_json: bool) -> dict[str, Any]:
    """Off a terminal: logs on stdout as configured, then the summary (JSON as the last line)."""
    from fraudd.cli.demo_view import summary_view
    from fraudd.demo import run_demo
    from fraudd.demo_setup import prepare  # heavy (training): only when the demo runs

    latest: list[LiveFigures] = []

    def keep(figures: LiveFigures) -> None:
        latest[:] = [figures]

    stacked, seeded = prepare(settings)
    summary = seeded | asyncio.run(run_demo(stacked, seconds, None if as_json else keep))
    if as_json:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
    else:
        alerts = latest[0].alerts if latest else []
        # piped: no terminal width to follow, so wide enough for the alerts' reasons
        Console(width=PLAIN_WIDTH).print(summary_view(summary, _next_steps(stacked, None), alerts))
    return summary


def _on_terminal(settings: Settings, seconds: float) -> dict[str, Any]:
    """The live view on the screen; logs (and Python warnings) into the state directory."""
    from fraudd.cli.demo_view import DemoView, summary_view
    from fraudd.demo import run_demo
    from fraudd.demo_setup import prepare

    log_path = _log_path(settings)
    console = Console()
    view = DemoView(seconds, _metrics_url(settings), STATUS_LINES)
    view.status_lines = [*STATUS_LINES, console_line(settings, view)]
    with ExitStack() as stack:
        log_file = stack.enter_context(log_path.open("w", encoding="utf-8"))
        configure_logging("json", settings.log_level, stream=log_file)
        stack.enter_context(Live(view, console=console, refresh_per_second=8, transient=True))
        stacked, seeded = prepare(settings, view)
        summary = seeded | asyncio.run(run_demo(stacked, seconds, view.update))
    alerts = view.figures.alerts if view.figures else []
    console.print(summary_view(summary, _next_steps(stacked, log_path), alerts))
    return summary


def console_line(settings: Settings, view: DemoView) -> StatusLine:
    """The live view's console line: open cases, and a login URL (re-minted at half its life)."""
    from fraudd.console.auth import login_url

    minted: list[tuple[float, str]] = []

    def line() -> str | None:
        now = time.monotonic()
        if not minted or now - minted[0][0] > settings.console.token_ttl_s / 2:
            minted[:] = [(now, login_url(settings, "demo", "investigator"))]
        cases = view.figures.counters.get("cases_open", 0) if view.figures else 0
        return f"Console: {cases:,} open cases; log in as an investigator at {minted[0][1]}"

    return line


def _log_path(settings: Settings) -> Path:
    folder = settings.local.state_dir.resolve() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / LOG_FILE


def _metrics_url(settings: Settings) -> str:
    return f"http://{settings.http.host}:{settings.http.port}/metrics"


def _next_steps(settings: Settings, log_path: Path | None) -> NextSteps:
    """Where to look next; the evaluation scores the history's last week, which the demo's
    model did not train on (its training window ends a week before today). The exports name
    the demo's own schema, stream and topic: without them a command would use the configured
    ones, and a daemon would feed the demo's schema from another stream."""
    from fraudd.cli.demo_view import NextSteps

    week_ago = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7)
    schema = settings.warehouse.schema_name
    command = (
        f"FRAUDD_WAREHOUSE__SCHEMA={schema} fraudd --config config/local.toml evaluate "
        f"--test-start {week_ago.isoformat()} --report demo-report"
    )
    data = f"export FRAUDD_CONFIG=config/local.toml FRAUDD_WAREHOUSE__SCHEMA={schema}"
    stream = (
        f"export FRAUDD_KINESIS__STREAM_NAME={settings.kinesis.stream_name} "
        f"FRAUDD_SNS__TOPIC_NAME={settings.sns.topic_name}"
    )
    log_file = str(log_path) if log_path else None
    return NextSteps(_metrics_url(settings), log_file, command, data, stream)
