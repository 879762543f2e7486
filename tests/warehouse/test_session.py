"""What every dialect's session shares (fraudd/warehouse/session.py): its statements, rendered
for the configured schema and streaming view, and its transaction around the area operations,
on both implementations (PostgreSQL; Redshift mode through redshift_connector); and the session
temp tables that stand in for the arrays Redshift cannot bind, in Redshift mode as the daemon's
user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from fraudd.columns import LABEL, names
from fraudd.localstack import StackInfo
from fraudd.localstack.environment import local_environment
from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse import DialectWarehouse, WarehouseError, opened_warehouse
from fraudd.warehouse.labels import Label
from fraudd.warehouse.session import SessionBase, Statements, in_list, numbered, stage
from fraudd.warehouse.sqlfiles import load_statement
from tests.redshift.mode import Cluster, RedshiftModeEnv, open_redshift_mode

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


STAGED_AT = datetime(2024, 3, 1, 12, tzinfo=UTC)
LABELS = [
    Label("a", True, STAGED_AT, 1),
    Label("b", False, STAGED_AT),
    Label("a", False, STAGED_AT, 2),
]
COLUMNS = ("ord", *names(LABEL))
READ_BACK = f"SELECT {', '.join(COLUMNS)} FROM fraudd_stage_labels ORDER BY ord"


def test_redshift_lists_are_numbered_rows_or_an_in_list() -> None:
    rows = list(numbered(LABELS, ["tx_id", lambda label: not label.is_fraud]))
    assert rows == [(0, "a", False), (1, "b", True), (2, "a", True)]
    assert list(numbered([], ["tx_id"])) == []
    assert in_list("WHERE tx_id IN (/*ids*/)", 3) == "WHERE tx_id IN (%s, %s, %s)"
    with pytest.raises(ValueError, match="at least one value"):
        in_list("WHERE tx_id IN (/*ids*/)", 0)


async def _stage(session: SessionBase, labels: list[Label]) -> int:
    rows = numbered(labels, names(LABEL))
    return await stage(session, "labels", "stage_labels", "fraudd_stage_labels", COLUMNS, rows)


async def test_a_stage_holds_this_batch_only_and_only_for_its_session(
    redshift_mode: RedshiftModeEnv,
) -> None:
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.session() as s, wh.session() as other:
            assert isinstance(s, SessionBase)
            assert await _stage(s, LABELS) == 3
            first = [tuple(r) for r in await s.conn.fetch(READ_BACK)]
            assert await _stage(s, LABELS[1:2]) == 1  # the table exists: emptied, refilled
            second = [tuple(r) for r in await s.conn.fetch(READ_BACK)]
            with pytest.raises(WarehouseError) as elsewhere:
                await other.conn.fetch(READ_BACK)
    assert first == [
        (0, "a", True, STAGED_AT, 1),
        (1, "b", False, STAGED_AT, None),
        (2, "a", False, STAGED_AT, 2),
    ]
    assert second == [(0, "b", False, STAGED_AT, None)]
    assert elsewhere.value.sqlstate == "42P01"  # a temp table is the session's own
