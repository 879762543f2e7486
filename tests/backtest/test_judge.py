"""Judging a backtest (fraudd/backtest/judge.py) on a history built in memory, with a model: its
own decisions, and each set's alerts split by whether the model alone alerted them — an approve
rule takes alerts back from the model, a review rule adds some. (Over a history read from the
warehouse: tests/backtest/test_replay.py.)"""

from __future__ import annotations

import datetime as dt

import numpy as np

from fraudd.backtest.judge import catch, changes, judge, model_alone
from fraudd.backtest.replay import History, Model
from fraudd.rules import CompiledRuleSet, Outcomes, Type, load_rule_set
from fraudd.scoring.decision import decide
from fraudd.scoring.thresholds import Thresholds

THRESHOLDS = Thresholds(review=0.5, block=0.9)
RULES = """
[lists.trusted]
type = "string"
values = ["card-t"]

[[rules]]
name = "trusted"
description = "a trusted card"
when = "card_token in @trusted"
outcome = "approve"

[[rules]]
name = "large"
description = "a large amount"
when = "amount >= 100"
outcome = "review"
"""


def history() -> History:
    """Six transactions over two days: scores 0.1 to 0.95; card-t is trusted."""
    cards = np.array(["card-t", "card-t", "card-a", "card-a", "card-b", "card-b"], dtype=object)
    amount = np.array([10.0, 20.0, 150.0, 30.0, 40.0, 500.0])
    return History(
        start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2),
        columns={"card_token": cards, "amount": amount},
        card=cards, day=np.array([0, 0, 0, 1, 1, 1]), amount=amount,
        fraud=np.array([True, False, True, False, True, False]),
        score=np.array([0.95, 0.6, 0.1, 0.2, 0.7, 0.3]),
        model=Model(3, THRESHOLDS, None, False),
    )  # fmt: skip


def outcomes(text: str, h: History) -> Outcomes:
    compiled = CompiledRuleSet(
        load_rule_set(text), {"card_token": Type.STRING, "amount": Type.NUMBER}
    )
    return compiled.evaluate(h.columns, h.score, lambda s: decide(s, THRESHOLDS))


def test_the_models_own_decisions() -> None:
    alone = model_alone(history())
    # alerts: 0.95 (block, fraud), 0.6 (legit), 0.7 (fraud)
    assert alone is not None
    assert (alone.alerts, alone.blocks, alone.frauds_caught) == (3, 1, 2)
    assert (alone.precision, alone.recall, alone.fraud_amount_caught) == (0.6667, 0.6667, 50.0)


def test_alerts_split_by_the_model_and_each_rule_against_it() -> None:
    h = history()
    judged = judge(h, outcomes(RULES, h))
    # trusted approves rows 0 and 1 (both alerted by the model); large reviews 2 and 5
    assert (judged.total.alerts, judged.total.blocks, judged.total.frauds_caught) == (3, 0, 2)
    assert [(d.alerts, d.blocks) for d in judged.per_day] == [(1, 0), (2, 0)]
    o = judged.overlap
    assert (o.both, o.policy_only, o.policy_only_frauds, o.model_only, o.model_only_frauds) == (
        1, 2, 1, 2, 1)  # fmt: skip
    by_name = {r.name: r for r in judged.rules}
    assert (by_name["trusted"].matches, by_name["trusted"].with_model) == (2, 2)
    assert (by_name["large"].with_model, by_name["large"].without_model) == (0, 2)
    assert by_name["large"].recall == 0.3333 and by_name["large"].fraud_amount == 150.0


def test_changes_and_nothing_to_divide_by() -> None:
    h = history()
    without_trust = RULES.replace('values = ["card-t"]', "values = []")
    delta = changes(h, outcomes(RULES, h), outcomes(without_trust, h))
    assert (delta.transactions, delta.cards) == (2, 1)
    assert delta.by_change == {"approve -> block": 1, "approve -> review": 1}
    assert (delta.newly_alerted, delta.newly_alerted_frauds, delta.fraud_amount_gained) == (
        2, 1, 10.0)  # fmt: skip
    nothing = np.zeros(6, dtype=bool)
    empty = catch(h, nothing, nothing)
    assert (empty.alerts, empty.precision, empty.recall) == (0, None, 0.0)
