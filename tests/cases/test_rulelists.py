"""Named-list actions of people (fraudd.cases.rulelists) through the seam, in both dialects: a
viewer changes nothing; an analyst's change is the next revision and in the audit log with the
values before and after, in the same transaction; bad values, a card number and a change the
live version could not read are refused in one line, nothing stored."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.cases import rulelists, rulesets
from fraudd.cases.service import ActionRefused, Actor, Forbidden
from fraudd.rules.legacy import rule_set_toml
from fraudd.rules.lists import ListEdit
from fraudd.settings import RulesSettings
from tests.cases.conftest import CasesEnv

ANA = Actor("ana@bank.example", "analyst")
INES = Actor("ines@bank.example", "investigator")
VIKTOR = Actor("viktor@bank.example", "viewer")
START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECONDS = itertools.count()
READS_VIP = """
[[rules]]
name = "vip"
description = "a VIP card"
when = "card_token in @vip_cards"
outcome = "approve"
"""


def at() -> datetime:
    return START + timedelta(seconds=next(SECONDS))


async def _change(env: CasesEnv, actor: Actor, name: str, kind: str | None, edit: ListEdit) -> Any:
    async with env.session() as s, s.transaction():
        return await rulelists.change_list(s, actor, name, kind, edit, at())


async def _audit(env: CasesEnv) -> list[Any]:
    async with env.session() as s:
        entries = await s.audit_entries([], 50)
    return sorted(entries, key=lambda e: e.acted_at)


async def test_an_analysts_changes_are_revisions_each_audited(cases_env: CasesEnv) -> None:
    first = await _change(cases_env, ANA, "vip_cards", "string", ListEdit(add=["tok_a", "tok_b"]))
    second = await _change(cases_env, INES, "vip_cards", None, ListEdit(remove=["tok_a"]))
    async with cases_env.session() as s:
        revision, shown = await rulelists.shown_lists(s)
    entries = await _audit(cases_env)
    assert (first.revision, second.revision, revision) == (1, 2, 2)
    assert [(x.name, x.list.values, x.revision, x.source) for x in shown] == [
        ("vip_cards", ("tok_b",), 2, "kept")
    ]
    assert [(e.action, e.subject, e.actor) for e in entries] == [
        ("rules.list_changed", "rule-list:vip_cards", ANA.name),
        ("rules.list_changed", "rule-list:vip_cards", INES.name),
    ]
    assert [e.detail for e in entries] == [
        "@vip_cards: 2 value(s) added, 0 removed",
        "@vip_cards: 0 value(s) added, 1 removed",
    ]
    assert (entries[0].before, entries[0].after) == (
        None,
        {"revision": 1, "type": "string", "values": ["tok_a", "tok_b"]},
    )
    assert entries[1].before == {"revision": 1, "type": "string", "values": ["tok_a", "tok_b"]}
    assert entries[1].after == {"revision": 2, "type": "string", "values": ["tok_b"]}


async def test_a_viewer_cannot_change_a_list(cases_env: CasesEnv) -> None:
    with pytest.raises(Forbidden, match="viewer: only analysts and investigators"):
        await _change(cases_env, VIKTOR, "vip_cards", "string", ListEdit(add=["tok_a"]))
    async with cases_env.session() as s:
        assert await s.rule_lists_revision() == 0
    assert await _audit(cases_env) == []


@pytest.mark.parametrize(
    ("name", "kind", "edit", "message"),
    [
        ("vip_cards", "string", ListEdit(add=["4111 1111 1111 1111"]),
         "lists.vip_cards: a value holds 13-19 digits that pass the card-number"),
        ("vip_cards", "string", ListEdit(values=["tok_a", "4111111111111111"]),
         "lists.vip_cards: a value holds 13-19 digits"),
        ("risky_mcc", "number", ListEdit(add=["5967", "lots"]),
         "lists.risky_mcc: 'lots' is not a number"),
        ("risky_mcc", None, ListEdit(add=["5967"]),
         "@risky_mcc is a new list: give its type"),
        ("Bad-Name", "string", ListEdit(add=["x"]), "list name 'Bad-Name'"),
    ],
)  # fmt: skip
async def test_bad_values_are_refused_in_one_line(
    cases_env: CasesEnv, name: str, kind: str, edit: ListEdit, message: str
) -> None:
    with pytest.raises(ActionRefused) as refused:
        await _change(cases_env, ANA, name, kind, edit)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert "4111" not in str(refused.value)  # the refusal never echoes a card number
    async with cases_env.session() as s:
        assert await s.rule_lists_revision() == 0


async def test_a_list_keeps_its_type(cases_env: CasesEnv) -> None:
    """A rule that reads @vip_cards was checked against a list of strings: the list cannot
    become a list of numbers, and the live version keeps compiling."""
    await _change(cases_env, ANA, "vip_cards", "string", ListEdit(add=["tok_a"]))
    async with cases_env.session() as s, s.transaction():
        await rulesets.publish_text(s, INES, READS_VIP, "", True, at())
    with pytest.raises(ActionRefused, match="@vip_cards is a string list and stays one"):
        await _change(cases_env, ANA, "vip_cards", "number", ListEdit(values=["1"]))


async def test_a_list_the_live_or_shadow_version_reads_otherwise_is_refused(
    cases_env: CasesEnv,
) -> None:
    """Version 1 declares @block_cards inline as strings: it stays a string list. A version in
    shadow declares @amounts as numbers: a kept list of strings under that name would make it
    refused, so it is not stored."""
    amounts = '[lists.amounts]\ntype = "number"\nvalues = [1.0]\n' + READS_VIP.replace(
        "card_token in @vip_cards", "amount in @amounts"
    )
    async with cases_env.session() as s:
        await s.first_rule_set(rule_set_toml(RulesSettings(block_cards=("tok_z",))), "fraudd")
        await s.shadow_rule_set((await s.publish_rule_set(amounts, "ines")).version, "ines")
    with pytest.raises(ActionRefused, match="@block_cards is a string list and stays one"):
        await _change(cases_env, ANA, "block_cards", "number", ListEdit(values=["1"]))
    refused = r"change is refused: rule set version 2: lists\.amounts"
    with pytest.raises(ActionRefused, match=refused):
        await _change(cases_env, ANA, "amounts", "string", ListEdit(values=["x"]))
    async with cases_env.session() as s:
        assert await s.rule_lists_revision() == 0


async def test_the_first_edit_of_an_inline_list_starts_from_its_values(
    cases_env: CasesEnv,
) -> None:
    """Adding a card to version 1's block list keeps the cards the settings listed."""
    async with cases_env.session() as s:
        await s.first_rule_set(rule_set_toml(RulesSettings(block_cards=("tok_z",))), "fraudd")
        _, before = await rulelists.shown_lists(s)
    await _change(cases_env, ANA, "block_cards", None, ListEdit(add=["tok_y"]))
    async with cases_env.session() as s:
        _, after = await rulelists.shown_lists(s)
    assert [(x.name, x.list.values, x.source) for x in before] == [
        ("allow_cards", (), "declared in version 1"),
        ("block_cards", ("tok_z",), "declared in version 1"),
    ]
    assert [(x.name, x.list.values, x.revision) for x in after] == [
        ("allow_cards", (), None),
        ("block_cards", ("tok_z", "tok_y"), 1),
    ]


