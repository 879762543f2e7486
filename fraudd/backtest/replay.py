"""A backtest: the combined policy — a rule set and the active model's thresholds — replayed
over labelled history, for the live rule set and a draft, compared.

What the policy reads is what it would have read at each transaction's time (DESIGN.md
invariant 6, the training path's guarantee), by the names the consumer's rules read
(:func:`fraudd.rules.inputs.rule_schema`): the configured catalog's features are the training
rows' (:meth:`fraudd.warehouse.Session.training_rows`, terminal frauds counted only once their
label was known), the record's fields (the declared ones included) and the card's velocity only
swipes up to the transaction (:meth:`fraudd.warehouse.Session.backtest_records`). The label is
not an input rules may read; it is read only to judge the outcome, as known today (a missing
label counts as genuine).

Counted, for each rule set (:class:`Judged`): alerts (review or block) and blocks in total and per
day; precision, recall and fraud amount caught against the labels; per rule its matches, their
frauds, the fraud amount and how many of them the model alone would have flagged. Between the two
sets (:class:`Changes`): the transactions and cards whose decision changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fraudd.features import CatalogMismatch, refusal, training_features_parallel
from fraudd.model.record import ModelRecord
from fraudd.rules.decide import CompiledRuleSet, Outcomes
from fraudd.rules.inputs import rule_schema
from fraudd.rules.model import RuleSet
from fraudd.scoring.decision import decide
from fraudd.scoring.local import LocalScorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import DECISION_RANK, Decision
from fraudd.settings import Settings
from fraudd.warehouse import BACKTEST_COLUMNS, Warehouse

REVIEW, BLOCK = DECISION_RANK["review"], DECISION_RANK["block"]
READ_PARTS = 2
"""Consecutive parts of the range whose training rows are read at once, on as many sessions."""


@dataclass(frozen=True)
class Model:
    """The active model a backtest replays: its version, thresholds and whether it was trained
    on part of the range (its scores there are in-sample, so better than they would have been)."""

    version: int
    thresholds: Thresholds
    trained_until: str | None
    overlaps: bool


@dataclass(frozen=True)
class History:
    """The labelled transactions of a range: the columns rules read, and what judging needs."""

    start: dt.date
    end: dt.date
    columns: dict[str, Any]
    card: np.ndarray
    day: np.ndarray
    """Each transaction's day as an index from ``start`` (0, 1, ...)."""
    amount: np.ndarray
    fraud: np.ndarray
    score: np.ndarray | None
    model: Model | None

    @property
    def size(self) -> int:
        return len(self.fraud)

    @property
    def days(self) -> list[dt.date]:
        """Every day of the range, those without transactions included."""
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def model_ranks(self) -> np.ndarray:
        """The model's own decisions (0 approve, 1 review, 2 block); all approve without one."""
        if self.score is None or self.model is None:
            return np.zeros(self.size, dtype=np.int8)
        return _ranks(decide(self.score, self.model.thresholds))


async def read_history(
    warehouse: Warehouse, settings: Settings, start: dt.date, end: dt.date
) -> History:
    """The transactions of the days ``start`` to ``end`` (both included, UTC), their point-in-time
    inputs, today's labels and the active model's scores (none without a ``local`` model).

    The reads run at once on pooled sessions (:data:`READ_PARTS` for the training rows, one for
    the records): each query is single-threaded in the warehouse."""
    first, after = _midnight(start), _midnight(end + dt.timedelta(days=1))
    frame, records, record = await asyncio.gather(
        training_features_parallel(warehouse, first, after, parts=READ_PARTS),
        _records(warehouse, settings, first, after),
        _active_model(warehouse),
    )
    score, model = _scores(record, settings, frame, first)
    # a record field wins over a feature of its name, as in the consumer (rules.inputs);
    # a left join keeps the rows aligned with the scores
    shadowed = [c for c in records.columns if c != "tx_id" and c in frame.columns]
    frame = frame.drop(columns=shadowed).merge(
        records, on="tx_id", how="left", validate="one_to_one"
    )
    return History(start, end, _columns(frame, settings),
                   frame["card_token"].to_numpy(dtype=object),
                   _day_index(frame["tx_time"], first), frame["amount"].to_numpy(np.float64),
                   frame["is_fraud"].to_numpy(dtype=bool), score, model)  # fmt: skip


def _day_index(times: pd.Series, first: dt.datetime) -> np.ndarray:
    """Each transaction's day, counted from the first (0, 1, ...)."""
    return ((times - pd.Timestamp(first)) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _columns(frame: pd.DataFrame, settings: Settings) -> dict[str, Any]:
    columns: dict[str, Any] = {n: frame[n] for n in rule_schema(settings) if n in frame}
    columns["velocity"] = frame["velocity"].to_numpy(dtype=np.float64)
    # not stored with a transaction: the producer's clock, missing for every past swipe
    columns["produced_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return columns


async def _records(
    warehouse: Warehouse, settings: Settings, first: dt.datetime, after: dt.datetime
) -> pd.DataFrame:
    """The record fields (built-in, then the declared ones) and velocity of the range."""
    async with warehouse.session() as session:
        rows = await session.backtest_records(first, after, settings.rules.velocity_window_s)
    own = [f.name for f in settings.fields.declared]
    return pd.DataFrame(rows, columns=[*BACKTEST_COLUMNS, *own])


async def _active_model(warehouse: Warehouse) -> ModelRecord | None:
    async with warehouse.session() as session:
        return await session.active_model()


def _scores(
    record: ModelRecord | None, settings: Settings, frame: pd.DataFrame, first: dt.datetime
) -> tuple[np.ndarray | None, Model | None]:
    """The active ``local`` model's scores of the rows, and the model; none without one.
    :class:`CatalogMismatch` when it was trained with another catalog than the configured one
    (the consumer refuses to serve it too)."""
    if record is None or record.backend != "local" or record.artifact is None:
        return None, None
    catalog = settings.features.selected()
    why = refusal(record, catalog)
    if why is not None:
        raise CatalogMismatch(why)
    thresholds = record.thresholds.configured(settings.scoring)
    scorer = LocalScorer(record, reason_codes=0, n_jobs=1, thresholds=thresholds, catalog=catalog)
    try:
        scores = scorer.score_sync(frame[list(catalog.features)].to_numpy(np.float64)).scores
    finally:
        scorer.close()
    until = record.metadata.get("training_window", {}).get("end")
    return scores, Model(record.version, thresholds, until, _after(until, first))


def _after(instant: str | None, first: dt.datetime) -> bool:
    """Whether the ISO instant (naive: UTC) is after ``first``; False when there is none."""
    if instant is None:
        return False
    parsed = dt.datetime.fromisoformat(instant)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)) > first


def compile_rules(rule_set: RuleSet, settings: Settings) -> CompiledRuleSet:
    """The rule set checked against what the consumer under ``settings`` reads
    (:func:`fraudd.rules.inputs.rule_schema`), or :class:`fraudd.rules.RuleSetError` in one
    line."""
    return CompiledRuleSet(rule_set, rule_schema(settings))


def replay(compiled: CompiledRuleSet, history: History) -> Outcomes:
    """The rule set combined with the model's scores and thresholds over the whole history."""
    model = history.model

    def thresholds(scores: np.ndarray) -> Sequence[Decision]:
        assert model is not None
        return decide(scores, model.thresholds)

    use = thresholds if model is not None and history.score is not None else None
    return compiled.evaluate(history.columns, history.score, use)


def _ranks(decisions: Sequence[Decision]) -> np.ndarray:
    return np.array([DECISION_RANK[d] for d in decisions], dtype=np.int8)
