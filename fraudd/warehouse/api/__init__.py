"""The warehouse seam: the product's warehouse operations as typed interfaces.

Every role, scorer, model and CLI module talks to the warehouse through these Protocols only;
nothing above this package holds SQL or knows the dialect. The dialect is chosen once, in
:func:`fraudd.warehouse.open_warehouse`, which returns a :class:`Warehouse` whose sessions are
either :class:`fraudd.warehouse.postgres.PostgresSession` or
:class:`fraudd.warehouse.redshift.RedshiftSession`. mypy keeps both in step with :class:`Session`.

One area of operations per module (stream and decisions, actions and blocks, labels, scoring,
...); :class:`Session` is their union over one checked-out connection.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from fraudd.warehouse.api.actions import ActionOps
from fraudd.warehouse.api.cases import CaseOps
from fraudd.warehouse.api.evaluation import EvaluationOps
from fraudd.warehouse.api.figures import FiguresOps
from fraudd.warehouse.api.history import HistoryOps
from fraudd.warehouse.api.ingest import IngestOps
from fraudd.warehouse.api.labels import LabelOps
from fraudd.warehouse.api.model_training import ModelTrainingOps
from fraudd.warehouse.api.models import ModelOps
from fraudd.warehouse.api.scoring import ScoringOps
from fraudd.warehouse.api.seeding import SeedingOps
from fraudd.warehouse.api.stream import StreamOps
from fraudd.warehouse.api.training import TrainingOps
from fraudd.warehouse.base import Connection
from fraudd.warehouse.trace import StatementTrace


class Session(
    StreamOps,
    ActionOps,
    LabelOps,
    IngestOps,
    ScoringOps,
    ModelOps,
    HistoryOps,
    TrainingOps,
    EvaluationOps,
    CaseOps,
    ModelTrainingOps,
    FiguresOps,
    SeedingOps,
    Protocol,
):
    """The product's operations over one connection checked out of the pool.

    Outside :meth:`transaction` every operation commits on its own.
    """

    conn: Connection
    """The raw connection, for migrations and tests only: callers use the operations."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Commit on normal exit, roll back on exception. Not re-entrant."""


class Warehouse(Protocol):
    """A pool of connections to one warehouse; sessions carry the dialect's operations."""

    schema: str

    def session(self) -> AbstractAsyncContextManager[Session]:
        """Check a connection out of the pool as a :class:`Session` for the block."""

    def acquire(self) -> AbstractAsyncContextManager[Connection]:
        """A raw connection (migrations, tests, ad-hoc reads): product code uses sessions."""

    def traced(self) -> AbstractAsyncContextManager[StatementTrace]:
        """Record the statements sent during the block (:mod:`fraudd.warehouse.trace`)."""

    async def ping(self) -> bool:
        """True when a trivial query succeeds within the connect timeout."""

    async def close(self) -> None:
        """Close every connection."""
