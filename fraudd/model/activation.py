"""Whether a newly trained model may replace the active one.

Two rules, both on data the new model was not fitted on: it must not be worse than the active
model (:func:`compare_with_active`), and it must beat the plain baseline on its held-out week
(:mod:`.baseline`). A model that fails either is registered but kept inactive, with the reason in
its metadata; ``fraudd train --force-activate`` overrides both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fraudd.features import features_of
from fraudd.model.protocol import pooled_scores
from fraudd.model.record import ModelRecord

if TYPE_CHECKING:
    from fraudd.model.train import TrainedModel


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


def activation_rule(
    trained: TrainedModel, active: ModelRecord | None
) -> tuple[bool, dict[str, Any]]:
    """Both rules: not worse than ``active``, and not worse than the baseline."""
    better, info = compare_with_active(trained, active)
    baseline = trained.baseline
    if baseline is not None and not baseline.passed:
        return False, info | {"reason": "held-out AP below the plain baseline: kept inactive"}
    return better, info


def refusal_line(record: ModelRecord) -> str | None:
    """What ``fraudd train`` says when the baseline rule kept ``record`` inactive (None when it
    did not): one line, with what to do."""
    check = record.metadata.get("baseline") or {}
    if record.active or check.get("passed", True):
        return None
    return (
        f"model {record.version} registered but not activated: its held-out Average Precision "
        f"{check['model_ap']:.4f} is below the plain baseline's {check['baseline_ap']:.4f} "
        f"({check['baseline']}): inspect it with `fraudd evaluate --version {record.version}`, "
        f"then `fraudd model activate {record.version}` or train with --force-activate to use it "
        "anyway"
    )
