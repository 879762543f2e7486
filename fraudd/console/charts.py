"""Server-side SVG line charts for the overview page: no script, nothing to vendor.

A chart is built from series of (time, value) points; every label goes through markupsafe's
escape, and the SVG uses presentation attributes only (the page's CSP allows no inline style).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from fraudd.warehouse import Overview

WIDTH, HEIGHT = 560, 180
PAD_L, PAD_R, PAD_T, PAD_B = 48, 12, 12, 28
COLOURS = {
    "approve": "#2e7d32", "review": "#f9a825", "block": "#c62828", "mean": "#1565c0",
    "max": "#8e24aa", "alerts": "#455a64", "precision": "#c62828",
}  # fmt: skip
Series = dict[str, list[tuple[datetime, float]]]


@dataclass(frozen=True)
class Plot:
    title: str
    unit: str
    svg: Markup


def line_chart(series: Series, start: datetime, end: datetime, unit: str) -> Markup:
    """One SVG: a line per series over [start, end], y from 0 to the largest value."""
    top = max((v for points in series.values() for _, v in points), default=0.0) or 1.0
    span = (end - start).total_seconds() or 1.0

    def x(t: datetime) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (t - start).total_seconds() / span

    def y(v: float) -> float:
        return HEIGHT - PAD_B - (HEIGHT - PAD_T - PAD_B) * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">',
        _axes(start, end, top, unit),
    ]
    for i, (name, points) in enumerate(sorted(series.items())):
        colour = COLOURS.get(name, "#37474f")
        if points:
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in sorted(points))
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>'
            )
            parts.extend(
                f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>'
                for t, v in points
            )
        legend_x = PAD_L + 8 + i * 110
        parts.append(
            f'<rect x="{legend_x}" y="{PAD_T}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{PAD_T + 9}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _axes(start: datetime, end: datetime, top: float, unit: str) -> str:
    bottom, left = HEIGHT - PAD_B, PAD_L
    lines = [
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - PAD_R}" y2="{bottom}" stroke="#90a4ae"/>',
        f'<line x1="{left}" y1="{PAD_T}" x2="{left}" y2="{bottom}" stroke="#90a4ae"/>',
        f'<text x="{left - 4}" y="{PAD_T + 10}" font-size="10" text-anchor="end">'
        f"{_number(top)}</text>",
        f'<text x="{left - 4}" y="{bottom}" font-size="10" text-anchor="end">0</text>',
        f'<text x="{left}" y="{HEIGHT - 8}" font-size="10">{start:%d %b %H:%M}</text>',
        f'<text x="{WIDTH - PAD_R}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">'
        f"{end:%H:%M} UTC</text>",
        f'<text x="{WIDTH // 2}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle">'
        f"{escape(unit)}</text>",
    ]
    return "".join(lines)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def filled(
    points: dict[datetime, float], start: datetime, end: datetime, step: timedelta
) -> list[tuple[datetime, float]]:
    """Counts per bucket with the empty buckets as zeros (a quiet minute is a real 0)."""
    first = start.replace(second=0, microsecond=0)
    if step >= timedelta(hours=1):
        first = first.replace(minute=0)
    if first < start:
        first += step
    out, at = [], first
    while at <= end:
        out.append((at, points.get(at, 0.0)))
        at += step
    return out


def overview_plots(data: Overview, now: datetime) -> list[Plot]:
    """The overview's four plots from the warehouse's aggregates."""
    hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(hours=24)
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    counts: dict[str, dict[datetime, float]] = defaultdict(dict)
    for m in data.decisions:
        counts[m.key][m.at] = float(m.count)
    per_minute: Series = {k: filled(v, hour_ago, now, minute) for k, v in counts.items()}
    latency: Series = {
        "mean": [(m.at, m.mean_s) for m in data.latency],
        "max": [(m.at, m.max_s) for m in data.latency],
    }
    hourly = {h.at: float(h.alerts) for h in data.verdicts}
    alerts: Series = {"alerts": filled(hourly, day_ago, now, hour)}
    precision: Series = {
        "precision": [
            (h.at, h.fraud / (h.fraud + h.legitimate))
            for h in data.verdicts
            if h.fraud + h.legitimate
        ]
    }
    return [
        Plot("Decisions per minute by outcome", "decisions / minute",
             line_chart(dict(per_minute), hour_ago, now, "decisions / minute")),
        Plot("End-to-end latency (swipe produced to decision committed)", "seconds",
             line_chart(latency, hour_ago, now, "seconds")),
        Plot("Alerts per hour", "alerts / hour", line_chart(alerts, day_ago, now, "alerts / hour")),
        Plot("Precision of alerts as verdicts arrive (fraud / (fraud + legitimate))", "ratio",
             line_chart(precision, day_ago, now, "ratio")),
    ]  # fmt: skip
