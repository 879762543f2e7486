"""How transactions are decided: the rules in front of the model, and the scoring backend."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from fraudd.settings.base import Section, SqlIdentifier, conflict


class RulesSettings(Section):
    """Rules sit in front of the model: allow-list wins, then hard blocks, then thresholds."""

    allow_cards: tuple[str, ...] = ()
    block_cards: tuple[str, ...] = ()
    review_amount: float = Field(default=500.0, gt=0)
    block_amount: float = Field(default=2000.0, gt=0)
    velocity_window_s: float = Field(default=60.0, gt=0)
    velocity_max: int = Field(default=10, ge=1)


class ScoringSettings(Section):
    backend: Literal["rules", "local", "redshift-ml", "sagemaker"] = Field(
        default="local",
        description="local: the registry's active model (rules alone until one is trained).",
    )
    review_threshold: float | None = Field(default=None, ge=0, le=1)
    block_threshold: float | None = Field(default=None, ge=0, le=1)
    model_poll_s: float = Field(default=30.0, gt=0)
    sagemaker_endpoint: str | None = None
    redshift_ml_function: SqlIdentifier = "fraudd_predict"
    reason_codes: int = Field(default=3, ge=0, le=10)

    @model_validator(mode="after")
    def _sagemaker_has_an_endpoint(self) -> Self:
        """SageMaker scoring calls an endpoint, so one must be named. (What redshift-ml needs
        involves the warehouse too: see :mod:`fraudd.settings.checks`.)"""
        if self.backend == "sagemaker" and not self.sagemaker_endpoint:
            raise conflict("sagemaker_endpoint", "required for backend sagemaker")
        return self
