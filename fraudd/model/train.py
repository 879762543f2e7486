"""``fraudd train``: features of the labelled history -> XGBoost model -> thresholds -> registry.

Windows (all UTC, ``train_end`` exclusive)::

    [train_end - train_days ........ val_start - delay) [gap: delay) [val_start, train_end)
     fit window (early stopping on validation AP)                      validation window

The gap stands for the label delay: a model trained at time T only has labels up to T - delay.
The served model is refit on the whole window (see :mod:`.fit`). The new model becomes active
only if its validation Average Precision is not worse than the active model's on the same
validation rows; otherwise it is kept inactive and the reason is stored in its metadata.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import structlog

from fraudd.features import catalog_metadata, features_of, training_features
from fraudd.model.evaluate import Evaluation, evaluate_scores
from fraudd.model.fit import FitConfig, Fitted, fit
from fraudd.model.protocol import DAY, EvalWindow, pooled_scores, utc_timestamp
from fraudd.model.record import ModelRecord, NewModel
from fraudd.model.thresholds import ThresholdTargets, choose_thresholds
from fraudd.scoring.thresholds import Thresholds
from fraudd.warehouse import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """What to train on and how."""

    train_end: dt.date | dt.datetime
    """Exclusive end of the training window; a date means its midnight UTC."""
    train_days: int = 90
    val_days: int = 7
    delay_days: int = 7
    fit: FitConfig = field(default_factory=FitConfig)
    targets: ThresholdTargets = field(default_factory=ThresholdTargets)

    @property
    def end(self) -> pd.Timestamp:
        """``train_end`` as a UTC timestamp."""
        return utc_timestamp(self.train_end)

    @property
    def start(self) -> pd.Timestamp:
        """First instant of the training window."""
        return self.end - self.train_days * DAY

    @property
    def val_start(self) -> pd.Timestamp:
        """First instant of the validation window."""
        return self.end - self.val_days * DAY

    @property
    def fit_end(self) -> pd.Timestamp:
        """Exclusive end of the fit window (validation start minus the label delay)."""
        return self.val_start - self.delay_days * DAY

    def check(self) -> None:
        """Raise ValueError if the fit window would be empty."""
        if self.fit_end <= self.start:
            raise ValueError(
                f"train_days={self.train_days} leaves no fit window before the "
                f"{self.delay_days}-day gap and {self.val_days} validation days"
            )


@dataclass(frozen=True)
class TrainedModel:
    """A fitted model before registration, with what registration needs."""

    fitted: Fitted
    thresholds: Thresholds
    validation: Evaluation
    val_frame: pd.DataFrame
    metadata: dict[str, Any]


def _xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return frame.loc[:, features_of(frame)].to_numpy(np.float32), frame["is_fraud"].to_numpy()


def train_frame(frame: pd.DataFrame, config: TrainConfig) -> TrainedModel:
    """Fit, validate and choose thresholds on a training-features frame (pure, no database)."""
    config.check()
    times = frame["tx_time"]
    full = frame[(times >= config.start) & (times < config.end)]
    fit_rows = full[full["tx_time"] < config.fit_end]
    val_rows = full[full["tx_time"] >= config.val_start]
    if fit_rows["is_fraud"].sum() == 0 or val_rows["is_fraud"].sum() == 0:
        raise ValueError("the fit and validation windows both need labelled frauds")
    fitted = fit(_xy(fit_rows), _xy(val_rows), _xy(full), features_of(frame), config.fit)
    window = EvalWindow(config.val_start, config.val_days, config.delay_days)
    frauds = full.loc[full["is_fraud"] > 0, ["tx_time", "card_token"]]
    validation, _ = evaluate_scores(val_rows, fitted.val_scores, frauds, window)
    thresholds = choose_thresholds(
        fitted.val_scores, val_rows["is_fraud"].to_numpy(), config.val_days, config.targets
    )
    metadata = _metadata(config, fitted, thresholds, validation, full, fit_rows, val_rows)
    return TrainedModel(fitted, thresholds, validation, val_rows, metadata)


def _metadata(
    config: TrainConfig,
    fitted: Fitted,
    thresholds: Thresholds,
    validation: Evaluation,
    full: pd.DataFrame,
    fit_rows: pd.DataFrame,
    val_rows: pd.DataFrame,
) -> dict[str, Any]:
    """What the registry stores with a model: how, on what and with what result it was trained."""
    return {
        "features": features_of(full),
        "training_window": _window_metadata(config),
        "hyperparameters": config.fit.as_dict() | {"rounds": fitted.rounds},
        "validation": {
            "auc_roc": validation.auc_roc,
            "average_precision": validation.average_precision,
            "card_precision_at_100": validation.card_precision_at_100,
            "n_transactions": validation.n_transactions,
            "n_frauds": validation.n_frauds,
        },
        "thresholds": thresholds.as_dict(),
        "targets": vars(config.targets).copy(),
        "sizes": _size_metadata(fitted, full, fit_rows, val_rows),
        "timings": {
            "fit_seconds": round(fitted.fit_seconds, 2),
            "refit_seconds": round(fitted.refit_seconds, 2),
        },
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _window_metadata(config: TrainConfig) -> dict[str, Any]:
    return {
        "start": config.start.isoformat(),
        "end": config.end.isoformat(),
        "fit_end": config.fit_end.isoformat(),
        "val_start": config.val_start.isoformat(),
        "delay_days": config.delay_days,
    }


def _size_metadata(
    fitted: Fitted, full: pd.DataFrame, fit_rows: pd.DataFrame, val_rows: pd.DataFrame
) -> dict[str, int]:
    return {
        "rows": len(full),
        "frauds": int(full["is_fraud"].sum()),
        "fit_rows": len(fit_rows),
        "val_rows": len(val_rows),
        "artifact_bytes": len(artifact_bytes(fitted)),
    }


def artifact_bytes(fitted: Fitted) -> bytes:
    """The served booster as UBJSON (what the registry stores)."""
    return bytes(fitted.booster.save_raw(raw_format="ubj"))


MIN_COMPARE_FRAUDS = 30
"""Frauds needed among validation rows the active model never saw to compare on those rows."""
STORED_AP_TOLERANCE = 0.02
"""Slack when comparing with the active model's own (other-week) validation AP: weekly AP moves
by a few points on the simulator with the model unchanged."""


def compare_with_active(
    trained: TrainedModel, active: ModelRecord | None
) -> tuple[bool, dict[str, Any]]:
    """Activation rule: the new model must not be worse than the active one.

    Both score the new validation rows that the active model was not trained on (rows at or
    after its training end); with too few frauds there (a refit active model has usually seen
    the recent days), the new validation AP is compared with the active model's stored one.
    """
    new_ap = trained.validation.average_precision
    if active is None:
        return True, {"reason": "no active model", "new_ap": new_ap}
    missing = [f for f in active.features if f not in features_of(trained.val_frame)]
    if missing or active.backend != "local" or active.artifact is None:
        reason = "active model cannot score current features" if missing else "not comparable"
        return True, {"reason": reason, "compared_with": active.version, "new_ap": new_ap}
    unseen = _unseen(active, trained.val_frame)
    labels = trained.val_frame["is_fraud"].to_numpy()[unseen]
    margin = 0.0
    if labels.sum() >= MIN_COMPARE_FRAUDS:
        x = trained.val_frame.loc[unseen, list(active.features)].to_numpy(np.float32)
        _, old_ap = pooled_scores(labels, active.booster().inplace_predict(x))
        _, new_ap = pooled_scores(labels, trained.fitted.val_scores[unseen])
        basis = f"both models on {int(unseen.sum())} validation rows the active model never saw"
    else:
        old_ap = float(active.metadata.get("validation", {}).get("average_precision", 0.0))
        margin = STORED_AP_TOLERANCE
        basis = "active model's stored validation AP (it was trained on these days)"
    better = bool(new_ap + margin >= old_ap)
    return better, {
        "compared_with": active.version,
        "new_ap": new_ap,
        "active_ap": old_ap,
        "basis": basis,
        "margin": margin,
        "reason": "validation AP not worse than active"
        if better
        else "validation AP worse than active: kept inactive",
    }


def _unseen(active: ModelRecord, val_frame: pd.DataFrame) -> np.ndarray:
    """Validation rows at or after the active model's training end (all if unknown)."""
    end = active.metadata.get("training_window", {}).get("end")
    if end is None:
        return np.ones(len(val_frame), dtype=bool)
    return (val_frame["tx_time"] >= pd.Timestamp(end)).to_numpy()


