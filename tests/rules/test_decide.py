"""A compiled rule set over a batch: masks per rule and the decision combined with the model's."""

from __future__ import annotations

import numpy as np
import pytest

from fraudd.rules.decide import CompiledRuleSet
from fraudd.rules.model import RuleSetError, load_rule_set
from fraudd.rules.nodes import Type
from fraudd.scoring.decision import decide
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Decision

SCHEMA = {"amount": Type.NUMBER, "card_token": Type.STRING}
RULES = """
[lists.vip]
type = "string"
values = ["tok_vip"]

[lists.stolen]
type = "string"
values = ["tok_stolen"]

[[rules]]
name = "vip"
description = "a known good customer"
when = "card_token in @vip"
outcome = "approve"
score_adjustment = -0.5

[[rules]]
name = "stolen"
description = "reported stolen"
when = "card_token in @stolen"
outcome = "block"

[[rules]]
name = "large"
description = "large amount"
when = "amount >= 1000"
outcome = "review"
priority = 5

[[rules]]
name = "very_large"
description = "very large amount"
when = "amount >= 5000"
outcome = "review"
priority = 9
score_adjustment = 0.3

[[rules]]
name = "model_sure"
description = "the model is all but certain"
when = "score > 0.95 and amount > 0"
outcome = "block"
"""
CARDS = np.array(["tok_vip", "tok_stolen", "tok_a", "tok_b", "tok_c", "tok_vip"], dtype=object)
AMOUNTS = np.array([9000.0, 10.0, 10.0, 1500.0, 6000.0, 10.0])
THRESHOLDS = Thresholds(review=0.5, block=0.9)


def compiled() -> CompiledRuleSet:
    return CompiledRuleSet(load_rule_set(RULES), SCHEMA)


def model(scores: np.ndarray) -> list[Decision]:
    return decide(scores, THRESHOLDS)


def test_allow_wins_then_block_then_review_never_looser_than_the_model() -> None:
    scores = np.array([0.99, 0.1, 0.92, 0.1, 0.5, 0.2])
    out = compiled().evaluate({"card_token": CARDS, "amount": AMOUNTS}, scores, model)
    assert out.decisions == ["approve", "block", "block", "review", "review", "approve"]
    assert out.final.tolist() == [True, True, False, False, False, True]
    assert out.matched == [
        ("vip", "model_sure", "very_large", "large"), ("stolen",), (), ("large",),
        ("very_large", "large"), ("vip",),
    ]  # fmt: skip


def test_a_review_rule_never_lowers_a_model_block() -> None:
    scores = np.array([0.0, 0.0, 0.0, 0.93, 0.0, 0.0])
    out = compiled().evaluate({"card_token": CARDS, "amount": AMOUNTS}, scores, model)
    assert out.decisions[3] == "block" and out.matched[3] == ("large",)


def test_score_adjustments_add_clip_and_can_cross_a_threshold() -> None:
    scores = np.array([0.4, 0.1, 0.2, 0.1, 0.65, 0.2])
    out = compiled().evaluate({"card_token": CARDS, "amount": AMOUNTS}, scores, model)
    assert np.allclose(out.score, [0.2, 0.1, 0.2, 0.1, 0.95, 0.0])
    assert out.decisions[4] == "block"  # 0.65 + 0.3 crosses the block threshold


def test_the_model_score_is_an_input_and_missing_without_a_model() -> None:
    cols = {"card_token": CARDS, "amount": AMOUNTS}
    with_model = compiled().evaluate(cols, np.full(6, 0.97), model)
    assert with_model.mask("model_sure").tolist() == [True] * 6
    rules_only = compiled().evaluate(cols)
    assert not rules_only.mask("model_sure").any()
    assert rules_only.decisions == ["approve", "block", "approve", "review", "review", "approve"]


def test_named_lists_are_given_apart_from_the_rules() -> None:
    rule_set = load_rule_set(RULES)
    fresh = CompiledRuleSet(rule_set, SCHEMA, lists={"stolen": ["tok_a"]})
    out = fresh.evaluate({"card_token": CARDS, "amount": AMOUNTS})
    assert out.mask("stolen").tolist() == [False, False, True, False, False, False]


def test_a_list_given_apart_must_be_declared_and_of_its_type() -> None:
    rule_set = load_rule_set(RULES)
    with pytest.raises(RuleSetError, match=r"^lists.stolne: the rule set declares no such list$"):
        CompiledRuleSet(rule_set, SCHEMA, lists={"stolne": ["tok_a"]})
    with pytest.raises(RuleSetError, match=r"^lists.stolen.values: 7.0 is not a string$"):
        CompiledRuleSet(rule_set, SCHEMA, lists={"stolen": [7]})


def test_an_empty_batch_and_an_empty_rule_set() -> None:
    empty = compiled().evaluate({"card_token": CARDS[:0], "amount": AMOUNTS[:0]}, np.zeros(0))
    assert empty.decisions == [] and empty.matched == [] and empty.masks.shape == (5, 0)
    none = CompiledRuleSet(load_rule_set(""), SCHEMA).evaluate({"amount": AMOUNTS}, None, model)
    assert none.matched == [()] * 6 and none.decisions == ["approve"] * 6
