"""The loop scores with a trained model: simulated history → train → live swipes continuing the
same timeline → decisions carry the model version, alerts carry model reason codes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from fraudd.deps import Deps
from fraudd.features import FEATURES
from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.model.commands import train_command
from fraudd.model.fit import FitConfig
from fraudd.model.train import TrainConfig
from fraudd.simulator import SimulationSpec
from fraudd.stream import Entry
from fraudd.tasks import producer
from fraudd.warehouse import opened_warehouse
from tests.e2e.harness import make_env, scalar
from tests.e2e.test_loop import run_loop

pytestmark = pytest.mark.timeout(280)
DAYS = 45


async def test_consumer_scores_with_the_trained_model(local_stack: Any) -> None:
    env = await make_env(local_stack, shards=2, consumer={"max_future_days": 3650.0})
    today = dt.datetime.now(dt.UTC).date()
    spec = SimulationSpec(
        origin=today - dt.timedelta(days=DAYS), seed=11, customers=400, terminals=800
    )
    async with opened_warehouse(env.settings) as wh:
        await simulate_into_warehouse(wh, env.settings, spec, DAYS)
    config = TrainConfig(
        today - dt.timedelta(days=7), DAYS, fit=FitConfig(refit=False, max_rounds=60)
    )
    record = await train_command(env.settings, config, activate=True)

    async def live_state(deps: Deps, sent: list[str]) -> producer.ProducerState:
        state = await producer.default_state(deps)
        state.limit = 1500
        state.on_sent = lambda entries: sent.extend(_ids(entries))
        return state

    sent, _ = await run_loop(env, limit=1500, rate=1000, make_state=live_state)
    assert len(sent) > 1000
    versions = await scalar(env, "SELECT array_agg(DISTINCT model_version) FROM {schema}.decisions")
    assert versions == [str(record.version)]
    first_live = await scalar(
        env, "SELECT min(tx_time) FROM {schema}.transactions WHERE source = 'stream'"
    )
    assert first_live >= dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    codes = await scalar(
        env,
        "SELECT array_agg(DISTINCT r->>'code') FROM {schema}.decisions, "
        "jsonb_array_elements(reasons) r WHERE decision <> 'approve'",
    )
    assert set(codes) & set(FEATURES), f"no model reason code among {codes}"


def _ids(entries: list[Entry]) -> list[str]:
    return [json.loads(e.data)["tx_id"] for e in entries]
