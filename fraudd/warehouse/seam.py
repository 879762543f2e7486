"""The seam: the product's warehouse operations as one typed interface, and each dialect's
implementation of it — the one place that lists the areas.

Every role, scorer, model and CLI module talks to the warehouse through :class:`Session` only;
nothing above this package holds SQL or knows the dialect. The dialect is chosen once, in
:func:`fraudd.warehouse.open_warehouse`, whose sessions are either :class:`PostgresSession` or
:class:`RedshiftSession`; mypy keeps both in step with :class:`Session` (see the end of
:mod:`fraudd.warehouse`).

Each area is one module: its Protocol, the code both dialects share, and each dialect's
differences as a small class (stream and decisions, actions and blocks, labels, cases, ...).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import ClassVar, Protocol

from fraudd.feature_catalog import Catalog
from fraudd.settings import Settings
from fraudd.warehouse.actions import ActionOps, PostgresActions, RedshiftActions
from fraudd.warehouse.backtest import Backtest, BacktestOps
from fraudd.warehouse.base import Connection, Dialect
from fraudd.warehouse.cases import CaseOps, PostgresCases, RedshiftCases
from fraudd.warehouse.figures import Figures, FiguresOps
from fraudd.warehouse.history import HistoryOps, PostgresHistory, RedshiftHistory
from fraudd.warehouse.ingest import IngestOps, PostgresIngest, RedshiftIngest
from fraudd.warehouse.labels import LabelOps, PostgresLabels, RedshiftLabels
from fraudd.warehouse.model_training import (
    ModelTrainingOps,
    PostgresModelTraining,
    RedshiftModelTraining,
)
from fraudd.warehouse.models import ModelOps, Models
from fraudd.warehouse.rule_lists import RuleListOps, RuleLists
from fraudd.warehouse.rules import PostgresRuleSets, RedshiftRuleSets, RuleOps
from fraudd.warehouse.scoring import PostgresScoring, RedshiftScoring, ScoringOps
from fraudd.warehouse.seeding import PostgresSeeding, RedshiftSeeding, SeedingOps
from fraudd.warehouse.stream import PostgresStream, RedshiftStream, StreamOps
from fraudd.warehouse.trace import StatementTrace
from fraudd.warehouse.training import Training, TrainingOps


class Session(
    StreamOps,
    ActionOps,
    LabelOps,
    IngestOps,
    ScoringOps,
    ModelOps,
    HistoryOps,
    TrainingOps,
    CaseOps,
    ModelTrainingOps,
    FiguresOps,
    SeedingOps,
    RuleOps,
    RuleListOps,
    BacktestOps,
    Protocol,
):
    """The product's operations over one connection checked out of the pool.

    Outside :meth:`transaction` every operation commits on its own.
    """

    conn: Connection
    """The raw connection, for migrations and tests only: callers use the operations."""
    settings: Settings
    """The settings the session was opened with (its declared fields and catalog among them)."""

    @property
    def catalog(self) -> Catalog:
        """The feature catalog this session's feature SQL computes (``features.*``)."""

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


class PostgresSession(
    PostgresStream,
    PostgresActions,
    PostgresLabels,
    PostgresIngest,
    PostgresScoring,
    Models,
    PostgresHistory,
    Training,
    PostgresCases,
    PostgresModelTraining,
    Figures,
    PostgresSeeding,
    PostgresRuleSets,
    RuleLists,
    Backtest,
):
    """Every operation of :class:`Session`, in PostgreSQL's dialect (the local stack's)."""

    dialect: ClassVar[Dialect] = "postgres"


class RedshiftSession(
    RedshiftStream,
    RedshiftActions,
    RedshiftLabels,
    RedshiftIngest,
    RedshiftScoring,
    Models,
    RedshiftHistory,
    Training,
    RedshiftCases,
    RedshiftModelTraining,
    Figures,
    RedshiftSeeding,
    RedshiftRuleSets,
    RuleLists,
    Backtest,
):
    """Every operation of :class:`Session`, in Redshift's dialect."""

    dialect: ClassVar[Dialect] = "redshift"
