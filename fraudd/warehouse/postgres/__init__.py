"""The PostgreSQL implementation of the warehouse seam (the local stack's stand-in)."""

from __future__ import annotations

from typing import ClassVar

from fraudd.warehouse.base import Dialect
from fraudd.warehouse.postgres.actions import PostgresActions
from fraudd.warehouse.postgres.cases import PostgresCases
from fraudd.warehouse.postgres.figures import PostgresFigures
from fraudd.warehouse.postgres.history import PostgresHistory
from fraudd.warehouse.postgres.ingest import PostgresIngest
from fraudd.warehouse.postgres.labels import PostgresLabels
from fraudd.warehouse.postgres.model_training import PostgresModelTraining
from fraudd.warehouse.postgres.scoring import PostgresScoring
from fraudd.warehouse.postgres.seeding import PostgresSeeding
from fraudd.warehouse.postgres.stream import PostgresStream
from fraudd.warehouse.shared.evaluation import SharedEvaluation
from fraudd.warehouse.shared.models import SharedModels
from fraudd.warehouse.shared.training import SharedTraining


class PostgresSession(
    PostgresStream,
    PostgresActions,
    PostgresLabels,
    PostgresIngest,
    PostgresScoring,
    SharedModels,
    PostgresHistory,
    SharedTraining,
    SharedEvaluation,
    PostgresCases,
    PostgresModelTraining,
    PostgresFigures,
    PostgresSeeding,
):
    """Every operation of :class:`fraudd.warehouse.api.Session`, in PostgreSQL's dialect."""

    dialect: ClassVar[Dialect] = "postgres"
