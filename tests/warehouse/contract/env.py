"""One environment per warehouse implementation, for the contract suite.

* ``postgres``: the PostgreSQL implementation through psycopg, on the schema ``fraudd migrate``
  makes (the local stack's stand-in table for the streaming view, filled with the ingest
  operations);
* ``redshift-snapshot`` / ``redshift-serializable``: the Redshift implementation in Redshift
  mode (tests/redshift/mode.py): redshift_connector through the Redshift-mode shim, as the
  daemon's user holding only the runbook's grants, on a schema the Redshift migrations made the
  way Redshift makes it, every session at SNAPSHOT (PostgreSQL's REPEATABLE READ) or
  SERIALIZABLE; what Redshift lacks is refused on the wire. Streaming ingestion is played by
  :meth:`ContractEnv.append` and :meth:`ContractEnv.log_skipped`.

Which implementations run is the parameter ``warehouse_implementation`` (``make test``:
postgres and SNAPSHOT; ``make test-redshift``: both Redshift levels only).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from fraudd.deps import Deps, open_deps
from fraudd.localstack.environment import local_environment
from fraudd.metrics import create_metrics
from fraudd.records import Swipe
from fraudd.settings import Role, Settings
from fraudd.warehouse.sqlfiles import render
from fraudd.warehouse.stream import StreamRecord
from tests.e2e.harness import TEST_NAME, Env
from tests.redshift.mode import RedshiftModeEnv, RedshiftModeSchema, prepare_cluster
from tests.shim.redshift_shim import Isolation

SHARD_A, SHARD_B = "shardId-000000000000", "shardId-000000000001"
BASE = 49590338271490256608559692538361571095921575989136588898
HISTORY_START = datetime(2018, 5, 12, tzinfo=UTC)
"""Where the training and evaluation tests read the ``history`` fixture (day 42 of 45)."""


def swipe(tx_id: str, amount: float = 20.0, card: str = "card-000001", hours: float = 0) -> Swipe:
    """A swipe of ``card`` on 30 November 2026, ``hours`` after noon."""
    when = datetime(2026, 11, 30, 12, tzinfo=UTC) + timedelta(hours=hours)
    return Swipe(
        tx_id=tx_id, tx_time=when, card_token=card, last4="4242", customer_id=f"cust-{card}",
        terminal_id="term-1", amount=amount, produced_at=when,
    )  # fmt: skip


def record(shard: str, n: int, data: bytes) -> StreamRecord:
    """The stream record ``BASE + n`` of ``shard``."""
    return StreamRecord(shard, str(BASE + n), "pk", datetime.now(UTC), data)


@dataclass
class ContractEnv:
    implementation: str
    env: Env
    settings: Settings
    deps: Deps
    stack: AsyncExitStack
    refreshes: int = field(default=0)
    mode: RedshiftModeEnv | None = None

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name

    @property
    def redshift(self) -> bool:
        return self.implementation.startswith("redshift")

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        async with self.deps.warehouse.acquire() as conn:
            return await conn.fetch(render(sql, schema=self.schema), *args)

    async def as_owner(self, sql: str, *args: Any) -> None:
        """Run PostgreSQL SQL as the schema's owner: set-up the daemon may not do, outside
        Redshift mode's checks (no transaction, so VACUUM works)."""
        if self.mode is None:
            async with self.deps.warehouse.acquire() as conn:
                await conn.execute(sql, *args)
            return
        with self.mode.cluster.superuser() as conn:
            conn.execute(sql, args)

    async def log_skipped(self, shard_id: str, sequence_number: str, code: int) -> None:
        """What streaming ingestion does with a record too large for the view: log it."""
        if self.mode is not None:
            await self.mode.log_skipped(shard_id, sequence_number, code)
            return
        sql = (
            "INSERT INTO {schema}.stream_scan_errors (mv_name, partition_id, position, "
            "record_time, error_code) VALUES ('tx_stream', %s, %s, %s, %s)"
        )
        async with self.deps.warehouse.acquire() as conn:
            await conn.execute(render(sql, schema=self.schema), shard_id, sequence_number,
                               datetime.now(UTC), code)  # fmt: skip

    async def append(self, records: Sequence[StreamRecord]) -> None:
        """What streaming ingestion does: append records with one refresh time per call."""
        if not self.redshift:
            async with self.deps.warehouse.session() as session:
                await session.append_records(records)
            return
        assert self.mode is not None
        self.refreshes += 1
        await self.mode.ingest(records)


async def open_contract_env(
    local_stack: Any,
    implementation: str,
    roles: tuple[Role, ...],
    shards: int = 2,
    **sections: dict[str, Any],
) -> ContractEnv:
    """A fresh environment for one implementation (the product's builder; in Redshift mode with
    its schema plan); close it, and remove the environment, with ``env.stack.aclose()``."""
    plan: RedshiftModeSchema | None = None
    if implementation != "postgres":
        level = cast(Isolation, implementation.removeprefix("redshift-"))
        plan = RedshiftModeSchema(prepare_cluster(local_stack[0]), level)
    stack = AsyncExitStack()
    try:
        built = await stack.enter_async_context(
            local_environment(
                local_stack[0], TEST_NAME, shards=shards, schema=plan, http={"port": 0}, **sections
            )
        )
        deps = await open_deps(built.settings, stack, roles, create_metrics())
    except BaseException:
        await stack.aclose()
        raise
    mode = plan.mode if plan is not None else None
    return ContractEnv(implementation, Env.of(built), built.settings, deps, stack, mode=mode)
