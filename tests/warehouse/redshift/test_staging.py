"""Session temp tables that stand in for the arrays Redshift cannot bind
(fraudd/warehouse/redshift/staging.py), in Redshift mode as the daemon's user."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fraudd.columns import LABEL, names
from fraudd.warehouse import WarehouseError, opened_warehouse
from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.redshift.staging import numbered, stage
from fraudd.warehouse.session import SessionBase
from tests.redshift.mode import RedshiftModeEnv

AT = datetime(2024, 3, 1, 12, tzinfo=UTC)
LABELS = [Label("a", True, AT, 1), Label("b", False, AT), Label("a", False, AT, 2)]
COLUMNS = ("ord", *names(LABEL))
READ_BACK = f"SELECT {', '.join(COLUMNS)} FROM fraudd_stage_labels ORDER BY ord"


def test_numbered_rows_lead_with_their_position_in_the_batch() -> None:
    rows = list(numbered(LABELS, ["tx_id", lambda label: not label.is_fraud]))
    assert rows == [(0, "a", False), (1, "b", True), (2, "a", True)]
    assert list(numbered([], ["tx_id"])) == []


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
    assert first == [(0, "a", True, AT, 1), (1, "b", False, AT, None), (2, "a", False, AT, 2)]
    assert second == [(0, "b", False, AT, None)]
    assert elsewhere.value.sqlstate == "42P01"  # a temp table is the session's own
