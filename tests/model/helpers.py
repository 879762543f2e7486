"""A small model over FEATURES (the built-in catalog's, which it records) whose fraud signal is
known: fraud when the amount is far above the card's 30-day average."""

from __future__ import annotations

import datetime as dt

import numpy as np
import xgboost as xgb

from fraudd.feature_catalog import built_in
from fraudd.features import FEATURES, catalog_metadata
from fraudd.model.record import ModelRecord

RATIO = FEATURES.index("amount_ratio_30d")


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows (NaN sprinkled in) and labels: fraud iff amount_ratio_30d > 3."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(FEATURES))) * 2
    x[:, RATIO] = rng.exponential(1.0, n)
    x[rng.random((n, len(FEATURES))) < 0.02] = np.nan
    x[:, RATIO] = np.nan_to_num(x[:, RATIO], nan=1.0)
    return x, (x[:, RATIO] > 3).astype(np.int8)


def record(thresholds: dict[str, float | None], version: int = 7) -> ModelRecord:
    """A registered-looking local model trained on :func:`synthetic` data."""
    x, y = synthetic(4000)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "nthread": 2, "seed": 0},
        xgb.DMatrix(x.astype(np.float32), label=y, feature_names=list(FEATURES)),
        num_boost_round=30,
    )
    return ModelRecord(
        version=version,
        backend="local",
        created_at=dt.datetime.now(dt.UTC),
        active=True,
        activated_at=None,
        artifact=bytes(booster.save_raw(raw_format="ubj")),
        metadata={
            "features": list(FEATURES),
            "thresholds": thresholds,
            "catalog": catalog_metadata(built_in()),
        },
    )
