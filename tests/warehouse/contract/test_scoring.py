"""The scoring area (fraudd/warehouse/{api,postgres,redshift,shared}/scoring.py) on each
implementation: the rules' velocities, the active model's version, the serving features."""

from __future__ import annotations

from fraudd.features import FEATURES
from tests.warehouse.contract.env import ContractEnv, swipe


async def test_scoring_reads_velocities_model_version_and_serving_features(
    contract: ContractEnv,
) -> None:
    swipes = [
        swipe("t1"),
        swipe("t2", hours=0.5),
        swipe("t3", hours=3),
        swipe("o1", card="card-other1"),
    ]
    async with contract.deps.warehouse.session() as s:
        await s.store_transactions(swipes)
        counts = await s.velocities(swipes, 3600.0)
        assert await s.active_model_version() is None
        rows = await s.serving_rows([swipes[0], swipes[2]])
    assert counts == {"t1": 1, "t2": 2, "t3": 1, "o1": 1}
    assert sorted(r[0] for r in rows) == ["t1", "t3"]
    assert {len(r) for r in rows} == {1 + len(FEATURES)}  # tx_id and the features
