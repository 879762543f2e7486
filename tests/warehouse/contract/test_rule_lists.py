"""The rule lists area (fraudd/warehouse/rule_lists.py) on each implementation: lists kept apart
from the rule sets, one revision counter over all of them, the lists as of any revision — and a
history that cannot change."""

from __future__ import annotations

import asyncio

import pytest

from fraudd.warehouse import RuleListChanged
from tests.warehouse.sessions import AreaDb


async def test_lists_are_stored_as_revisions_and_read_as_of_one(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        empty = await s.rule_lists()
        cards = await s.set_rule_list("stolen", "string", "", ["tok_a", "tok_b"], "ana", None)
        mccs = await s.set_rule_list("risky_mcc", "number", "", [5967.0, 7995.0], "bo", None)
        await s.set_rule_list("stolen", "string", "reported", ["tok_b"], "ana", cards.revision)
        now = await s.rule_lists()
        then = await s.rule_lists(cards.revision)
        revision = await s.rule_lists_revision()
    assert (empty.revision, empty.lists) == (0, {})
    assert (cards.revision, mccs.revision, revision, now.revision) == (1, 2, 3, 3)
    assert now.lists["stolen"].values == ("tok_b",) and now.lists["stolen"].revision == 3
    assert now.lists["risky_mcc"].values == (5967.0, 7995.0)
    assert (now.lists["risky_mcc"].type, now.lists["risky_mcc"].changed_by) == ("number", "bo")
    assert then.revision == 1 and list(then.lists) == ["stolen"]
    assert then.lists["stolen"].values == ("tok_a", "tok_b")


async def test_concurrent_changes_take_distinct_revisions(area_db: AreaDb) -> None:
    async def change(n: int) -> int:
        async with area_db.wh.session() as s:
            return (await s.set_rule_list(f"l{n}", "string", "", [f"v{n}"], "ana", None)).revision

    revisions = await asyncio.gather(*(change(n) for n in range(3)))
    async with area_db.wh.session() as s:
        state = await s.rule_lists()
    assert sorted(revisions) == [1, 2, 3] and sorted(state.lists) == ["l0", "l1", "l2"]


async def test_a_change_based_on_an_old_revision_is_refused(area_db: AreaDb) -> None:
    """Two people edit @stolen from revision 1: the second change would drop the first's value,
    so it is refused, nothing stored; a new list based on none exists already: refused too."""
    async with area_db.wh.session() as s:
        first = await s.set_rule_list("stolen", "string", "", ["tok_a"], "ana", None)
        await s.set_rule_list("stolen", "string", "", ["tok_a", "tok_b"], "ana", first.revision)
        with pytest.raises(RuleListChanged, match=r"meanwhile \(it is at revision 2\)"):
            await s.set_rule_list("stolen", "string", "", ["tok_a", "tok_c"], "bo", first.revision)
        with pytest.raises(RuleListChanged):
            await s.set_rule_list("stolen", "string", "", ["tok_d"], "bo", None)
        state = await s.rule_lists()
    assert state.revision == 2 and state.lists["stolen"].values == ("tok_a", "tok_b")


async def test_a_list_too_long_for_the_warehouse_is_refused(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        with pytest.raises(ValueError, match="at most 65535 bytes"):
            await s.set_rule_list("big", "string", "", ["tok_" + "x" * 60] * 1100, "ana", None)
        assert await s.rule_lists_revision() == 0


async def test_a_lists_history_never_changes(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        await s.set_rule_list("stolen", "string", "", ["tok_a"], "ana", None)
    if area_db.redshift:  # no triggers: the console's user holds INSERT only (test_audit_grants)
        pytest.skip("Redshift keeps the history by grants: tests/redshift/test_audit_grants.py")
    for tamper in (
        "UPDATE {schema}.rule_lists SET list_values = '[]'",
        "DELETE FROM {schema}.rule_lists",
    ):
        with pytest.raises(Exception, match="append-only"):
            await area_db.rows(tamper + " RETURNING revision")
