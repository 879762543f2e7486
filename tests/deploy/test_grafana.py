"""The Grafana dashboard and the alert rules only query metrics fraudd really exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraudd.metrics import create_metrics

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "deploy" / "grafana" / "fraudd.json"
RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

# Series names Prometheus derives from each metric type (prometheus_client exposition).
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "info": ("_info",),
    "summary": ("", "_sum", "_count", "_created"),
}
# Grafana variables replaced by plain values so that promtool can parse the expressions.
GRAFANA_VARS = {"$__rate_interval": "1m", "$job": ".*", "$instance": ".*"}


def exported_series() -> set[str]:
    """Every series name fraudd/metrics.py can produce."""
    registry = create_metrics().registry
    return {
        family.name + suffix for family in registry.collect() for suffix in SUFFIXES[family.type]
    }


def referenced_fraudd_names(expr: str) -> set[str]:
    return set(re.findall(r"\bfraudd_[a-z0-9_]+\b", expr))


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def _dashboard_exprs(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (panel["title"], target["expr"])
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


def _rule_exprs() -> list[tuple[str, str]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [(rule["alert"], rule["expr"]) for group in groups for rule in group["rules"]]


def test_dashboard_metrics_exist(dashboard: dict[str, Any]) -> None:
    known = exported_series()
    exprs = _dashboard_exprs(dashboard)
    assert len(exprs) >= 15
    unknown = {
        (title, name)
        for title, expr in exprs
        for name in referenced_fraudd_names(expr)
        if name not in known
    }
    assert unknown == set()


def test_alert_metrics_exist() -> None:
    known = exported_series()
    unknown = {
        (alert, name)
        for alert, expr in _rule_exprs()
        for name in referenced_fraudd_names(expr)
        if name not in known
    }
    assert unknown == set()


def test_the_name_check_would_catch_a_typo() -> None:
    known = exported_series()
    assert "fraudd_records_decided_total" in known
    assert "fraudd_end_to_end_latency_seconds_bucket" in known
    assert "fraudd_build_info" in known
    assert not referenced_fraudd_names("rate(fraudd_records_decided[5m])") <= known


def test_dashboard_has_the_required_panels(dashboard: dict[str, Any]) -> None:
    exprs = " ".join(expr for _, expr in _dashboard_exprs(dashboard))
    for needed in (
        "fraudd_records_produced_total",
        "fraudd_records_ingested_total",
        "fraudd_records_decided_total",
        "fraudd_end_to_end_latency_seconds_bucket",
        "fraudd_consumer_lag_seconds",
        "fraudd_consumer_lag_records",
        "fraudd_alerts_published_total",
        "fraudd_alert_publish_failures_total",
        "fraudd_outbox_pending_alerts",
        "fraudd_records_dead_lettered_total",
        "fraudd_model_info",
        "fraudd_score_ratio_bucket",
        "fraudd_batch_duration_seconds_bucket",
        "fraudd_dependency_up",
    ):
        assert needed in exprs, needed
    for quantile in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({quantile}, sum by (le) (rate(fraudd_end_to_end" in exprs
    types = {panel["type"] for panel in _panels(dashboard["panels"])}
    assert {"timeseries", "heatmap", "table", "stat", "row"} <= types


def test_dashboard_is_a_portable_grafana_model(dashboard: dict[str, Any]) -> None:
    assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    panels = list(_panels(dashboard["panels"]))
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"] == DATASOURCE, panel["title"]
            for target in panel["targets"]:
                assert target["datasource"] == DATASOURCE, panel["title"]


def test_dashboard_panels_do_not_overlap(dashboard: dict[str, Any]) -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in _panels(dashboard["panels"]):
        g = panel["gridPos"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, (panel["title"], cells.get((x, y)))
                cells[(x, y)] = panel["title"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_dashboard_queries_parse(dashboard: dict[str, Any], tmp_path: Path) -> None:
    """Every panel query is valid PromQL: promtool parses them as recording rules."""
    rules = []
    for i, (_, expr) in enumerate(_dashboard_exprs(dashboard)):
        for variable, value in GRAFANA_VARS.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, expr
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        ["promtool", "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
