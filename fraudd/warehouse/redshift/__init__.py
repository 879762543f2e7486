"""The Amazon Redshift implementation of the warehouse seam."""

from __future__ import annotations

from typing import ClassVar

from fraudd.warehouse.base import Dialect
from fraudd.warehouse.redshift.actions import RedshiftActions
from fraudd.warehouse.redshift.figures import RedshiftFigures
from fraudd.warehouse.redshift.ingest import RedshiftIngest
from fraudd.warehouse.redshift.labels import RedshiftLabels
from fraudd.warehouse.redshift.scoring import RedshiftScoring
from fraudd.warehouse.redshift.stream import RedshiftStream


class RedshiftSession(
    RedshiftStream,
    RedshiftActions,
    RedshiftLabels,
    RedshiftIngest,
    RedshiftScoring,
    RedshiftFigures,
):
    """Every operation of :class:`fraudd.warehouse.api.Session`, in Redshift's dialect."""

    dialect: ClassVar[Dialect] = "redshift"
