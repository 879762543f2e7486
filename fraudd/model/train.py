"""``fraudd train``: features of the labelled history -> XGBoost model -> thresholds -> registry.

Windows (all UTC, ``train_end`` exclusive)::

    [train_end - train_days ........ val_start - delay) [gap: delay) [val_start, train_end)
     fit window                                                        held-out (validation) week

The gap stands for the label delay: a model trained at time T only has labels up to T - delay.
The rounds and regularisation are chosen on the weeks before the held-out week (time-based
folds, :mod:`.folds`); the held-out week gives the validation metrics and thresholds; the served
model is refit on the whole window (see :mod:`.fit`). The new model becomes active only if it
passes :mod:`.activation`'s rules; otherwise it is kept inactive and the reason is stored in its
metadata.
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
from fraudd.model.activation import activation_rule
from fraudd.model.baseline import HANDBOOK_FEATURES, BaselineCheck, check_baseline
from fraudd.model.evaluate import Evaluation, evaluate_scores
from fraudd.model.fit import FitConfig, FitSets, Fitted, fit, matrix
from fraudd.model.folds import FoldData, time_folds
from fraudd.model.protocol import DAY, EvalWindow, utc_timestamp
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
    features: tuple[str, ...] = ()
    """The features the model is fitted on, in the catalog's order; empty: every feature of the
    configured catalog."""

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
    baseline: BaselineCheck | None = None


def feature_names(frame: pd.DataFrame, config: TrainConfig) -> list[str]:
    """The columns of a training-features ``frame`` the model is fitted on (``config.features``,
    else every feature the frame holds); ValueError naming the first one the frame's catalog
    does not compute."""
    missing = [name for name in config.features if name not in frame.columns]
    if missing:
        raise ValueError(
            f"the configured feature catalog does not compute {missing[0]!r} "
            f"({len(missing)} of the {len(config.features)} features asked for)"
        )
    return list(config.features) or features_of(frame)


def _matrix(frame: pd.DataFrame, config: TrainConfig) -> Any:
    names = feature_names(frame, config)
    x = frame.loc[:, names].to_numpy(np.float32)
    return matrix(x, frame["is_fraud"].to_numpy(), names, config.fit.n_jobs)


def _folds(full: pd.DataFrame, config: TrainConfig) -> list[FoldData]:
    """The folds of :mod:`.folds` that have frauds to fit on and to validate on."""
    out = []
    times = full["tx_time"]
    for fold in time_folds(config.val_start, config.fit.folds, config.val_days, config.delay_days):
        fit_rows = full[times < fold.fit_end]
        val_rows = full[(times >= fold.val_start) & (times < fold.val_end)]
        val_frauds = int(val_rows["is_fraud"].sum())
        if fit_rows["is_fraud"].sum() > 0 and val_frauds > 0:
            out.append(
                FoldData(fold, _matrix(fit_rows, config), _matrix(val_rows, config), val_frauds)
            )
    return out


def train_frame(frame: pd.DataFrame, config: TrainConfig) -> TrainedModel:
    """Fit, validate, check against the baseline and choose thresholds on a training-features
    frame (pure, no database)."""
    config.check()
    times = frame["tx_time"]
    full = frame[(times >= config.start) & (times < config.end)]
    fit_rows = full[full["tx_time"] < config.fit_end]
    val_rows = full[full["tx_time"] >= config.val_start]
    if fit_rows["is_fraud"].sum() == 0 or val_rows["is_fraud"].sum() == 0:
        raise ValueError("the fit and validation windows both need labelled frauds")
    sets = FitSets(
        _folds(full, config),
        _matrix(fit_rows, config),
        _matrix(val_rows, config),
        _matrix(full, config),
    )
    fitted = fit(sets, config.fit)
    window = EvalWindow(config.val_start, config.val_days, config.delay_days)
    frauds = full.loc[full["is_fraud"] > 0, ["tx_time", "card_token"]]
    validation, _ = evaluate_scores(val_rows, fitted.val_scores, frauds, window)
    baseline = (  # a catalog without the Handbook's features has no baseline to beat
        check_baseline(fit_rows, val_rows, fitted.val_scores, frauds, window, config.fit.n_jobs)
        if set(HANDBOOK_FEATURES) <= set(full.columns)
        else None
    )
    thresholds = choose_thresholds(
        fitted.val_scores, val_rows["is_fraud"].to_numpy(), config.val_days, config.targets
    )
    metadata = _metadata(config, fitted, thresholds, validation, full, fit_rows, val_rows)
    metadata["baseline"] = None if baseline is None else baseline.as_dict()
    return TrainedModel(fitted, thresholds, validation, val_rows, metadata, baseline)


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
        "features": feature_names(full, config),
        "training_window": _window_metadata(config),
        "hyperparameters": config.fit.as_dict() | {"rounds": fitted.rounds},
        "xgboost_params": fitted.params,
        "rounds_choice": fitted.choice,
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
    rule_says, info = activation_rule(trained, await session.active_model())
    chosen = rule_says if activate is None else activate
    trained.metadata["activation"] = info | {"activated": chosen, "forced": activate is not None}
    model = NewModel("local", artifact_bytes(trained.fitted), trained.metadata)
    record = await session.register_model(model, activate=chosen)
    log.info("model.trained", version=record.version, activated=chosen, **info)
    return record, trained
