"""A backtest's figures: each rule set's outcome judged against the labels known today, and what
changes from the live set to the draft (the replay itself is :mod:`fraudd.backtest.replay`).

An *alert* is a review or a block (what the consumer publishes); a fraud is *caught* when it is
alerted. Precision is the share of alerts that are fraud, recall the share of frauds alerted; both
are ``None`` when there is nothing to divide by. The model's own decisions (its thresholds on its
unadjusted scores) are judged the same way, and each set's alerts are split by whether the model
alone would have alerted them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import structlog

from fraudd.backtest.replay import BLOCK, REVIEW, History, read_history, replay
from fraudd.model.commands import BATCH_JOB_TIMEOUT_S
from fraudd.rules.decide import DECISIONS, CompiledRuleSet, Outcomes
from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Catch:
    """Alerts and blocks, and how much fraud they caught."""

    alerts: int
    blocks: int
    frauds_caught: int
    precision: float | None
    recall: float | None
    fraud_amount_caught: float


@dataclass(frozen=True)
class Day:
    """One day's alerts and blocks."""

    day: str
    alerts: int
    blocks: int


@dataclass(frozen=True)
class RuleFigures:
    """One rule over the history: where it matched, the frauds among its matches, and how many
    of them the model alone alerted (``with_model``) or let through (``without_model``)."""

    name: str
    outcome: str
    priority: int
    matches: int
    matches_per_day: list[int]
    frauds: int
    precision: float | None
    recall: float | None
    fraud_amount: float
    with_model: int
    without_model: int


@dataclass(frozen=True)
class Overlap:
    """A set's alerts against the model's own: alerted by both, by the policy only (the rules
    added them), by the model only (an approve rule took them back)."""

    both: int
    policy_only: int
    policy_only_frauds: int
    model_only: int
    model_only_frauds: int


@dataclass(frozen=True)
class Judged:
    """One rule set's outcome over the history."""

    total: Catch
    per_day: list[Day]
    rules: list[RuleFigures]
    overlap: Overlap


@dataclass(frozen=True)
class Changes:
    """From the live set to the draft: the transactions and cards whose decision differs, by
    change, and the frauds and fraud amount alerted that were not, or no longer are."""

    transactions: int
    cards: int
    by_change: dict[str, int]
    newly_alerted: int
    newly_alerted_frauds: int
    no_longer_alerted: int
    no_longer_alerted_frauds: int
    fraud_amount_gained: float
    fraud_amount_lost: float


def catch(history: History, alerted: np.ndarray, blocked: np.ndarray) -> Catch:
    """Alerts and blocks (boolean masks over the history) judged against the labels."""
    caught = alerted & history.fraud
    alerts, frauds = int(alerted.sum()), int(history.fraud.sum())
    return Catch(alerts, int(blocked.sum()), int(caught.sum()), _share(caught.sum(), alerts),
                 _share(caught.sum(), frauds), _money(history.amount[caught]))  # fmt: skip


def judge(history: History, outcomes: Outcomes) -> Judged:
    """A rule set's outcomes (:func:`fraudd.backtest.replay.replay`) over ``history``."""
    rank, model = outcomes.decision_rank, history.model_ranks() >= REVIEW
    alerted, blocked = rank >= REVIEW, rank == BLOCK
    days = [
        Day(day.isoformat(), int(a), int(b))
        for day, a, b in zip(history.days, _per_day(history, alerted),
                             _per_day(history, blocked), strict=True)
    ]  # fmt: skip
    rules = [_rule(history, outcomes, i, model) for i in range(len(outcomes.rules))]
    return Judged(catch(history, alerted, blocked), days, rules, _overlap(history, alerted, model))


def model_alone(history: History) -> Catch | None:
    """The model's own decisions judged, or None without a model."""
    if history.model is None:
        return None
    rank = history.model_ranks()
    return catch(history, rank >= REVIEW, rank == BLOCK)


