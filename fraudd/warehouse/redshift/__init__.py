"""The Amazon Redshift implementation of the warehouse seam."""

from __future__ import annotations

from typing import ClassVar

from fraudd.warehouse.base import Dialect
from fraudd.warehouse.redshift.actions import RedshiftActions
from fraudd.warehouse.redshift.cases import RedshiftCases
from fraudd.warehouse.redshift.figures import RedshiftFigures
from fraudd.warehouse.redshift.history import RedshiftHistory
from fraudd.warehouse.redshift.ingest import RedshiftIngest
from fraudd.warehouse.redshift.labels import RedshiftLabels
from fraudd.warehouse.redshift.model_training import RedshiftModelTraining
from fraudd.warehouse.redshift.scoring import RedshiftScoring
from fraudd.warehouse.redshift.seeding import RedshiftSeeding
from fraudd.warehouse.redshift.stream import RedshiftStream
from fraudd.warehouse.shared.evaluation import SharedEvaluation
from fraudd.warehouse.shared.models import SharedModels
from fraudd.warehouse.shared.training import SharedTraining


class RedshiftSession(
    RedshiftStream,
    RedshiftActions,
    RedshiftLabels,
    RedshiftIngest,
    RedshiftScoring,
    SharedModels,
    RedshiftHistory,
    SharedTraining,
    SharedEvaluation,
    RedshiftCases,
    RedshiftModelTraining,
    RedshiftFigures,
    RedshiftSeeding,
):
    """Every operation of :class:`fraudd.warehouse.api.Session`, in Redshift's dialect."""

    dialect: ClassVar[Dialect] = "redshift"
