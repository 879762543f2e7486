"""Prometheus rules and scrape config: valid for promtool, unit-tested, linked to the runbook."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROM_DIR = REPO / "deploy" / "prometheus"
RULES = PROM_DIR / "alerts.yml"
RULE_TESTS = (PROM_DIR / "alerts_test.yml", PROM_DIR / "alerts_model_test.yml")
RUNBOOK = REPO / "docs" / "operations.md"
RUNBOOK_URL = "https://github.com/fraudd/fraudd/blob/main/docs/operations.md#"

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package: prometheus)"
)


def _promtool(*args: str, cwd: Path = PROM_DIR) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def github_anchors(markdown: str) -> set[str]:
    """Anchors GitHub generates for the headings of a Markdown document."""
    anchors = set()
    for line in markdown.splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*$", line)
        if match:
            text = re.sub(r"[^\w\- ]", "", match.group(1).lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


@needs_promtool
def test_rules_pass_promtool_check() -> None:
    result = _promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in result.stdout


@needs_promtool
def test_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", *(path.name for path in RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_TESTS)


@needs_promtool
@pytest.mark.parametrize(
    ("original", "broken"),
    [
        ("> 60\n", "> 600\n"),  # heartbeat limit
        (' or absent(up{job="fraudd"})', ""),  # vanished target
        ("fraudd_consumer_lag_seconds) > 30", "fraudd_consumer_lag_seconds) > 60"),
    ],
)
def test_rule_unit_tests_catch_a_broken_rule(tmp_path: Path, original: str, broken: str) -> None:
    """The unit tests have teeth: weakening a rule makes them fail."""
    text = RULES.read_text()
    assert original in text
    (tmp_path / RULES.name).write_text(text.replace(original, broken, 1))
    for test in RULE_TESTS:
        shutil.copy(test, tmp_path / test.name)
    result = _promtool("test", "rules", *(path.name for path in RULE_TESTS), cwd=tmp_path)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


@needs_promtool
def test_scrape_config_is_valid() -> None:
    result = _promtool("check", "config", "scrape.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((PROM_DIR / "scrape.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "fraudd")
    assert job["static_configs"][0]["targets"] == ["127.0.0.1:9108"]


def test_every_alert_is_tested_firing_and_silent() -> None:
    fired: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for group in yaml.safe_load(path.read_text())["tests"]:
            for case in group["alert_rule_test"]:
                (fired if case["exp_alerts"] else silent).add(case["alertname"])
    names = {rule["alert"] for rule in _rules()}
    assert fired == names
    assert silent == names


def test_every_alert_is_labelled_and_annotated() -> None:
    for rule in _rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"], rule["alert"]
        assert annotations["runbook_url"] == RUNBOOK_URL + rule["alert"].lower()


def test_every_runbook_url_has_a_section() -> None:
    anchors = github_anchors(RUNBOOK.read_text())
    missing = {
        rule["alert"]
        for rule in _rules()
        if rule["annotations"]["runbook_url"].removeprefix(RUNBOOK_URL) not in anchors
    }
    assert missing == set()


def test_every_operations_link_in_deploy_has_a_section() -> None:
    """Units, CloudWatch alarm descriptions and the dashboard link to runbook sections too."""
    anchors = github_anchors(RUNBOOK.read_text())
    linked = set()
    for path in (REPO / "deploy").rglob("*"):
        if path.is_file() and path.suffix in {".service", ".timer", ".yaml", ".yml", ".json"}:
            linked |= set(re.findall(r"operations\.md#([a-z0-9-]+)", path.read_text()))
    assert linked, "no links found"
    assert linked - anchors == set()
