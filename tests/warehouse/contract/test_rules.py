"""The rules area (fraudd/warehouse/rules.py) on each implementation: versions, one live version,
shadow, drafts, rule results — and a published version that cannot change."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from fraudd.warehouse import Label, RuleResult, RuleSetAltered, RuleSetDuplicate, ShadowCell
from tests.warehouse.sessions import AreaDb

V1 = '[[rules]]\nname = "big"\ndescription = "big"\nwhen = "amount > 500"\noutcome = "review"\n'
V2 = V1.replace("500", "800")


async def test_publish_activate_shadow_and_list(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        assert await s.live_rule_set() is None and await s.list_rule_sets() == []
        first = await s.first_rule_set(V1, "fraudd")
        again = await s.first_rule_set(V2, "fraudd")  # a version exists: nothing published
        second = await s.publish_rule_set(V2, "ana", "higher limit")
        await s.shadow_rule_set(second.version, "ana")
        shadow = await s.shadow_rule_set_version()
        await s.activate_rule_set(second.version, "bo")
        await s.shadow_rule_set(None, "bo")
        listed = await s.list_rule_sets()
        live = await s.live_rule_set()
        with pytest.raises(KeyError):
            await s.activate_rule_set(9, "bo")
        assert await s.shadow_rule_set_version() is None
    assert (first.version, first.live, again.version, again.body) == (1, True, 1, V1)
    assert (second.version, second.live, second.note, second.published_by) == (
        2,
        False,
        "higher limit",
        "ana",
    )
    assert shadow is not None and shadow.version == 2 and shadow.shadow
    assert [(v.version, v.live, v.body) for v in listed] == [(1, False, V1), (2, True, V2)]
    assert live is not None and live.version == 2


async def test_a_published_version_is_immutable(area_db: AreaDb) -> None:
    """Publishing and activating never touch a version's text; a text changed behind fraudd's
    back is refused on read (and on PostgreSQL the change itself is refused)."""
    async with area_db.wh.session() as s:
        first = await s.publish_rule_set(V1, "ana", activate=True)
        await s.publish_rule_set(V2, "ana", activate=True)
        await s.activate_rule_set(1, "bo")
        kept = await s.get_rule_set(1)
    assert kept is not None and (kept.body, kept.checksum) == (V1, first.checksum)
    tamper = "UPDATE {schema}.rule_set_versions SET body = 'x' WHERE version = 1"
    if area_db.redshift:  # no triggers on Redshift: the checksum catches the change
        await area_db.rows(tamper + " RETURNING version")
        async with area_db.wh.session() as s:
            with pytest.raises(RuleSetAltered, match="version 1 was changed"):
                await s.live_rule_set()
    else:
        with pytest.raises(Exception, match="append-only"):
            await area_db.rows(tamper + " RETURNING version")


async def test_concurrent_publications_take_distinct_versions(area_db: AreaDb) -> None:
    async def publish(n: int) -> int:
        async with area_db.wh.session() as s:
            text = V1.replace("500", str(500 + n))
            return (await s.publish_rule_set(text, f"u{n}", activate=True)).version

    versions = await asyncio.gather(*(publish(n) for n in range(3)))
    async with area_db.wh.session() as s:
        live = await s.live_rule_set()
    assert sorted(versions) == [1, 2, 3]
    assert live is not None and live.version in versions


async def test_a_text_already_published_is_not_published_again(area_db: AreaDb) -> None:
    """The same text twice — a draft published again, or two people publishing it at once —
    makes one version; the others are refused with the version that holds it."""

    async def publish(n: int) -> int | str:
        async with area_db.wh.session() as s:
            try:
                return (await s.publish_rule_set(V2, f"u{n}")).version
            except RuleSetDuplicate as e:
                return str(e)

    async with area_db.wh.session() as s:
        await s.publish_rule_set(V1, "ana", activate=True)
    outcomes = await asyncio.gather(*(publish(n) for n in range(3)))
    async with area_db.wh.session() as s:
        with pytest.raises(RuleSetDuplicate, match="already published as version 1"):
            await s.publish_rule_set(V1, "bo")
        versions = [v.version for v in await s.list_rule_sets()]
    assert (
        versions == [1, 2]
        and sorted(outcomes, key=str)
        == [2]
        + ["this text is already published as version 2: change the draft, or make version 2 live"]
        * 2
    )


async def test_first_version_is_written_once(area_db: AreaDb) -> None:
    async def first() -> int:
        async with area_db.wh.session() as s:
            return (await s.first_rule_set(V1, "fraudd")).version

    assert await asyncio.gather(*(first() for _ in range(3))) == [1, 1, 1]
    async with area_db.wh.session() as s:
        assert len(await s.list_rule_sets()) == 1


async def test_drafts_and_rule_results(area_db: AreaDb) -> None:
    results = [
        RuleResult("tx-1", 1, False, "review", ("big", "velocity"), 7),
        RuleResult("tx-1", 2, True, "approve", (), 7),
        RuleResult("tx-2", 1, False, "approve", ()),
    ]
    async with area_db.wh.session() as s:
        assert await s.rule_draft() is None
        await s.save_rule_draft(V1, "ana")
        await s.save_rule_draft(V2, "bo")
        draft = await s.rule_draft()
        async with s.transaction():
            await s.record_rule_results(results)
            await s.record_rule_results([])
        stored = await s.rule_results("tx-1")
    assert draft is not None and (draft.body, draft.saved_by) == (V2, "bo")
    assert stored == results[:2]


async def test_the_shadow_run_against_the_live_decisions_with_labels(area_db: AreaDb) -> None:
    now = dt.datetime.now(dt.UTC)
    live = {"tx-1": "approve", "tx-2": "approve", "tx-3": "review", "tx-4": "block"}
    shadow = {"tx-1": "block", "tx-2": "approve", "tx-3": "block", "tx-4": "block"}
    results = [RuleResult(tx, 1, False, d, ()) for tx, d in live.items()]
    results += [RuleResult(tx, 2, True, d, ("b",)) for tx, d in shadow.items()]
    results += [RuleResult("tx-9", 3, True, "review", ())]  # another shadow version
    labels = [Label("tx-1", True, now), Label("tx-3", False, now)]
    async with area_db.wh.session() as s:
        await s.record_rule_results(results)
        await s.insert_labels(labels, "test")
        cells = await s.shadow_comparison(2, now - dt.timedelta(hours=1))
        later = await s.shadow_comparison(2, now + dt.timedelta(hours=1))
    assert cells == [
        ShadowCell("approve", "approve", None, 1),
        ShadowCell("approve", "block", True, 1),  # the shadow would have caught a fraud
        ShadowCell("block", "block", None, 1),
        ShadowCell("review", "block", False, 1),  # and blocked a legitimate one
    ]
    assert later == []


async def test_a_text_too_long_for_the_warehouse_is_refused(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        with pytest.raises(ValueError, match="at most 65535 bytes"):
            await s.publish_rule_set("#" * 70000, "ana")
        assert await s.list_rule_sets() == []


async def test_unknown_version_in_shadow_is_refused(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        with pytest.raises(KeyError):
            await s.shadow_rule_set(4, "ana")
        assert await s.shadow_rule_set_version() is None
