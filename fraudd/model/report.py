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
        f"{days}\n\n" + "".join(f"![{name}]({name})\n" for name in PLOTS)
    )


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
    summary = directory / "summary.md"
    summary.write_text(summary_markdown(evaluation), encoding="utf-8")
    (directory / "evaluation.json").write_text(evaluation.as_json(), encoding="utf-8")
    return [*paths, summary, directory / "evaluation.json"]
