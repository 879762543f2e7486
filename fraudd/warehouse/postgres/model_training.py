"""PostgreSQL cannot train models itself: ``fraudd train`` (backend local) trains in process."""

from __future__ import annotations

from typing import NoReturn

from fraudd.warehouse.api.model_training import (
    CreateModelSpec,
    ModelStatus,
    ModelTrainingUnsupported,
)
from fraudd.warehouse.session import SessionBase

_WHY = "training in the warehouse (Redshift ML) needs warehouse.dialect = redshift"


class PostgresModelTraining(SessionBase):
    def create_model_sql(self, spec: CreateModelSpec) -> NoReturn:
        raise ModelTrainingUnsupported(_WHY)

    async def create_model(self, spec: CreateModelSpec) -> NoReturn:
        raise ModelTrainingUnsupported(_WHY)

    async def model_status(self, model_name: str) -> ModelStatus | None:
        raise ModelTrainingUnsupported(_WHY)
