"""What ``fraudd demo`` shows on a terminal: the live view while it runs, the summary at the end.

:class:`DemoView` is a rich renderable and the demo's :class:`~fraudd.demo_setup.Stages` sink:
set-up stages as they happen, live counters and rates, latency percentiles, the latest alerts as
an investigator reads them, and optional status lines fed by callbacks (``status_lines``: other
roles, such as the investigators' console, can add a line — open cases, its URL — without
touching this module). :func:`summary_view` renders the final summary: short sections with
rounded figures and where to look next. Nothing here reads the warehouse or the metrics: the
demo hands over plain figures.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from fraudd.alert import Alert
from fraudd.demo import LiveFigures
from fraudd.demo_setup import HISTORY_CUSTOMERS, HISTORY_DAYS, HISTORY_TERMINALS
from fraudd.simulator import SCENARIOS

RATE_WINDOW_S = 5.0
ALERTS_SHOWN = 5
MERCHANTS: Mapping[str, str] = {  # ISO 18245 names of the categories the simulator uses
    "4111": "commuter transport",
    "5311": "department store",
    "5411": "grocery",
    "5541": "fuel",
    "5732": "electronics",
    "5812": "restaurant",
    "5912": "pharmacy",
    "5999": "misc. retail",
    "6011": "ATM cash",
    "7011": "hotel",
}
COUNTER_LABELS = {
    "produced": "swipes sent to Kinesis",
    "decided": "decided",
    "dead_lettered": "dead-lettered",
    "alerts_published": "alerts published (SNS)",
    "alerts_received": "alerts read back (SQS)",
    "cards_blocked": "cards blocked",
    "declined": "swipes declined (blocked cards)",
    "cards_reissued": "blocked cards reissued",
}
RUNNING = {
    "stack": "starting the local stack (kinesalite, moto, PostgreSQL)",
    "schema": "creating a fresh demo schema and stream",
    "history": (
        f"seeding labelled history: {HISTORY_DAYS} days, {HISTORY_CUSTOMERS:,} cards, "
        f"{HISTORY_TERMINALS:,} terminals"
    ),
    "model": "training the model (XGBoost on the history's features)",
}
StatusLine = Callable[[], str | None]


def validation_text(validation: Mapping[str, Any] | None) -> str:
    """Rounded validation figures of a model, e.g. ``AUC 0.931 · AP 0.776 · CP@100 0.271``."""
    if not validation:
        return "no validation figures"
    return (
        f"AUC {validation['auc_roc']:.3f} · AP {validation['average_precision']:.3f} · "
        f"CP@100 {validation['card_precision_at_100']:.3f}"
    )


def _stage_done(stage: str, facts: Mapping[str, Any]) -> str:
    if stage == "stack":
        return f"local stack up (state in {facts['state_dir']})"
    if stage == "schema":
        return f"fresh schema {facts['schema']!r} and stream {facts['stream']!r}"
    if stage == "history":
        return (
            f"history seeded: {facts['history_transactions']:,} transactions, "
            f"{facts['history_frauds']:,} frauds ({facts['history_days']} days, "
            f"{facts['history_cards']:,} cards)"
        )
    return (
        f"model v{facts['model_version']} trained — validation "
        f"{validation_text(facts.get('model_validation'))}"
    )


@dataclass
class _Stage:
    began: float
    done: str | None = None
    took: float = 0.0


@dataclass
class DemoView:
    """The live view: feed it stages (``started``/``finished``) and figures (``update``)."""

    seconds: float
    metrics_url: str
    status_lines: Sequence[StatusLine] = ()
    stages: dict[str, _Stage] = field(default_factory=dict)
    figures: LiveFigures | None = None
    _history: deque[tuple[float, dict[str, int]]] = field(default_factory=deque)

    def started(self, stage: str) -> None:
        self.stages[stage] = _Stage(time.monotonic())

    def finished(self, stage: str, facts: dict[str, Any]) -> None:
        s = self.stages.setdefault(stage, _Stage(time.monotonic()))
        s.done, s.took = _stage_done(stage, facts), time.monotonic() - s.began

    def update(self, figures: LiveFigures) -> None:
        now = time.monotonic()
        self._history.append((now, dict(figures.counters)))
        while self._history and now - self._history[0][0] > RATE_WINDOW_S:
            self._history.popleft()
        self.figures = figures

    def rate(self, name: str) -> float | None:
        """Per second over the last few seconds."""
        if len(self._history) < 2:
            return None
        (t0, first), (t1, last) = self._history[0], self._history[-1]
        return (last.get(name, 0) - first.get(name, 0)) / (t1 - t0) if t1 > t0 else None

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = [Text("fraudd demo", style="bold"), self._stage_lines()]
        if self.figures is not None:
            parts += [self._counters(), self._latency(), self._alerts()]
        parts += [Text(line) for line in (f() for f in self.status_lines) if line]
        return Group(*parts)

    def _stage_lines(self) -> RenderableType:
        rows = Table.grid(padding=(0, 1))
        for stage, s in self.stages.items():
            if s.done is None:
                rows.add_row(Spinner("dots"), Text(RUNNING.get(stage, stage) + " …"))
            else:
                rows.add_row(Text("✓", style="green"), Text(f"{s.done}  ({s.took:.0f} s)"))
        if self.figures is not None:
            rows.add_row(*self._loop_line(self.figures))
        return rows

    def _loop_line(self, f: LiveFigures) -> tuple[RenderableType, Text]:
        if f.phase == "running":
            shown = min(f.elapsed_s, f.seconds)
            return Spinner("dots"), Text(
                f"loop running: producer → Kinesis → ingest → consumer → actions — "
                f"{shown:.0f} s of {f.seconds:.0f} s · metrics at {self.metrics_url}"
            )
        if f.phase == "draining":
            return Spinner("dots"), Text(
                "producer stopped; waiting until every record is decided and every alert "
                "published …"
            )
        return Text("✓", style="green"), Text("loop drained")

    def _counters(self) -> Table:
        assert self.figures is not None
        table = Table(box=None, show_edge=False, pad_edge=False)
        table.add_column("")
        table.add_column("total", justify="right")
        table.add_column("per second", justify="right")
        for key, label in COUNTER_LABELS.items():
            rate = self.rate(key)
            table.add_row(
                label,
                f"{self.figures.counters.get(key, 0):,}",
                "" if rate is None else f"{rate:,.0f}",
            )
        return table

    def _latency(self) -> Text:
        assert self.figures is not None
        return Text("latency (produced → decided) " + latency_text(self.figures.latency))

    def _alerts(self) -> RenderableType:
        assert self.figures is not None
        if not self.figures.alerts:
            return Text("no alerts yet", style="dim")
        return alerts_table(self.figures.alerts[:ALERTS_SHOWN], "latest alerts (read back)")


def latency_text(latency: Any) -> str:
    """``p50 243 ms · p95 356 ms · p99 412 ms`` from a RunLatency or a mapping (None: pending)."""
    values = latency if isinstance(latency, Mapping) else getattr(latency, "__dict__", None)
    if not values or values.get("p50") is None:
        return "— (no decisions yet)"
    return " · ".join(f"{k} {values[k]:,.0f} ms" for k in ("p50", "p95", "p99"))


def alerts_table(alerts: Sequence[Alert], title: str) -> Table:
    """Alerts as an investigator reads them: masked card, amount, merchant, score, reasons."""
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for name, justify in (
        ("card", "left"),
        ("amount", "right"),
        ("merchant", "left"),
        ("channel", "left"),
        ("score", "right"),
        ("decision", "left"),
        ("top reasons", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for a in alerts:
        table.add_row(*alert_cells(a))
    return table


def alert_cells(alert: Alert) -> tuple[str, ...]:
    """One alert's cells; only the last four digits of the card, never more (invariant 7)."""
    mcc = alert.merchant_category or ""
    merchant = f"{MERCHANTS.get(mcc, 'MCC')} {mcc}" if mcc else "—"
    reasons = "; ".join(r.get("text", "") for r in alert.reasons[:3]) or "—"
    return (
        f"•••• {alert.card_last4 or '????'}",
        f"{alert.amount:,.2f} {alert.currency or ''}".strip(),
        merchant,
        alert.channel or "—",
        f"{alert.score:.2f}",
        alert.decision.upper(),
        reasons,
    )


