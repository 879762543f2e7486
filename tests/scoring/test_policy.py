"""The rule sets the consumer decides with, on each warehouse implementation: an upgraded
deployment's version 1 (today's [rules] settings) decides the tests' history exactly as today's
rules did, alone and in front of a model; a version in shadow is recorded, never acted on; a
newly activated version is picked up."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from structlog.testing import capture_logs

from fraudd.backtest.replay import compile_rules, read_history, replay
from fraudd.features import FEATURES
from fraudd.records import Swipe
from fraudd.rules import load_rule_set
from fraudd.scoring.base import ScoreResult
from fraudd.scoring.decision import decide
from fraudd.scoring.engine import ModelEngine, RulesEngine
from fraudd.scoring.rules import Rules
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Reason, Verdict, stronger
from fraudd.settings import RulesSettings
from fraudd.simulator.dataset import generate_history
from tests.feature_catalog.own_fields import CARD_CNP_COUNT_1D, extending
from tests.warehouse.contract.env import ContractEnv, open_contract_env

pytestmark = pytest.mark.timeout(300)
WINDOW_S = 86_400.0
THRESHOLDS = Thresholds(review=0.3, block=0.6)


@pytest.fixture(scope="module")
def history() -> list[Swipe]:
    """Eight days of the tests' simulated history, as the consumer receives it, and a swipe at
    and next to each amount limit of :func:`_rules` on its busiest day."""
    frame = generate_history(dt.date(2018, 4, 1), 8, customers=120, terminals=240, seed=5)
    swipes = [_swipe(r) for r in frame.itertuples(index=False)]
    edges = [119.99, 120.0, 120.01, 219.99, 220.0, 220.01]
    return swipes + [
        swipes[100 + i].model_copy(update={"tx_id": f"edge-{i}", "amount": amount})
        for i, amount in enumerate(edges)
    ]


def _swipe(r: Any) -> Swipe:
    time = pd.Timestamp(r.tx_time).to_pydatetime()
    return Swipe(
        tx_id=str(r.tx_id), tx_time=time, card_token=r.card_token, last4=r.last4,
        customer_id=str(r.customer_id), terminal_id=str(r.terminal_id),
        amount=round(float(r.amount), 2), currency=r.currency,
        merchant_category=r.merchant_category, channel=r.channel, produced_at=time,
    )  # fmt: skip


def _rules(history: list[Swipe]) -> RulesSettings:
    """Today's settings with every rule reachable on the history: listed cards (one on both
    lists), limits inside its amounts, a velocity limit its busy cards pass."""
    cards = sorted({s.card_token for s in history})
    return RulesSettings(
        allow_cards=tuple(cards[:3]), block_cards=tuple(cards[2:6]),
        review_amount=120.0, block_amount=220.0, velocity_max=3, velocity_window_s=WINDOW_S,
    )  # fmt: skip


@pytest.fixture
async def env(
    warehouse_implementation: str, local_stack: Any, history: list[Swipe]
) -> AsyncIterator[ContractEnv]:
    rules = _rules(history).model_dump(mode="json")
    built = await open_contract_env(
        local_stack, warehouse_implementation, ("consumer",), shards=1, rules=rules
    )
    try:
        yield built
    finally:
        await built.stack.aclose()


class AmountScorer:
    """A model whose score is known: the amount over 500, capped at 1."""

    version = "m1"
    thresholds = THRESHOLDS

    async def score(self, features: np.ndarray) -> ScoreResult:
        scores = np.minimum(features[:, FEATURES.index("amount")] / 500.0, 1.0)
        why = Reason("amount", "large amount")
        return ScoreResult(scores, [(why,) if s >= 0.3 else () for s in scores])


def today(rules: Rules, swipe: Swipe, velocity: int, score: float | None) -> tuple[Any, ...]:
    """What fraudd decided before rule sets: the fixed rules, in front of a model if any."""
    hit = rules.evaluate(swipe, velocity)
    own = hit.verdict
    codes = tuple(r.code for r in own.reasons)
    if score is None:
        return own.decision, codes, own.score
    model = decide(np.array([score]), THRESHOLDS)[0]
    if hit.final:
        return own.decision, codes, max(score, own.score)
    extra = ("amount",) if score >= 0.3 else ()
    return stronger(model, own.decision), codes + extra, score


def got(verdict: Verdict) -> tuple[Any, ...]:
    return verdict.decision, tuple(r.code for r in verdict.reasons), verdict.score


async def _decide_all(
    env: ContractEnv, engine: RulesEngine | ModelEngine, swipes: list[Swipe], model: bool
) -> None:
    rules = Rules(env.settings.rules)
    async with env.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        await engine.prepare(session)
        if isinstance(engine, ModelEngine):
            engine.scorer = AmountScorer()  # type: ignore[assignment]
        for start in range(0, len(swipes), 200):
            batch = swipes[start : start + 200]
            velocities = await session.velocities(batch, WINDOW_S)
            async with session.transaction():
                verdicts = await engine.score_batch(session, batch)
            for swipe, verdict in zip(batch, verdicts, strict=True):
                score = min(swipe.amount / 500.0, 1.0) if model else None
                expected = today(rules, swipe, velocities.get(swipe.tx_id, 1), score)
                assert got(verdict)[:2] == expected[:2], (swipe.card_token, swipe.amount)
                assert got(verdict)[2] == pytest.approx(expected[2])
                assert verdict.rule_set_version == 1


async def test_version_one_decides_the_history_as_todays_rules(
    env: ContractEnv, history: list[Swipe]
) -> None:
    await _decide_all(env, RulesEngine(env.settings), history, model=False)
    async with env.deps.warehouse.session() as session:
        versions = await session.list_rule_sets()
        results = [await session.rule_results(s.tx_id) for s in history[:50]]
    assert [(v.version, v.live, v.published_by) for v in versions] == [(1, True, "fraudd")]
    assert all(len(r) == 1 and r[0].version == 1 and not r[0].shadow for r in results)


async def test_version_one_in_front_of_a_model_decides_as_today(
    env: ContractEnv, history: list[Swipe]
) -> None:
    settings = env.settings.derive(scoring=env.settings.scoring.derive(backend="local"))
    await _decide_all(env, ModelEngine(settings), history[:800], model=True)


SHADOW = """
[[rules]]
name = "block_everything"
description = "blocks every transaction"
when = "amount >= 0"
outcome = "block"
"""


async def test_a_shadow_version_is_recorded_never_acted_on(
    env: ContractEnv, history: list[Swipe]
) -> None:
    swipes = history[:300]
    engine = RulesEngine(env.settings)
    async with env.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        await engine.prepare(session)  # version 1, live
        shadow = await session.publish_rule_set(SHADOW, "ana")
        await session.shadow_rule_set(shadow.version, "ana")
        engine.policy.checked_at = float("-inf")
        await engine.prepare(session)
        async with session.transaction():
            verdicts = await engine.score_batch(session, swipes)
        results = await session.rule_results(swipes[0].tx_id)
    assert {v.rule_set_version for v in verdicts} == {1}
    assert "block_everything" not in {r.code for v in verdicts for r in v.reasons}
    assert sum(v.decision == "block" for v in verdicts) < len(swipes)
    assert [(r.version, r.shadow, r.decision, r.matched) for r in results][1] == (
        shadow.version, True, "block", ("block_everything",),
    )  # fmt: skip


async def test_an_activated_version_is_picked_up(env: ContractEnv, history: list[Swipe]) -> None:
    swipes = history[:100]
    settings = env.settings.derive(scoring=env.settings.scoring.derive(model_poll_s=0.001))
    engine = RulesEngine(settings)
    async with env.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        await engine.prepare(session)
        published = await session.publish_rule_set(SHADOW, "ana", activate=True)
        await engine.prepare(session)
        async with session.transaction():
            verdicts = await engine.score_batch(session, swipes)
    assert {(v.rule_set_version, v.decision) for v in verdicts} == {(published.version, "block")}
    assert verdicts[0].rules == (Reason("block_everything", "blocks every transaction"),)
    assert dataclasses.asdict(verdicts[0])["score"] == 1.0


# --- rules over the issuer's declared fields and the configured catalog's features ------------
OWN_RULES = """
[[rules]]
name = "cnp_burst"
description = "two or more card-not-present swipes of the card within a day"
when = "card_cnp_count_1d >= 2"
outcome = "review"

