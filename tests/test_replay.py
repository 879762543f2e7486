"""``fraudd replay`` through the real local stack: every row into Kinesis once, labels delayed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fraudd.localstack import StackInfo
from fraudd.metrics import create_metrics
from fraudd.replay import run_replay
from fraudd.settings import Settings
from fraudd.simulator import Timeline, write_handbook_csv
from fraudd.stream import Entry
from fraudd.warehouse import opened_warehouse
from tests.e2e.harness import make_env
from tests.history.conftest import SMALL
from tests.reliability.ledger import read_stream

pytestmark = pytest.mark.timeout(240)
LABEL_DELAY_DAYS = 1.0


async def stream_tx_ids(settings: Settings) -> Counter[str | None]:
    """Every record in the stream (all shards, from the start), counted by tx_id."""
    return Counter(record.tx_id for record in await read_stream(settings))


async def test_replay_streams_every_row_once_and_writes_delayed_labels(
    local_stack: tuple[Settings, StackInfo], tmp_path: Path
) -> None:
    env = await make_env(local_stack, shards=2, producer={"label_delay_days": LABEL_DELAY_DAYS})
    frame = replay_frame().reset_index(drop=True)
    path = tmp_path / "replay.csv.gz"
    write_handbook_csv(frame, path)
    valid = frame[frame["amount"] > 0]  # the simulator can round an amount to 0.00
    metrics = create_metrics()
    written_while_sending: list[float] = []

    def sent(_entries: list[Entry]) -> None:
        written_while_sending.append(
            metrics.registry.get_sample_value("fraudd_labels_written_total") or 0.0
        )

    summary = await run_replay(env.settings, path, rate=3000, metrics=metrics, on_sent=sent)
    seen = await stream_tx_ids(env.settings)
    expected_ids = [str(i) for i in valid.index]  # handbook TRANSACTION_ID = row number
    assert summary.taken == summary.sent == len(valid) and not summary.stopped_early
    assert set(seen) == set(expected_ids) and max(seen.values()) == 1
    assert sum(summary.rejected.values()) == len(frame) - len(valid)
    # labels of the first days went out while later days were still being sent
    assert 0 < written_while_sending[-1] < len(valid)
    labels = await _labels(env.settings)
    assert set(labels) == set(expected_ids) and summary.labels == len(valid)
    delay = dt.timedelta(days=LABEL_DELAY_DAYS)
    for tx_id, (is_fraud, labelled_at) in labels.items():
        row = valid.loc[int(tx_id)]
        assert is_fraud == bool(row["is_fraud"])
        assert labelled_at == row["tx_time"].to_pydatetime() + delay


async def test_replay_stops_at_the_limit(
    local_stack: tuple[Settings, StackInfo], tmp_path: Path
) -> None:
    env = await make_env(local_stack, shards=1)
    path = tmp_path / "limited.csv"
    write_handbook_csv(replay_frame().iloc[:500], path)
    summary = await run_replay(env.settings, path, rate=5000, limit=120)
    seen = await stream_tx_ids(env.settings)
    assert summary.taken == 120 and sum(seen.values()) == summary.sent <= 120
    assert summary.labels == 120  # every taken swipe's label, written at the end


def replay_frame() -> pd.DataFrame:
    """Four days of the small timeline: with a one-day label delay, most labels come early."""
    return Timeline(SMALL).days(0, 4)


async def _labels(settings: Settings) -> dict[str, Any]:
    async with opened_warehouse(settings) as wh:
        async with wh.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT tx_id, is_fraud, labelled_at FROM {settings.warehouse.schema_name}.labels"
            )
    return {r.tx_id: (r.is_fraud, r.labelled_at) for r in rows}
