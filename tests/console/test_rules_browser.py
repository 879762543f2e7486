"""The rules page in a real headless browser (Debian's chromium, playwright-core): an analyst
types a rule and sees the server's one-line check follow the typing, saves the draft, backtests
it against the live rules over a day of the seeded history, is refused publishing it alone
(maker-checker); an investigator publishes it live. Then the warehouse is checked: the version,
and the audit log's entries with the text before and after.

Screenshots go to ``test-artifacts/console/`` (or ``$FRAUDD_TEST_ARTIFACTS/console``).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.console.conftest import POSTGRES, Running
from tests.console.test_pages import HERE, artefacts, require_browser
from tests.console.test_rules import BROKEN, RULES

FORBIDDEN = "Failed to load resource: the server responded with a status of 403 (Forbidden)"


async def run_rules_journey(config: dict[str, Any]) -> dict[str, Any]:
    require_browser()
    proc = await asyncio.create_subprocess_exec(
        "node", str(HERE / "rules_journey.mjs"), json.dumps(config), cwd=HERE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    assert proc.returncode == 0, err.decode()[-3000:]
    return dict(json.loads(out))


@POSTGRES
async def test_an_analyst_writes_and_backtests_a_rule_an_investigator_publishes_it(
    console: Running, tmp_path: Path
) -> None:
    shots = artefacts()
    day = datetime.now(UTC).date().isoformat()
    seen = await run_rules_journey({
        "url": console.url, "analyst": console.login_url("ana@bank.example", "analyst", 120),
        "investigator": console.login_url("ines@bank.example", "investigator", 120),
        "broken": BROKEN, "rules": RULES, "day": day,
        "shots": str(shots), "profiles": str(tmp_path),
    })  # fmt: skip
    # no script error, no CSP violation; the one error logged is the refused publication's 403
    assert seen["errors"] == [] and seen["console"] == [FORBIDDEN]
    assert seen["brokenCheck"].startswith("the rule set is refused: rule 'big'")
    assert seen["goodCheck"] == "ok: 1 rule(s), 0 list(s)"
    assert seen["afterSave"] == "Draft saved."
    # the seeded day: one transaction over 400 (tx-a2, 480.00), which the live rules (today's
    # settings) approve and the draft blocks
    assert seen["backtestRules"].splitlines()[1].split("\t")[:3] == ["big", "block", "1"]
    totals = dict(line.split("\t", 1) for line in seen["backtestTotals"].splitlines()[1:])
    assert (totals["alerts (review + block)"], totals["blocks"]) == ("0\t1", "0\t1")
    assert "approve -> block\t1" in seen["backtestChanges"]
    assert seen["backtestDays"] == [day, day]  # the page keeps the days it backtested
    assert "maker-checker: ana@bank.example saved this draft" in seen["ownPublish"]
    assert "ana@bank.example" in seen["draftMeta"]
    assert seen["afterPublish"] == "Draft published."
    # version 1 is today's [rules] settings, published before the first change
    assert "live" in seen["versionTwo"] and "ines@bank.example" in seen["versionTwo"]
    assert seen["rulesAuditActions"] == ["rules.published", "rules.draft_saved"]
    assert seen["publishedText"].strip() == RULES.strip()  # the audit's text after, shown
    async with console.deps.warehouse.session() as s:
        live = await s.live_rule_set()
        entries = await s.audit_entries(["rule-set", "rule-set:v2"], 10)
    assert live is not None and (live.version, live.body) == (2, RULES)
    assert [(e.action, e.actor) for e in reversed(entries)] == [
        ("rules.draft_saved", "ana@bank.example"),
        ("rules.published", "ines@bank.example"),
    ]
    assert entries[0].after is not None and entries[0].after["text"] == RULES
    assert sorted(p.name for p in shots.glob("rules-*.png")) == [
        "rules-1-refused.png", "rules-2-backtest.png", "rules-3-maker-checker.png",
        "rules-4-published.png",
    ]  # fmt: skip
