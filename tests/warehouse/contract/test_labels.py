"""The labels area (fraudd/warehouse/{api,postgres,redshift}/labels.py) on each implementation:
late labels (invariant 6), the first label of a transaction kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fraudd.warehouse import WarehouseError
from fraudd.warehouse.labels import Label
from tests.warehouse.contract.env import ContractEnv


async def test_labels_keep_the_first_label_of_a_transaction(contract: ContractEnv) -> None:
    now = datetime.now(UTC)
    async with contract.deps.warehouse.session() as s:
        first = [Label("t1", True, now, 1), Label("t2", False, now), Label("t1", False, now)]
        assert await s.insert_labels(first, "live") == 2
        assert await s.insert_labels([Label("t1", False, now)], "chargeback") == 0
    rows = await contract.rows("SELECT tx_id, is_fraud, source FROM {schema}.labels ORDER BY 1")
    assert [(r.tx_id, r.is_fraud, r.source) for r in rows] == [
        ("t1", True, "live"),
        ("t2", False, "live"),
    ]


async def test_redshift_mode_refuses_the_postgres_only_label_insert(
    redshift_only: None, contract: ContractEnv
) -> None:
    """The label insert as the Redshift path ran it before the seam (unnest, ON CONFLICT;
    PostgreSQL runs it)."""
    statement = (
        "INSERT INTO s.labels (tx_id) SELECT * FROM unnest(%b::text[]) ON CONFLICT (tx_id) "
        "DO NOTHING"
    )
    async with contract.deps.warehouse.acquire() as conn:
        # redshift_connector itself refuses psycopg's %b placeholder before anything is sent
        with pytest.raises(WarehouseError, match=r"not supported by Redshift|Only %s and %% are"):
            await conn.execute(statement, ["t1"])