async def train_and_register(
    session: Session,
    config: TrainConfig,
    *,
    activate: bool | None = None,
    frame: pd.DataFrame | None = None,
    feature_seconds: float = 0.0,
) -> tuple[ModelRecord, TrainedModel]:
    """Train on the warehouse's labelled history and register the model.

    ``activate``: None applies the activation rule, True/False forces the outcome.
    ``frame``: training features already loaded, in ``feature_seconds`` (else they are
    computed on ``session``).
    """
    if frame is None:
        began = time.perf_counter()
        frame = await training_features(
            session, config.start.to_pydatetime(), config.end.to_pydatetime()
        )
        feature_seconds = time.perf_counter() - began
    log.info("model.features_loaded", rows=len(frame), seconds=round(feature_seconds, 1))
    trained = train_frame(frame, config)
    trained.metadata["timings"]["feature_seconds"] = round(feature_seconds, 2)
    trained.metadata["catalog"] = catalog_metadata(session.catalog)
    rule_says, info = compare_with_active(trained, await session.active_model())
    chosen = rule_says if activate is None else activate
    trained.metadata["activation"] = info | {"activated": chosen, "forced": activate is not None}
    model = NewModel("local", artifact_bytes(trained.fitted), trained.metadata)
    record = await session.register_model(model, activate=chosen)
    log.info("model.trained", version=record.version, activated=chosen, **info)
    return record, trained