def changes(history: History, live: Outcomes, draft: Outcomes) -> Changes:
    """What the draft decides differently from the live set."""
    before, after = live.decision_rank, draft.decision_rank
    changed = before != after
    gained = (after >= REVIEW) & (before < REVIEW)
    lost = (before >= REVIEW) & (after < REVIEW)
    pairs = zip(before[changed].tolist(), after[changed].tolist(), strict=True)
    by_change: dict[str, int] = {}
    for b, a in pairs:
        key = f"{DECISIONS[b]} -> {DECISIONS[a]}"
        by_change[key] = by_change.get(key, 0) + 1
    fraud = history.fraud
    return Changes(int(changed.sum()), len(set(history.card[changed].tolist())),
                   dict(sorted(by_change.items())), int(gained.sum()), int((gained & fraud).sum()),
                   int(lost.sum()), int((lost & fraud).sum()),
                   _money(history.amount[gained & fraud]),
                   _money(history.amount[lost & fraud]))  # fmt: skip


def as_dict(value: Any) -> Any:
    """A figure (a dataclass above, or a list of them) as JSON-ready data."""
    if isinstance(value, list):
        return [as_dict(v) for v in value]
    return asdict(value) if value is not None else None


def _rule(history: History, outcomes: Outcomes, index: int, model: np.ndarray) -> RuleFigures:
    rule, matched = outcomes.rules[index], outcomes.masks[index]
    frauds = matched & history.fraud
    count, total_frauds = int(matched.sum()), int(history.fraud.sum())
    return RuleFigures(rule.name, rule.outcome, rule.priority, count,
                       _per_day(history, matched).tolist(), int(frauds.sum()),
                       _share(frauds.sum(), count), _share(frauds.sum(), total_frauds),
                       _money(history.amount[frauds]), int((matched & model).sum()),
                       int((matched & ~model).sum()))  # fmt: skip


def _overlap(history: History, alerted: np.ndarray, model: np.ndarray) -> Overlap:
    policy_only, model_only = alerted & ~model, model & ~alerted
    return Overlap(int((alerted & model).sum()), int(policy_only.sum()),
                   int((policy_only & history.fraud).sum()), int(model_only.sum()),
                   int((model_only & history.fraud).sum()))  # fmt: skip


def _per_day(history: History, mask: np.ndarray) -> np.ndarray:
    return np.bincount(history.day[mask], minlength=len(history.days))


def _share(part: Any, whole: int) -> float | None:
    return None if whole == 0 else round(float(part) / whole, 4)


def _money(amounts: np.ndarray) -> float:
    return round(float(amounts.sum()), 2)


def report(
    history: History, live: Outcomes, draft: Outcomes | None, sources: dict[str, str]
) -> dict[str, Any]:
    """The whole backtest as JSON-ready data: the range, the model, each set, the changes."""
    model = history.model
    return {
        "from": history.start.isoformat(),
        "to": history.end.isoformat(),
        "days": len(history.days),
        "transactions": history.size,
        "frauds": int(history.fraud.sum()),
        "fraud_amount": _money(history.amount[history.fraud]),
        "model": None if model is None else {
            "version": model.version, **model.thresholds.as_dict(),
            "trained_until": model.trained_until, "trained_on_this_range": model.overlaps,
            "alone": as_dict(model_alone(history)),
        },
        "live": {"source": sources["live"], **asdict(judge(history, live))},
        "draft": None if draft is None
        else {"source": sources["draft"], **asdict(judge(history, draft))},
        "changes": None if draft is None else asdict(changes(history, live, draft)),
    }  # fmt: skip


def batch_job(settings: Settings) -> Settings:
    """The settings of a read of weeks of history: the statement timeout of a batch job
    (:data:`fraudd.model.commands.BATCH_JOB_TIMEOUT_S`), not the consumer's."""
    timeout = max(settings.warehouse.statement_timeout_s, BATCH_JOB_TIMEOUT_S)
    return settings.derive(warehouse={"statement_timeout_s": timeout})


async def backtest(
    settings: Settings,
    start: dt.date,
    end: dt.date,
    sets: dict[str, CompiledRuleSet],
    sources: dict[str, str],
) -> dict[str, Any] | None:
    """The backtest of ``sets`` (``live``, and ``draft`` when given) over the days ``start`` to
    ``end`` as :func:`report` gives it, on a warehouse of its own opened with a batch job's
    timeout; None when the warehouse holds no transaction of those days."""
    async with opened_warehouse(batch_job(settings)) as wh:
        history = await read_history(wh, settings, start, end)
    if history.size == 0:
        return None
    outcomes = {name: replay(compiled, history) for name, compiled in sets.items()}
    log.info("rules.backtested", start=str(start), end=str(end), transactions=history.size)
    return report(history, outcomes["live"], outcomes.get("draft"), sources)
