"""``fraudd evaluate --report DIR``: PNG plots and a Markdown summary of one evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

from fraudd.model.evaluate import Evaluation

PLOTS = ("pr_curve.png", "roc_curve.png", "score_distribution.png", "card_precision_per_day.png")
BREAKDOWN_PLOTS = ("recall_per_scenario.png", "feature_importance.png", "friction.png")
"""Written when the evaluation has them (a model evaluation with frauds; scenarios: when the
labels carry them)."""


def _axes() -> tuple[Figure, Axes]:
    # A bare Figure renders with Agg and touches no global pyplot state (no display needed).
    fig = Figure(figsize=(5, 4))
    return fig, fig.subplots()


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _pr(labels: np.ndarray, scores: np.ndarray, ev: Evaluation, path: Path) -> None:
    precision, recall, _ = precision_recall_curve(labels, scores)
    fig, ax = _axes()
    ax.plot(recall, precision)
    ax.axhline(labels.mean(), linestyle="--", color="grey", label="fraud rate")
    ax.set(
        xlabel="recall",
        ylabel="precision",
        title=f"Precision-recall (AP {ev.average_precision:.3f})",
    )
    ax.legend()
    _save(fig, path)


def _roc(labels: np.ndarray, scores: np.ndarray, ev: Evaluation, path: Path) -> None:
    fpr, tpr, _ = roc_curve(labels, scores)
    fig, ax = _axes()
    ax.plot(fpr, tpr)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title=f"ROC (AUC {ev.auc_roc:.3f})",
    )
    _save(fig, path)


def _distribution(labels: np.ndarray, scores: np.ndarray, path: Path) -> None:
    fig, ax = _axes()
    bins = np.linspace(0, 1, 51).tolist()
    for value, name in ((0, "genuine"), (1, "fraud")):
        ax.hist(scores[labels == value], bins=bins, alpha=0.6, density=True, label=name)
    ax.set(xlabel="score", ylabel="density (log)", yscale="log", title="Scores by class")
    ax.legend()
    _save(fig, path)


def _per_day(ev: Evaluation, path: Path) -> None:
    fig, ax = _axes()
    days = np.arange(len(ev.card_precision_per_day))
    ax.bar(days, ev.card_precision_per_day)
    ax.axhline(ev.card_precision_at_100, linestyle="--", color="grey", label="mean")
    ax.set(xlabel="test day", ylabel="card precision@100", title="Card Precision@100 per day")
    ax.legend()
    _save(fig, path)


def _scenarios(ev: Evaluation, path: Path) -> None:
    fig, ax = _axes()
    names = [f"scenario {r['scenario']}\n({r['frauds']} frauds)" for r in ev.recall_per_scenario]
    x = np.arange(len(names))
    ax.bar(x - 0.2, [r["recall"] for r in ev.recall_per_scenario], 0.4, label="caught")
    ax.bar(x + 0.2, [r["declined_recall"] for r in ev.recall_per_scenario], 0.4, label="declined")
    ax.set_xticks(x, names)
    ax.set(ylabel="recall", ylim=(0, 1), title="Recall per fraud scenario")
    ax.legend()
    _save(fig, path)


def _importance(ev: Evaluation, path: Path) -> None:
    rows = ev.feature_importance[::-1]  # the most important at the top
    fig = Figure(figsize=(8, 0.25 * len(rows) + 1.5))
    gain_ax, reason_ax = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(rows))
    gain_ax.barh(y, [f["gain_share"] for f in rows])
    gain_ax.set_yticks(y, [f["name"] for f in rows], fontsize=7)
    gain_ax.set(xlabel="share of total gain", title="Feature importance")
    reason_ax.barh(y, [f["top_reason_share"] for f in rows], color="tab:orange")
    reason_ax.set(xlabel="share of alerts", title="Among the top reasons")
    _save(fig, path)


def _friction(ev: Evaluation, path: Path) -> None:
    f = ev.friction or {}
    labels = ["legit reviewed\nper fraud caught", "legit declined\nper fraud caught"]
    values = [f.get("legit_reviewed_per_fraud_caught"), f.get("legit_declined_per_fraud_caught")]
    fig = Figure(figsize=(8, 4))
    per_fraud, cards = fig.subplots(1, 2)
    per_fraud.bar(labels, [v or 0.0 for v in values])
    per_fraud.set(title="Friction per fraud caught")
    blocked, without = f.get("cards_blocked", 0), f.get("cards_blocked_without_fraud", 0)
    cards.bar(
        ["with fraud", "without fraud"],
        [blocked - without, without],
        color=["tab:green", "tab:red"],
    )
    cards.set(ylabel="cards", title=f"Cards blocked ({blocked})")
    _save(fig, path)


def _breakdown_markdown(ev: Evaluation) -> str:
    """Tables of recall per scenario, friction and feature importance (empty when absent)."""
    parts = []
    if ev.recall_per_scenario:
        rows = "".join(
            f"| {r['scenario']} | {r['frauds']} | {r['recall']:.3f} "
            f"| {r['declined_recall']:.3f} |\n"
            for r in ev.recall_per_scenario
        )
        parts.append("| scenario | frauds | recall | declined |\n|---|---|---|---|\n" + rows)
    if ev.friction:
        parts.append(
            "| friction | value |\n|---|---|\n"
            + "".join(f"| {k.replace('_', ' ')} | {_num(v)} |\n" for k, v in ev.friction.items())
        )
    if ev.feature_importance:
        rows = "".join(
            f"| {f['name']} | {f['gain']:.2f} | {f['gain_share']:.3f} "
            f"| {f['top_reason_share']:.3f} |\n"
            for f in ev.feature_importance
        )
        parts.append(
            "| feature | gain | gain share | top-reason share |\n|---|---|---|---|\n" + rows
        )
    return "\n".join(parts)


def _num(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def summary_markdown(ev: Evaluation) -> str:
    """The summary page."""
    days = "\n".join(f"| {i} | {value:.2f} |" for i, value in enumerate(ev.card_precision_per_day))
    return (
        f"# Evaluation of model {ev.model_version}\n\n"
        f"Test period: {ev.test_days} days from {ev.test_start}; delay {ev.delay_days} days; "
        f"known-compromised cards from the {ev.known_days} days before the delay removed "
        f"({ev.n_removed_known} transactions).\n\n"
        "| metric | value |\n|---|---|\n"
        f"| AUC ROC | {ev.auc_roc:.4f} |\n"
        f"| Average Precision | {ev.average_precision:.4f} |\n"
        f"| Card Precision@100 | {ev.card_precision_at_100:.4f} |\n"
        f"| transactions | {ev.n_transactions} |\n"
        f"| frauds | {ev.n_frauds} |\n"
        f"| cards | {ev.n_cards} |\n\n"
        "| test day | CP@100 |\n|---|---|\n"
        f"{days}\n\n{_breakdown_markdown(ev)}\n"
        + "".join(f"![{name}]({name})\n" for name in (*PLOTS, *_breakdown_plots(ev)))
    )


def _breakdown_plots(ev: Evaluation) -> list[str]:
    """The breakdown plots this evaluation has data for."""
    present = (bool(ev.recall_per_scenario), bool(ev.feature_importance), ev.friction is not None)
    return [name for name, ok in zip(BREAKDOWN_PLOTS, present, strict=True) if ok]


def write_report(directory: Path, evaluation: Evaluation, scored: pd.DataFrame) -> list[Path]:
    """Write the plots and ``summary.md`` into ``directory``; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    labels = scored["is_fraud"].to_numpy()
    scores = scored["score"].to_numpy()
    paths = [directory / name for name in PLOTS]
    _pr(labels, scores, evaluation, paths[0])
    _roc(labels, scores, evaluation, paths[1])
    _distribution(labels, scores, paths[2])
    _per_day(evaluation, paths[3])
    draw = {
        BREAKDOWN_PLOTS[0]: _scenarios,
        BREAKDOWN_PLOTS[1]: _importance,
        BREAKDOWN_PLOTS[2]: _friction,
    }
    for name in _breakdown_plots(evaluation):
        draw[name](evaluation, directory / name)
        paths.append(directory / name)
    summary = directory / "summary.md"
    summary.write_text(summary_markdown(evaluation), encoding="utf-8")
    (directory / "evaluation.json").write_text(evaluation.as_json(), encoding="utf-8")
    return [*paths, summary, directory / "evaluation.json"]