[[rules]]
name = "german_cnp"
description = "a card-not-present purchase of more than 60 at a German merchant"
when = "merchant_country == 'DE' and card_present == false and amount > 60"
outcome = "block"

[[rules]]
name = "busy_customer"
description = "the customer's fourth swipe of the day"
when = "cust_count_1d >= 4"
outcome = "review"
"""


def _with_fields(swipe: Swipe) -> Swipe:
    """The swipe carrying the declared fields: card present unless online, and a country by
    terminal."""
    country = ("FR", "DE", "ES")[int(swipe.terminal_id) % 3]
    present = swipe.channel != "ecom"
    return swipe.model_copy(
        update={"fields": {"card_present": present, "merchant_country": country}}
    )


@pytest.fixture
async def own_env(
    warehouse_implementation: str, local_stack: Any, tmp_path: Any
) -> AsyncIterator[ContractEnv]:
    """Declared fields and a catalog extending the built-in one; no model (backend ``local``
    with none registered: the rules decide alone)."""
    built = await open_contract_env(
        local_stack, warehouse_implementation, ("consumer",), shards=1,
        scoring={"backend": "local"}, **extending(tmp_path, CARD_CNP_COUNT_1D),
    )  # fmt: skip
    try:
        yield built
    finally:
        await built.stack.aclose()


async def test_rules_over_fields_and_features_decide_in_the_consumer_as_in_the_backtest(
    own_env: ContractEnv, history: list[Swipe]
) -> None:
    """The consumer (no model: it computes the features its rules read) and the backtest
    (point-in-time training features, the declared fields' columns) decide the same days alike,
    rule by rule."""
    settings = own_env.settings
    swipes = [_with_fields(s) for s in history if s.tx_time.date() < dt.date(2018, 4, 5)]
    engine = ModelEngine(settings)
    async with own_env.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        await session.publish_rule_set(OWN_RULES, "ana", activate=True)
        await engine.prepare(session)
        assert engine.scorer is None and engine.rules.policy.features_read == (
            "cust_count_1d", "card_cnp_count_1d",
        )  # fmt: skip
        consumer: dict[str, tuple[str, frozenset[str]]] = {}
        for start in range(0, len(swipes), 250):
            batch = swipes[start : start + 250]
            async with session.transaction():
                verdicts = await engine.score_batch(session, batch)
            for swipe, v in zip(batch, verdicts, strict=True):
                consumer[swipe.tx_id] = (v.decision, frozenset(r.code for r in v.rules))
    first, last = min(s.tx_time for s in swipes).date(), max(s.tx_time for s in swipes).date()
    history_read = await read_history(own_env.deps.warehouse, settings, first, last)
    outcome = replay(compile_rules(load_rule_set(OWN_RULES), settings), history_read)
    backtest = {
        str(tx): (decision, frozenset(matched))
        for tx, decision, matched in zip(
            history_read.columns["tx_id"], outcome.decisions, outcome.matched, strict=True
        )
    }
    assert backtest == consumer
    hits = {name: sum(name in m for _, m in consumer.values()) for name in
            ("cnp_burst", "german_cnp", "busy_customer")}  # fmt: skip
    assert all(0 < n < len(swipes) for n in hits.values()), hits


async def test_a_version_activated_while_running_that_reads_an_undeclared_name_is_refused(
    env: ContractEnv, history: list[Swipe]
) -> None:
    """Made live by another process whose settings declare a field this consumer lacks: the
    consumer logs the refusal once and keeps deciding with the version it runs, never with a
    rule that would silently match nothing."""
    swipes = history[:100]
    settings = env.settings.derive(scoring=env.settings.scoring.derive(model_poll_s=0.001))
    engine = RulesEngine(settings)
    async with env.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        await engine.prepare(session)  # version 1
        await session.publish_rule_set(OWN_RULES, "ana", activate=True)
        with capture_logs() as logs:
            for _ in range(3):
                await asyncio.sleep(0.01)
                await engine.prepare(session)
        async with session.transaction():
            verdicts = await engine.score_batch(session, swipes)
    refused = [e for e in logs if e["event"] == "rules.version_refused"]
    assert [(e["version"], e["log_level"]) for e in refused] == [(2, "error")]
    assert "rule 'cnp_burst': line 1, column 1: unknown name 'card_cnp_count_1d'" in (
        refused[0]["error"]
    )
    assert {v.rule_set_version for v in verdicts} == {1}


READS_STOLEN = """
[lists.stolen_cards]
type = "string"

[[rules]]
name = "stolen"
description = "card reported stolen"
when = "card_token in @stolen_cards"
outcome = "block"
"""


async def test_a_list_change_is_picked_up_without_a_new_version(
    env: ContractEnv, history: list[Swipe]
) -> None:
    """A version reads @stolen_cards (declared, no values: none stolen). A card added to the
    kept list blocks at the consumer's next refresh, the version unchanged; each decision
    records the lists revision it read next to the version."""
    swipes, later = history[:200], history[200:400]
    card = next(s.card_token for s in swipes if s.card_token in {t.card_token for t in later})
    settings = env.settings.derive(scoring=env.settings.scoring.derive(model_poll_s=0.001))
    engine = RulesEngine(settings)
    async with env.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes + later)
        published = await session.publish_rule_set(READS_STOLEN, "ana", activate=True)
        await engine.prepare(session)
        async with session.transaction():
            before = await engine.score_batch(session, swipes)
        kept = await session.set_rule_list("stolen_cards", "string", "", [card], "ana", None)
        await engine.prepare(session)
        async with session.transaction():
            after = await engine.score_batch(session, later)
        results = [await session.rule_results(s.tx_id) for s in (swipes[0], later[0])]
        versions = await session.list_rule_sets()
    hits = [s.card_token == card for s in later]
    assert not any(v.decision == "block" for v in before)
    assert [v.decision == "block" for v in after] == hits and any(hits)
    assert {(v.rule_set_version, v.lists_revision) for v in after} == {
        (published.version, kept.revision)
    }
    assert [v.version for v in versions] == [published.version]
    assert [(r.version, r.lists_revision) for rs in results for r in rs] == [
        (published.version, None), (published.version, kept.revision),
    ]  # fmt: skip
