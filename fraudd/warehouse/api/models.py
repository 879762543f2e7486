"""The model registry: versioned artifacts and metadata in ``{schema}.models``.

Versions are ``max + 1`` under a table lock (Redshift does not enforce primary keys, so the lock,
not the key, keeps two trainers from taking one version). At most one model is active:
:meth:`ModelOps.activate_model` switches the flag in one transaction, and the consumer uses the
newest active model. Metadata is JSON: feature list and order, training window,
hyper-parameters, validation metrics, thresholds, sizes, activation decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import xgboost as xgb


@dataclass(frozen=True)
class Thresholds:
    """Score thresholds in [0, 1]; chosen at training time and stored with the model."""

    review: float | None
    block: float | None

    def as_dict(self) -> dict[str, float | None]:
        """JSON form, as stored in model metadata."""
        return {"review": self.review, "block": self.block}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thresholds:
        """Inverse of :meth:`as_dict`."""
        review, block = data.get("review"), data.get("block")
        return cls(
            review=None if review is None else float(review),
            block=None if block is None else float(block),
        )

    def overridden(self, review: float | None, block: float | None) -> Thresholds:
        """These thresholds with configured overrides (``None`` keeps the model's value)."""
        return Thresholds(
            review=self.review if review is None else review,
            block=self.block if block is None else block,
        )


@dataclass(frozen=True)
class ModelRecord:
    """One registered model. ``artifact`` is None when listed without it."""

    version: int
    backend: str
    created_at: dt.datetime
    active: bool
    activated_at: dt.datetime | None
    metadata: dict[str, Any] = field(default_factory=dict)
    artifact: bytes | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """The model's input features, in order."""
        return tuple(self.metadata.get("features", ()))

    @property
    def thresholds(self) -> Thresholds:
        """Review/block thresholds chosen at training time."""
        return Thresholds.from_dict(self.metadata.get("thresholds", {}))

    def booster(self, n_jobs: int = 2) -> xgb.Booster:
        """The XGBoost model (``backend == 'local'``)."""
        import xgboost as xgb  # imported on use: the warehouse layer must not wait for it

        if self.artifact is None:
            raise ValueError(f"model {self.version} was loaded without its artifact")
        booster = xgb.Booster(params={"nthread": n_jobs})
        booster.load_model(bytearray(self.artifact))
        return booster


@dataclass(frozen=True)
class NewModel:
    """A model to register: its scoring backend, its artifact (None for a backend that keeps
    the model elsewhere, such as a SageMaker endpoint) and its metadata."""

    backend: str
    artifact: bytes | None
    metadata: Mapping[str, Any]


class ModelOps(Protocol):
    async def register_model(self, model: NewModel, *, activate: bool) -> ModelRecord:
        """Store a new version (the next after the highest), optionally activating it."""

    async def activate_model(self, version: int) -> None:
        """Make ``version`` the only active model; KeyError if it does not exist."""

    async def active_model(self) -> ModelRecord | None:
        """The newest active model with its artifact, or None."""

    async def get_model(self, version: int) -> ModelRecord | None:
        """One version with its artifact, or None."""

    async def list_models(self) -> list[ModelRecord]:
        """Every version, oldest first, without artifacts."""
