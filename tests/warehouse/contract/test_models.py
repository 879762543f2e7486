"""The models area, the model registry (fraudd/warehouse/{api,shared}/models.py), on each
implementation."""

from __future__ import annotations

import asyncio

import pytest

from fraudd.model.record import NewModel
from fraudd.scoring.local import load_local_scorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import ScoringSettings
from tests.model import helpers
from tests.warehouse.sessions import AreaDb


async def test_register_activate_list_and_load(area_db: AreaDb) -> None:
    model = helpers.record({"review": 0.4, "block": None})
    async with area_db.wh.session() as s:
        assert await s.active_model() is None
        a = await s.register_model(NewModel("local", model.artifact, model.metadata), activate=True)
        remote = NewModel("sagemaker", None, {"thresholds": {"review": 0.5, "block": None}})
        b = await s.register_model(remote, activate=False)
        scorer = await load_local_scorer(s, ScoringSettings(block_threshold=0.99))
        await s.activate_model(b.version)
        active = await s.active_model()
        assert await load_local_scorer(s, ScoringSettings()) is None  # sagemaker
        with pytest.raises(KeyError):
            await s.activate_model(99)
        again = await s.get_model(a.version)
        listed = await s.list_models()
        assert await s.active_model_version() == b.version
    assert (a.version, a.active, b.version, b.active) == (1, True, 2, False)
    assert active is not None and active.version == b.version and active.artifact is None
    assert active.thresholds.review == 0.5 and active.activated_at is not None
    assert again is not None and again.metadata == model.metadata and not again.active
    assert again.artifact == model.artifact  # the bytes round-trip (bytea / VARBYTE)
    assert scorer is not None and scorer.version == str(a.version)
    assert scorer.thresholds == Thresholds(review=0.4, block=0.99)  # override wins
    assert [(m.version, m.active, m.artifact) for m in listed] == [
        (1, False, None),
        (2, True, None),
    ]


async def test_concurrent_registrations_take_distinct_versions(area_db: AreaDb) -> None:
    """The lock, not the key, gives each trainer its own version: Redshift does not enforce
    PRIMARY KEY (version), and under snapshot isolation two max + 1 reads would agree."""

    async def register(n: int) -> int:
        async with area_db.wh.session() as s:
            record = await s.register_model(NewModel("local", None, {"n": n}), activate=True)
            return record.version

    versions = await asyncio.gather(*(register(n) for n in range(3)))
    rows = await area_db.rows("SELECT version, active FROM {schema}.models ORDER BY version")
    assert sorted(versions) == [1, 2, 3]
    # serialised by the lock, the last registration took the highest version and activated last
    assert [tuple(r) for r in rows] == [(1, False), (2, False), (3, True)]
