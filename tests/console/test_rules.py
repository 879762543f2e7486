"""The rules page (fraudd.console.rules) over real HTTP: a viewer cannot edit, an analyst cannot
publish alone with maker-checker on (a second analyst can), analysts act on rules only, the
editor's server-side check, the backtest's bounds, and every change in the audit log."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

from tests.console.conftest import (
    BOTH_DIALECTS,
    POSTGRES,
    Running,
    User,
    log_in_as,
    rules_audited,
    start_console,
)

RULES = """[[rules]]
name = "big"
description = "very large amounts"
when = "amount > 400"
outcome = "block"
"""
BROKEN = RULES.replace("amount > 400", "amount > 'x'")


async def stored(console: Running) -> tuple[str | None, list[int]]:
    async with console.deps.warehouse.session() as s:
        draft = await s.rule_draft()
        versions = [v.version for v in await s.list_rule_sets()]
    return (None if draft is None else draft.body), versions


@BOTH_DIALECTS
async def test_a_viewer_sees_the_rules_but_cannot_edit_them(console: Running, vera: User) -> None:
    async with vera.client.get(f"{console.url}/rules") as resp:
        page = await resp.text()
    assert resp.status == 200 and 'id="draft-form"' not in page
    assert "editing rules needs the analyst or investigator role" in page
    for path in ("/rules/draft", "/rules/publish", "/rules/check", "/rules/backtest"):
        status, _ = await vera.post(path, text=RULES)
        assert status == 403, path
    assert await stored(console) == (None, [])
    assert await rules_audited(console) == []


@BOTH_DIALECTS
async def test_an_analyst_cannot_publish_alone_with_maker_checker_on(
    console: Running, ana: User, ben: User
) -> None:
    """Ana saves a draft and publishes it: 403, nothing published. Ben, a second analyst,
    publishes it: version 2 (version 1 is today's settings), live. Both steps, and not the
    refused one, are in the audit log."""
    assert (await ana.post("/rules/draft", text=RULES))[0] == 303
    status, page = await ana.post("/rules/publish", activate="1")
    assert status == 403 and "maker-checker: ana@bank.example saved this draft" in page
    assert await stored(console) == (RULES, [])
    status, _ = await ben.post("/rules/publish", activate="1")
    assert status == 303
    async with console.deps.warehouse.session() as s:
        live = await s.live_rule_set()
    assert live is not None and (live.version, live.body, live.published_by) == (
        2, RULES, "ben@bank.example"
    )  # fmt: skip
    assert await rules_audited(console) == [
        ("rules.draft_saved", "ana@bank.example", "rule-set"),
        ("rules.published", "ben@bank.example", "rule-set:v2"),
    ]


@POSTGRES
async def test_with_maker_checker_off_an_analyst_publishes_alone(console: Running) -> None:
    async with AsyncExitStack() as stack:
        alone = await start_console(console.env, stack, rules_maker_checker=False)
        ana = await log_in_as(alone, "ana@bank.example", "analyst", stack)
        assert (await ana.post("/rules/draft", text=RULES))[0] == 303
        assert (await ana.post("/rules/publish", activate="1"))[0] == 303
    assert await stored(console) == (RULES, [1, 2])


@POSTGRES
async def test_an_analyst_acts_on_rules_only(console: Running, ana: User) -> None:
    status, page = await ana.post("/cases/case-tx-a1/verdict", outcome="fraud")
    assert status == 403 and "cases and cards need the investigator role" in page
    status, _ = await ana.post("/cards/card-tok-a/release", reason="x")
    assert status == 403
    assert await console.env.rows("SELECT * FROM {schema}.verdicts") == []


@POSTGRES
async def test_the_editor_check_answers_in_one_line(console: Running, ana: User) -> None:
    answers = []
    for text in (RULES, BROKEN, "[[rules]\n"):
        async with ana.client.post(
            f"{console.url}/rules/check", data={"text": text}, headers={"X-CSRF-Token": ana.csrf}
        ) as resp:
            answers.append(await resp.json())
    assert answers[0] == {"ok": True, "message": "ok: 1 rule(s), 0 list(s)"}
    assert [a["ok"] for a in answers[1:]] == [False, False]
    assert all("\n" not in a["message"] for a in answers)
    assert "rule 'big'" in answers[1]["message"]
    assert await stored(console) == (None, [])  # a check stores nothing


@POSTGRES
async def test_a_backtest_is_bounded_to_the_days_given(ana: User) -> None:
    url = "/rules/backtest"
    status, page = await ana.post(url, **{"from": "2026-01-01", "to": "2026-03-01"})
    assert status == 409 and "at most 31 days (console.backtest_max_days)" in page
    status, page = await ana.post(url, **{"from": "2026-01-02", "to": "2026-01-01"})
    assert status == 409 and "is after the last day" in page
    status, page = await ana.post(url, **{"from": "yesterday", "to": "2026-01-01"})
    assert status == 409 and "YYYY-MM-DD" in page
    status, page = await ana.post(url, **{"from": "2026-01-01", "to": "2026-01-02"})
    assert status == 409 and "no saved draft to backtest" in page
    assert (await ana.post("/rules/draft", text=RULES))[0] == 303
    status, page = await ana.post(url, **{"from": "2001-01-01", "to": "2001-01-31"})
    assert status == 200 and "No transactions from 2001-01-01 to 2001-01-31" in page


@POSTGRES
async def test_activation_and_shadow_runs_are_audited(console: Running, ines: User) -> None:
    for text, live in ((RULES, "1"), (RULES.replace("400", "300"), "")):
        assert (await ines.post("/rules/draft", text=text))[0] == 303
        assert (await ines.post("/rules/publish", activate=live))[0] == 303
    for path in ("versions/3/shadow", "shadow/stop", "versions/3/activate"):
        assert (await ines.post(f"/rules/{path}"))[0] == 303, path
    async with ines.client.get(f"{console.url}/rules") as resp:
        page = await resp.text()
    assert [a[0] for a in await rules_audited(console)] == [
        "rules.draft_saved", "rules.published", "rules.draft_saved", "rules.published",
        "rules.shadowed", "rules.shadowed", "rules.activated",
    ]  # fmt: skip
    assert re.search(r'id="version-3">\s*<td>3</td>\s*<td class="state">live</td>', page)
