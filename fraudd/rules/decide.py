"""A compiled rule set over a batch: each rule's mask, and the decision combined with the model's.

Combination, per transaction (as the fixed rules of :mod:`fraudd.scoring.rules` do today):

1. an approve rule that matches wins: approve, whatever the model or any other rule says;
2. else a block rule that matches blocks;
3. else the model's decision, made at least ``review`` by a matching review rule.

Approve and block by a rule are *final* (the model cannot change them). A matching rule's score
adjustment is added to the model's score (clipped to [0, 1]) before the model's thresholds are
applied, so an adjustment can push a transaction over a threshold; only approve rules may have a
negative adjustment. Each row lists the rules that matched in the order they take precedence:
approve rules, block rules, review rules, each by priority (highest first), then name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from fraudd.rules.check import Schema
from fraudd.rules.model import Rule, RuleSet, conditions
from fraudd.rules.nodes import Scalar, Type
from fraudd.rules.vector import Batch, compile_condition
from fraudd.scoring.verdict import DECISION_RANK, Decision

SCORE = "score"
"""The model's score: an input every rule may read (missing when no model scores)."""
PRECEDENCE: dict[Decision, int] = {"approve": 0, "block": 1, "review": 2}
DECISIONS: tuple[Decision, ...] = ("approve", "review", "block")
Thresholds = Callable[[np.ndarray], Sequence[Decision]]
"""Scores → the model's decisions (:func:`fraudd.scoring.decision.decide` with thresholds)."""


@dataclass(frozen=True)
class Outcomes:
    """A batch's outcome: per rule its mask, per row the decision, the score, whether a rule
    decided it alone (``final``), and which rules matched."""

    rules: tuple[Rule, ...]
    masks: np.ndarray
    decision_rank: np.ndarray
    score: np.ndarray
    final: np.ndarray

    def mask(self, name: str) -> np.ndarray:
        """Where the rule ``name`` matched."""
        return self.masks[[r.name for r in self.rules].index(name)]

    @property
    def decisions(self) -> list[Decision]:
        """Each row's decision."""
        return [DECISIONS[r] for r in self.decision_rank.tolist()]

    @cached_property
    def matched(self) -> list[tuple[str, ...]]:
        """Each row's matched rules, in order of precedence."""
        if self.masks.shape[1] == 0:
            return []
        rows, columns = np.nonzero(self.masks.T)
        names = np.array([r.name for r in self.rules] or [""], dtype=object)[columns]
        cuts = np.searchsorted(rows, np.arange(1, self.masks.shape[1]))
        return [tuple(group) for group in np.split(names, cuts)]


class CompiledRuleSet:
    """A rule set checked against ``schema`` and compiled, ready for batches.

    ``lists`` replaces the set's named lists' values (lists are maintained apart from the
    rules); their types stay those the set declares. A refused rule raises
    :class:`fraudd.rules.model.RuleSetError`.
    """

    def __init__(
        self,
        rule_set: RuleSet,
        schema: Schema,
        lists: Mapping[str, Sequence[Scalar]] | None = None,
    ) -> None:
        checked = conditions(rule_set, {**schema, SCORE: Type.NUMBER})
        values = rule_set.list_values(lists)
        self.schema: Schema = {**schema, SCORE: Type.NUMBER}
        self.rules = tuple(sorted(rule_set.rules, key=_precedence))
        self._conditions = [compile_condition(checked[r.name], values) for r in self.rules]
        self._outcome = {
            d: np.array([r.outcome == d for r in self.rules], dtype=bool) for d in DECISIONS
        }
        self._adjust = np.array([r.score_adjustment for r in self.rules], dtype=np.float64)

    def masks(self, columns: Mapping[str, Any]) -> np.ndarray:
        """Where each rule matched: a boolean (rules × rows) array, rules in :attr:`rules`
        order; ``columns``: name → array or Series, one per input the rules read."""
        batch = Batch(columns, self.schema)
        out = np.zeros((len(self.rules), batch.size), dtype=bool)
        for row, condition in zip(out, self._conditions, strict=True):
            row[:] = batch.mask(condition(batch))
        return out

    def evaluate(
        self,
        columns: Mapping[str, Any],
        scores: np.ndarray | None = None,
        thresholds: Thresholds | None = None,
    ) -> Outcomes:
        """Every rule over the batch, combined with the model's ``scores`` (read by rules as
        ``score``) and ``thresholds``; without ``thresholds`` the rules decide alone."""
        size = len(next(iter(columns.values()))) if columns else 0
        # Without a model the score is missing: a rule on it is unknown, so it does not match.
        raw = np.full(size, np.nan) if scores is None else np.asarray(scores, dtype=np.float64)
        masks = self.masks({**columns, SCORE: raw})
        score = np.clip(np.nan_to_num(raw) + self._adjust @ masks, 0.0, 1.0)
        model = _ranks(thresholds(score)) if thresholds else np.zeros(len(score), np.int8)
        return self._combine(masks, model, score)

    def _combine(self, masks: np.ndarray, model: np.ndarray, score: np.ndarray) -> Outcomes:
        approve, review, block = (masks[self._outcome[d]].any(axis=0) for d in DECISIONS)
        reviewed = np.maximum(model, np.where(review, DECISION_RANK["review"], 0))
        rank = np.where(approve, 0, np.where(block, DECISION_RANK["block"], reviewed))
        return Outcomes(self.rules, masks, rank, score, approve | block)


def _precedence(rule: Rule) -> tuple[int, int, str]:
    return PRECEDENCE[rule.outcome], -rule.priority, rule.name


def _ranks(decisions: Sequence[Decision]) -> np.ndarray:
    return np.array([DECISION_RANK[d] for d in decisions], dtype=np.int8)