@dataclass(frozen=True)
class NextSteps:
    """Where to look after the demo (shown in the summary's last section)."""

    metrics_url: str
    log_file: str | None
    evaluate_command: str
    data_exports: str = ""
    """The shell line that points the commands at the demo's schema (README "Rules")."""
    stream_exports: str = ""
    """The shell line that points ``fraudd run`` at the demo's stream and topic."""


def summary_view(
    summary: Mapping[str, Any], steps: NextSteps, alerts: Sequence[Alert] = ()
) -> RenderableType:
    """The demo's final summary in sections, figures rounded for a person."""
    parts: list[RenderableType] = [
        Text(f"fraudd demo — {summary['seconds']:.0f} s on the local stack", style="bold"),
        _section("Traffic", _traffic(summary)),
        _section("Detection (ground truth: the simulator's labels)", _detection(summary)),
        _section("Actions", _actions(summary)),
        _section(
            "Latency (produced → decided)", [("percentiles", _latency_all(summary["latency_ms"]))]
        ),
        _section("Model", _model(summary)),
    ]
    if alerts:
        parts += [Text(""), alerts_table(alerts[:3], "Latest alerts (as investigators get them)")]
    parts.append(_section("Where to look next", _next(steps)))
    return Group(*parts)


def _section(title: str, rows: Sequence[tuple[str, str]]) -> RenderableType:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    for label, value in rows:
        table.add_row(f"  {label}", value)
    return Group(Text(""), Text(title, style="bold cyan"), table)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def _traffic(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    rate = s["produced"] / s["seconds"] if s["seconds"] else 0.0
    settled = s["decided"] + s["dead_lettered"]
    check = "every record one decision" if settled == s["sent_to_stream"] else "NOT all decided"
    return [
        ("swipes produced", f"{s['produced']:,} ({rate:,.0f} per second)"),
        ("sent to Kinesis", f"{s['sent_to_stream']:,}"),
        (
            "declined at the card app",
            f"{s['declined']:,} (card blocked: {s['fraud_declined']:,} fraud, "
            f"{s['legit_declined']:,} genuine)",
        ),
        ("decided", f"{s['decided']:,} — {check}"),
        ("dead-lettered", f"{s['dead_lettered']:,}"),
    ]


def _detection(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    frauds, caught = s["fraud_decided"], s["fraud_caught"]
    alerted = caught + s["legit_alerted"]
    return [
        ("frauds decided", f"{frauds:,}"),
        ("caught (review or block)", f"{caught:,} ({_pct(caught, frauds)})"),
        ("blocked", f"{s['fraud_blocked']:,} ({_pct(s['fraud_blocked'], frauds)})"),
        ("precision of alerts", f"{_pct(caught, alerted)} ({caught:,} of {alerted:,} were fraud)"),
        *_by_scenario(s.get("fraud_by_scenario", ())),
        *_friction(s),
    ]


def _by_scenario(rows: Sequence[Mapping[str, int]]) -> list[tuple[str, str]]:
    """Recall per fraud scenario, in words."""
    out = []
    for r in rows:
        name = SCENARIOS.get(r["scenario"], f"scenario {r['scenario']}")
        caught = f"{r['caught']:,} of {r['frauds']:,} caught ({_pct(r['caught'], r['frauds'])})"
        out.append((f"  {name}", f"{caught}, {r['blocked']:,} blocked"))
    return out


def _per_fraud_caught(count: int, caught: int) -> str:
    return f"{count / caught:,.1f} per fraud caught" if caught else "no fraud caught"


def _friction(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What detection cost genuine cardholders, per fraud caught."""
    caught, blocked = s["fraud_caught"], s["cards_blocked"]
    out = [
        ("genuine swipes flagged", f"{s['legit_alerted']:,} ("
         f"{_per_fraud_caught(s['legit_alerted'], caught)})"),
        ("genuine swipes declined", f"{s['legit_declined']:,} ("
         f"{_per_fraud_caught(s['legit_declined'], caught)}; their card was blocked)"),
    ]  # fmt: skip
    if "cards_blocked_without_fraud" in s:
        out.append(
            ("cards blocked, no fraud", f"{s['cards_blocked_without_fraud']:,} of {blocked:,}")
        )
    return out


def _actions(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("alerts published / read back", f"{s['alerts_published']:,} / {s['alerts_received']:,}"),
        ("cards blocked", f"{s['cards_blocked']:,}"),
        ("cards reissued", f"{s.get('cards_reissued', 0):,} (a new card for the cardholder)"),
        (
            "fraud declined after a block",
            f"{s['fraud_declined']:,} swipes, {s['fraud_declined_amount']:,.2f} in amounts",
        ),
    ]


def _latency_all(latency: Mapping[str, Any]) -> str:
    text = latency_text(latency)
    if latency.get("max") is not None:
        text += f" · max {latency['max']:,.0f} ms"
    return text


def _model(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    if "model_version" not in s:
        return [("", "—")]
    return [
        (
            f"version {s['model_version']}",
            f"trained on {s.get('history_transactions', 0):,} transactions "
            f"({s.get('history_frauds', 0):,} frauds)",
        ),
        ("validation", validation_text(s.get("model_validation"))),
    ]


def _next(steps: NextSteps) -> list[tuple[str, str]]:
    rows = [("metrics", f"{steps.metrics_url} (while a demo or `fraudd run` runs)")]
    if steps.log_file:
        rows.append(("logs", steps.log_file))
    rows.append(("evaluation", steps.evaluate_command))
    # each a whole shell line, short enough not to wrap in two (a wrapped one pastes as two)
    rows += [("its data", steps.data_exports), ("its stream", steps.stream_exports)]
    return [(label, value) for label, value in rows if value]
