"""What the model registry keeps of a model: its version, backend, artifact and metadata
(feature list and order, training window, hyper-parameters, validation metrics, thresholds,
sizes, activation decision). The warehouse stores it (:mod:`fraudd.warehouse.models`) and
imports this module, which imports nothing of the package's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fraudd.scoring.thresholds import Thresholds

if TYPE_CHECKING:
    import xgboost as xgb


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