async def test_a_draft_may_read_a_kept_list_it_does_not_declare(cases_env: CasesEnv) -> None:
    async with cases_env.session() as s, s.transaction():
        with pytest.raises(ActionRefused, match="unknown list @vip_cards"):
            await rulesets.save_draft(s, ANA, READS_VIP, at())
    await _change(cases_env, ANA, "vip_cards", "string", ListEdit(add=["tok_a"]))
    async with cases_env.session() as s, s.transaction():
        await rulesets.save_draft(s, ANA, READS_VIP, at())
        draft = await s.rule_draft()
    assert draft is not None and draft.body == READS_VIP


async def test_a_published_text_is_not_published_again(cases_env: CasesEnv) -> None:
    """The draft published once stays the draft; publishing it again is refused in one line,
    nothing stored or audited."""
    async with cases_env.session() as s, s.transaction():
        await rulesets.save_draft(s, ANA, READS_VIP.replace("@vip_cards", "['tok_a']"), at())
    for attempt in range(2):
        async with cases_env.session() as s, s.transaction():
            if attempt == 0:
                await rulesets.publish_draft(s, INES, "", True, True, at())
                continue
            with pytest.raises(ActionRefused, match="nothing to publish: this text is already"):
                await rulesets.publish_draft(s, INES, "", True, True, at())
    async with cases_env.session() as s:
        assert [v.version for v in await s.list_rule_sets()] == [1]
    assert [e.action for e in await _audit(cases_env)] == ["rules.draft_saved", "rules.published"]


async def test_an_edit_of_a_list_changed_since_it_was_opened_is_refused(
    cases_env: CasesEnv,
) -> None:
    """Ana and Ines open @vip_cards at revision 1; Ines saves first. Ana's form (all values, as
    she saw them) would drop Ines's card: refused, Ines's change kept."""
    await _change(cases_env, ANA, "vip_cards", "string", ListEdit(add=["tok_a"]))
    await _change(cases_env, INES, "vip_cards", None, ListEdit(values=["tok_a", "tok_i"], seen=1))
    with pytest.raises(ActionRefused, match="@vip_cards changed since you opened it"):
        await _change(
            cases_env, ANA, "vip_cards", None, ListEdit(values=["tok_a", "tok_n"], seen=1)
        )
    async with cases_env.session() as s:
        state = await s.rule_lists()
    assert state.lists["vip_cards"].values == ("tok_a", "tok_i") and state.revision == 2


async def test_concurrent_additions_lose_nothing(cases_env: CasesEnv) -> None:
    """Three people add a card each at once: every addition is kept or refused in one line
    (never silently dropped by another's)."""

    async def add(n: int) -> str:
        try:
            await _change(cases_env, ANA, "vip_cards", "string", ListEdit(add=[f"tok_{n}"]))
        except ActionRefused as e:
            return str(e)
        return f"tok_{n}"

    outcomes = await asyncio.gather(*(add(n) for n in range(3)))
    async with cases_env.session() as s:
        state = await s.rule_lists()
    kept = set(state.lists["vip_cards"].values)
    assert kept == {o for o in outcomes if o.startswith("tok_")}
    assert all("changed meanwhile" in o for o in outcomes if not o.startswith("tok_"))
