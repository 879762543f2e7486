"""The overview's SVG charts (fraudd.console.charts): zero-filled buckets, points placed on the
axes, labels escaped, no inline style (the console's CSP allows none), the four plots."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from fraudd.console.charts import (
    HEIGHT,
    PAD_B,
    PAD_L,
    PAD_R,
    PAD_T,
    WIDTH,
    filled,
    line_chart,
    overview_plots,
)
from fraudd.warehouse.cases import HourVerdicts, MinuteCount, MinuteLatency, Overview

SVG = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_empty_buckets_are_zeros_from_the_first_whole_step_after_start() -> None:
    at = datetime(2026, 12, 1, 10, 2, tzinfo=UTC)
    points = filled({at: 5.0}, START, START + timedelta(minutes=3), MINUTE)
    assert points == [
        (datetime(2026, 12, 1, 10, 1, tzinfo=UTC), 0.0), (at, 5.0),
        (datetime(2026, 12, 1, 10, 3, tzinfo=UTC), 0.0),
    ]  # fmt: skip
    hours = filled({}, START, START + 2 * HOUR, HOUR)
    assert [t.strftime("%H:%M") for t, _ in hours] == ["11:00", "12:00"]  # whole hours
    assert filled({}, START.replace(second=0), START.replace(second=0), MINUTE) == [
        (START.replace(second=0), 0.0)
    ]


def test_points_sit_on_the_axes_and_the_top_is_the_largest_value() -> None:
    end = START + HOUR
    svg = parsed(line_chart({"block": [(START, 0.0), (end, 8.0)]}, START, end, "per minute"))
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}" and svg.get("role") == "img"
    (line,) = svg.iter(f"{SVG}polyline")
    assert line.get("points") == f"{PAD_L:.1f},{HEIGHT - PAD_B:.1f} {WIDTH - PAD_R:.1f},{PAD_T:.1f}"
    assert line.get("stroke") == "#c62828"  # block's colour
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "8" in texts and "0" in texts and "per minute" in texts and "block" in texts
    assert len(list(svg.iter(f"{SVG}circle"))) == 2


def test_no_data_draws_axes_and_legend_only() -> None:
    svg = parsed(line_chart({"alerts": []}, START, START, "alerts / hour"))
    assert list(svg.iter(f"{SVG}polyline")) == [] and len(list(svg.iter(f"{SVG}rect"))) == 1
    assert parsed(line_chart({}, START, START + HOUR, "x")).tag == f"{SVG}svg"


def test_labels_are_escaped_and_nothing_is_styled_inline() -> None:
    hostile = '<script>alert(1)</script>"'
    markup = str(line_chart({hostile: [(START, 1.0)]}, START, START + HOUR, hostile))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    svg = parsed(markup)
    assert all("style" not in element.attrib for element in svg.iter())
    assert hostile in [t.text for t in svg.iter(f"{SVG}text")]


def test_the_overview_plots_from_the_warehouse_aggregates() -> None:
    now = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)
    minute = datetime(2026, 12, 1, 11, 50, tzinfo=UTC)
    data = Overview(
        decisions=[MinuteCount(minute, "approve", 40), MinuteCount(minute, "block", 2)],
        latency=[MinuteLatency(minute, 0.12, 0.3)],
        verdicts=[HourVerdicts(datetime(2026, 12, 1, 9, tzinfo=UTC), 4, 3, 1),
                  HourVerdicts(datetime(2026, 12, 1, 10, tzinfo=UTC), 2, 0, 0)],
    )  # fmt: skip
    plots = overview_plots(data, now)
    assert [p.unit for p in plots] == ["decisions / minute", "seconds", "alerts / hour", "ratio"]
    decisions, latency, alerts, precision = (parsed(p.svg) for p in plots)
    legends = [t.text for t in decisions.iter(f"{SVG}text")]
    assert "approve" in legends and "block" in legends
    per_minute = [line.get("points", "").split() for line in decisions.iter(f"{SVG}polyline")]
    assert [len(points) for points in per_minute] == [60, 60]  # an hour of minutes, zeros too
    assert len(list(latency.iter(f"{SVG}polyline"))) == 2  # mean and max
    assert len(next(alerts.iter(f"{SVG}polyline")).get("points", "").split()) == 24
    # the hour without a verdict has no precision point (not a zero)
    assert len(list(precision.iter(f"{SVG}circle"))) == 1
    assert "0.75" in [t.text for t in precision.iter(f"{SVG}text")]  # 3 / (3 + 1), the top
