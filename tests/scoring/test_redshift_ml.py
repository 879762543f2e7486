"""The redshift-ml backend in Redshift mode: Redshift computes a batch's features and scores in
one statement, answered in the batch's order, and the rules stay in front.

``CREATE MODEL`` cannot run here: its prediction function is played by a SQL function of the
same signature (the features in :data:`fraudd.features.FEATURES` order), whose score is known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from fraudd.features import FEATURES
from fraudd.records import Swipe
from fraudd.scoring.engine import RedshiftMLEngine
from fraudd.scoring.redshift_ml import RedshiftMLScoring
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import Settings
from tests.warehouse.contract.env import ContractEnv, open_contract_env

pytestmark = pytest.mark.timeout(120)
FUNCTION = "fraudd_predict_test"
BLOCKED = "tok_blockedcard"
AMOUNTS = (50.0, 950.0, 700.0, 120.0)


@pytest.fixture(scope="module")
async def rs(local_stack: Any) -> AsyncIterator[ContractEnv]:
    env = await open_contract_env(
        local_stack, "redshift-snapshot", ("consumer",), shards=1, rules={"block_cards": [BLOCKED]}
    )
    try:
        params = ", ".join(f"f{i} float8" for i in range(len(FEATURES)))
        await env.as_owner(
            f"CREATE FUNCTION {env.schema}.{FUNCTION}({params}) RETURNS float8 "
            "LANGUAGE sql IMMUTABLE AS 'SELECT least($1 / 1000.0, 1.0)'"  # amount / 1000
        )
        yield env
    finally:
        await env.stack.aclose()


def _settings(rs: ContractEnv) -> Settings:
    """The environment's (Redshift) settings with the redshift-ml backend."""
    scoring = {"backend": "redshift-ml", "redshift_ml_function": FUNCTION,
               "review_threshold": 0.5, "block_threshold": 0.9}  # fmt: skip
    return rs.settings.derive(scoring=scoring)


def _swipes(prefix: str) -> list[Swipe]:
    now = datetime.now(UTC)
    return [
        Swipe(
            tx_id=f"{prefix}-{i}", tx_time=now - timedelta(minutes=10 - i), card_token=card,
            last4="4242", customer_id=f"c{i}", terminal_id="term-1", amount=amount,
            produced_at=now,
        )
        for i, (amount, card) in enumerate(
            zip(AMOUNTS, ("tok_card_a", "tok_card_b", "tok_card_c", BLOCKED), strict=True)
        )
    ]  # fmt: skip


async def test_features_and_scores_come_back_in_the_batch_order(rs: ContractEnv) -> None:
    swipes = _swipes("order")
    batch = swipes[::-1]  # not the order the rows are stored or returned in
    scoring = RedshiftMLScoring(_settings(rs), Thresholds(0.5, 0.9))
    async with rs.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        features, scores = await scoring.features_and_scores(session, batch)
    assert features.shape == (len(batch), len(FEATURES))
    assert features[:, FEATURES.index("amount")].tolist() == [s.amount for s in batch]
    np.testing.assert_allclose(scores, [s.amount / 1000 for s in batch])
    assert scoring.version == f"redshift-ml:{rs.settings.redshift.model_name}"


async def test_the_engine_decides_from_redshift_scores_with_the_rules_in_front(
    rs: ContractEnv,
) -> None:
    swipes = _swipes("engine")
    engine = RedshiftMLEngine(_settings(rs))
    async with rs.deps.warehouse.session() as session:
        async with session.transaction():
            await session.store_transactions(swipes)
        verdicts = await engine.score_batch(session, swipes)
    decisions = [(s.tx_id, v.decision) for s, v in zip(swipes, verdicts, strict=True)]
    assert decisions == [
        ("engine-0", "approve"),
        ("engine-1", "block"),  # 0.95 >= the configured block threshold
        ("engine-2", "review"),  # 0.70 (and the rules' review amount)
        ("engine-3", "block"),  # 0.12, but the card is block-listed: the rules' hit is final
    ]
    assert verdicts[3].reasons[0].code == "block_listed"
    assert {v.model_version for v in verdicts} == {engine.sql.version}
