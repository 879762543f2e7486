"""Rule-set actions of people (fraudd.cases.rulesets) through the seam, in both dialects: who may
do what (viewers nothing, analysts under maker-checker), and every edit, publication,
activation and shadow run in the audit log with the text before and after."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.cases import rulesets
from fraudd.cases.service import ActionRefused, Actor, Forbidden
from fraudd.rules.inputs import rule_schema
from fraudd.settings import Settings
from tests.cases.conftest import CasesEnv

ANA = Actor("ana@bank.example", "analyst")
BEN = Actor("ben@bank.example", "analyst")
INES = Actor("ines@bank.example", "investigator")
VIKTOR = Actor("viktor@bank.example", "viewer")
START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECONDS = itertools.count()


def at() -> datetime:
    """A later instant at each call: the audit log's order is its entries' times."""
    return START + timedelta(seconds=next(SECONDS))


FIRST = """
[[rules]]
name = "big"
description = "very large amounts"
when = "amount > 5000"
outcome = "review"
"""
SECOND = FIRST.replace("5000", "4000")
BROKEN = FIRST.replace("amount > 5000", "amount > 'x'")


async def _run(env: CasesEnv, work: Any) -> Any:
    async with env.session() as s, s.transaction():
        return await work(s)


async def _audit(env: CasesEnv) -> list[Any]:
    async with env.session() as s:
        entries = await s.audit_entries([], 50)
    return sorted(entries, key=lambda e: (e.acted_at, e.action))


async def _save(env: CasesEnv, actor: Actor, text: str) -> None:
    await _run(env, lambda s: rulesets.save_draft(s, actor, text, at()))


async def _publish(env: CasesEnv, actor: Actor, maker_checker: bool = True) -> Any:
    return await _run(
        env, lambda s: rulesets.publish_draft(s, actor, "why", True, maker_checker, at())
    )


async def test_a_viewer_can_change_nothing(cases_env: CasesEnv) -> None:
    """Save, publish, activate, shadow as a viewer: each Forbidden, nothing stored or audited."""
    await _save(cases_env, ANA, FIRST)
    actions = [
        lambda s: rulesets.save_draft(s, VIKTOR, SECOND, at()),
        lambda s: rulesets.publish_draft(s, VIKTOR, "", True, False, at()),
        lambda s: rulesets.activate(s, VIKTOR, 1, False, at()),
        lambda s: rulesets.shadow(s, VIKTOR, None, at()),
    ]
    for work in actions:
        with pytest.raises(Forbidden, match="viewer: only analysts and investigators"):
            await _run(cases_env, work)
    async with cases_env.session() as s:
        draft = await s.rule_draft()
        assert draft is not None and draft.body == FIRST
        assert await s.list_rule_sets() == []
    assert [e.action for e in await _audit(cases_env)] == ["rules.draft_saved"]


async def test_an_analyst_cannot_publish_their_own_draft_with_maker_checker(
    cases_env: CasesEnv,
) -> None:
    """Ana saves, Ana publishes: refused, nothing published; Ben (a second analyst) publishes
    it; with maker-checker off Ana publishes her own next draft alone."""
    await _save(cases_env, ANA, FIRST)
    with pytest.raises(Forbidden, match=r"maker-checker: ana@bank\.example saved this draft"):
        await _publish(cases_env, ANA)
    async with cases_env.session() as s:
        assert await s.list_rule_sets() == []
    published = await _publish(cases_env, BEN)
    assert (published.version.version, published.version.body, published.live) == (1, FIRST, True)
    await _save(cases_env, ANA, SECOND)
    alone = await _publish(cases_env, ANA, maker_checker=False)
    assert alone.version.version == 2 and alone.version.published_by == ANA.name


async def test_an_investigator_publishes_and_activates_alone(cases_env: CasesEnv) -> None:
    await _save(cases_env, INES, FIRST)
    assert (await _publish(cases_env, INES)).version.version == 1
    await _save(cases_env, INES, SECOND)
    await _run(cases_env, lambda s: rulesets.publish_draft(s, INES, "", False, True, at()))
    await _run(cases_env, lambda s: rulesets.activate(s, INES, 2, True, at()))
    async with cases_env.session() as s:
        live = await s.live_rule_set()
    assert live is not None and live.version == 2


async def test_an_analyst_cannot_make_live_a_version_they_published(cases_env: CasesEnv) -> None:
    await _save(cases_env, BEN, FIRST)
    await _run(cases_env, lambda s: rulesets.publish_draft(s, ANA, "", False, True, at()))
    with pytest.raises(Forbidden, match=r"ana@bank\.example published version 1"):
        await _run(cases_env, lambda s: rulesets.activate(s, ANA, 1, True, at()))
    await _run(cases_env, lambda s: rulesets.activate(s, BEN, 1, True, at()))
    async with cases_env.session() as s:
        live = await s.live_rule_set()
    assert live is not None and live.version == 1


async def test_every_change_is_audited_with_the_text_before_and_after(cases_env: CasesEnv) -> None:
    """Two drafts, a publication (live), a second publication, an activation, a shadow run and
    its stop: seven entries, each with the texts it changed from and to."""
    await _save(cases_env, ANA, FIRST)
    await _save(cases_env, ANA, SECOND)
    await _publish(cases_env, BEN)
    await _save(cases_env, ANA, FIRST)
    await _run(cases_env, lambda s: rulesets.publish_draft(s, BEN, "", False, True, at()))
    await _run(cases_env, lambda s: rulesets.activate(s, INES, 2, True, at()))
    await _run(cases_env, lambda s: rulesets.shadow(s, ANA, 1, at()))
    await _run(cases_env, lambda s: rulesets.shadow(s, ANA, None, at()))
    async with cases_env.session() as s:
        entries = list(reversed(await s.audit_entries([], 50)))  # newest first: oldest first
    seen = [(e.action, e.subject, e.actor, e.before, e.after) for e in entries]
    draft, published = "rules.draft_saved", "rules.published"
    assert seen[:3] == [
        (draft, "rule-set", ANA.name, {"text": None}, {"text": FIRST}),
        (draft, "rule-set", ANA.name, {"text": FIRST}, {"text": SECOND}),
        (published, "rule-set:v1", BEN.name, {"version": None, "text": None},
         {"version": 1, "text": SECOND, "live": True, "drafted_by": ANA.name, "note": "why"}),
    ]  # fmt: skip
    assert seen[4][:3] == (published, "rule-set:v2", BEN.name)
    assert (seen[4][3], seen[4][4]["text"]) == ({"version": 1, "text": SECOND}, FIRST)
    assert seen[5] == (
        "rules.activated", "rule-set:v2", INES.name,
        {"version": 1, "text": SECOND}, {"version": 2, "text": FIRST},
    )  # fmt: skip
    assert [(e[0], e[3], e[4]) for e in seen[6:]] == [
        ("rules.shadowed", {"version": None, "text": None}, {"version": 1, "text": SECOND}),
        ("rules.shadowed", {"version": 1, "text": SECOND}, {"version": None, "text": None}),
    ]
    assert len(seen) == 8


async def test_a_refused_text_is_one_line_and_stores_nothing(cases_env: CasesEnv) -> None:
    with pytest.raises(ActionRefused) as refused:
        await _save(cases_env, ANA, BROKEN)
    assert "\n" not in str(refused.value) and "rule 'big'" in str(refused.value)
    async with cases_env.session() as s:
        assert await s.rule_draft() is None
    assert await _audit(cases_env) == []


def test_check_text_says_ok_or_why_in_one_line() -> None:
    schema = rule_schema(Settings())
    assert rulesets.check_text(FIRST, schema) == "ok: 1 rule(s), 0 list(s)"
    refusal = rulesets.check_text(BROKEN, schema)
    assert "\n" not in refusal and refusal.startswith("rule 'big'")
