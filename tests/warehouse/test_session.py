"""What every dialect's session shares (fraudd/warehouse/session.py): its statements, rendered
for the configured schema and streaming view, and its transaction around the area operations,
on both implementations (PostgreSQL; Redshift mode through redshift_connector)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from fraudd.localstack import StackInfo
from fraudd.localstack.environment import local_environment
from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse import DialectWarehouse, opened_warehouse
from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.session import Statements
from fraudd.warehouse.sqlfiles import load_statement
from tests.redshift.mode import Cluster, open_redshift_mode

SETTINGS = Settings(warehouse=WarehouseSettings(schema="fraud_s1", streaming_view="swipes"))


def test_statements_are_the_dialects_rendered_for_the_schema_and_view() -> None:
    redshift, postgres = Statements("redshift", SETTINGS), Statements("postgres", SETTINGS)
    shards = redshift("stream", "shards")
    assert "FROM fraud_s1.swipes WHERE refresh_time >= %s" in shards
    assert "{" not in shards and "{" not in postgres("stream", "shards")
    assert "unnest" in postgres("labels", "insert_labels")  # each dialect's own text
    assert "fraudd_stage_labels" in redshift("labels", "insert_labels")
    assert redshift("stream", "shards") is shards  # rendered once per process
    expected = load_statement("redshift", "stream", "shards", schema="fraud_s1", view="swipes")
    assert shards == expected
    with pytest.raises(KeyError, match=r"no statement labels\.nothing for dialect postgres"):
        postgres("labels", "nothing")


@asynccontextmanager
async def _warehouse(
    implementation: str, local_stack: tuple[Settings, StackInfo], cluster: Cluster
) -> AsyncIterator[DialectWarehouse]:
    """A migrated schema of ``implementation`` (postgres, redshift-<level>), opened."""
    base = local_stack[0]
    if implementation == "postgres":
        async with (
            local_environment(base, "t_sess", stream=False, queue=False) as env,
            opened_warehouse(env.settings) as wh,
        ):
            yield wh
        return
    level = implementation.removeprefix("redshift-")
    async with (
        open_redshift_mode(base, cluster, level) as mode,  # type: ignore[arg-type]
        opened_warehouse(mode.settings) as wh,
    ):
        yield wh


def _label(tx_id: str) -> Label:
    return Label(tx_id, True, datetime(2024, 3, 1, tzinfo=UTC), 1)


async def test_the_sessions_transaction_commits_or_rolls_back_its_operations(
    warehouse_implementation: str,
    local_stack: tuple[Settings, StackInfo],
    redshift_cluster: Cluster,
) -> None:
    async with _warehouse(warehouse_implementation, local_stack, redshift_cluster) as wh:
        count = f"SELECT count(*) FROM {wh.schema}.labels WHERE tx_id = %s"
        async with wh.session() as s:
            async with s.transaction():
                assert await s.insert_labels([_label("kept")], "test") == 1
            with pytest.raises(RuntimeError, match="abandoned"):
                async with s.transaction():
                    assert await s.insert_labels([_label("lost")], "test") == 1
                    raise RuntimeError("abandoned")
            with pytest.raises(RuntimeError, match="not re-entrant"):
                async with s.transaction(), s.transaction():
                    pass
        async with wh.session() as other:  # what a new session sees
            seen = [await other.conn.fetchval(count, tx) for tx in ("kept", "lost")]
    assert seen == [1, 0]
