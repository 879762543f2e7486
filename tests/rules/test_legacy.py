"""Today's [rules] settings as a rule set decide exactly as fraudd.scoring.rules.Rules does."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from fraudd.columns import STREAMED
from fraudd.records import Swipe
from fraudd.rules.decide import CompiledRuleSet
from fraudd.rules.legacy import VELOCITY, rule_set_toml, swipe_columns, swipe_schema
from fraudd.rules.model import load_rule_set
from fraudd.rules.nodes import Type
from fraudd.scoring.rules import Rules
from fraudd.settings import RulesSettings

T = datetime(2026, 1, 1, tzinfo=UTC)
CARDS = [f"tok_{i:08d}x" for i in range(40)]
SETTINGS = [
    RulesSettings(allow_cards=tuple(CARDS[:3]), block_cards=tuple(CARDS[2:6]),
                  review_amount=500, block_amount=2000, velocity_max=5),
    RulesSettings(),  # the defaults: no lists
    RulesSettings(block_cards=(CARDS[0],), review_amount=900, block_amount=300, velocity_max=1),
    RulesSettings(allow_cards=(CARDS[1],), review_amount=0.01, block_amount=99_999.99,
                  velocity_max=30, velocity_window_s=3600),
]  # fmt: skip


def swipes(settings: RulesSettings, count: int, seed: int) -> tuple[list[Swipe], list[int]]:
    """Swipes around every limit: listed and unlisted cards, amounts at and near each limit."""
    rng = np.random.default_rng(seed)
    limits = [settings.review_amount, settings.block_amount]
    near = [a + d for a in limits for d in (-0.01, 0.0, 0.01)]
    amounts = [*near, 0.0, *rng.uniform(0, 3 * max(limits), 20).round(2)]
    made = [
        Swipe(tx_id=f"t{i}", tx_time=T, card_token=str(rng.choice(CARDS)), last4="0000",
              customer_id="c", terminal_id="t", amount=float(rng.choice(amounts)), produced_at=T)
        for i in range(count)
    ]  # fmt: skip
    velocities = rng.integers(1, 2 * settings.velocity_max + 3, count).tolist()
    return made, velocities


@pytest.mark.parametrize("index", range(len(SETTINGS)))
def test_the_rule_set_decides_as_todays_rules(index: int) -> None:
    settings = SETTINGS[index]
    today = Rules(settings)
    compiled = CompiledRuleSet(load_rule_set(rule_set_toml(settings)), swipe_schema())
    batch, velocities = swipes(settings, 3000, seed=index)
    outcome = compiled.evaluate(swipe_columns(batch, velocities))
    for i, (swipe, velocity) in enumerate(zip(batch, velocities, strict=True)):
        hit = today.evaluate(swipe, velocity)
        expected = (hit.verdict.decision, hit.final, tuple(r.code for r in hit.verdict.reasons))
        got = (outcome.decisions[i], bool(outcome.final[i]), outcome.matched[i])
        assert got == expected, (swipe.card_token, swipe.amount, velocity)


def test_every_rule_of_the_translation_is_hit_on_the_generated_swipes() -> None:
    """The comparison above is not vacuous: each translated rule matched some swipe."""
    settings = SETTINGS[0]
    compiled = CompiledRuleSet(load_rule_set(rule_set_toml(settings)), swipe_schema())
    batch, velocities = swipes(settings, 3000, seed=0)
    outcome = compiled.evaluate(swipe_columns(batch, velocities))
    assert all(mask.any() for mask in outcome.masks)
    assert [r.name for r in compiled.rules] == [
        "allow_listed", "block_listed", "amount_block", "amount_review", "velocity"
    ]  # fmt: skip


def test_no_review_rule_when_the_review_limit_is_not_below_the_block_limit() -> None:
    names = [r.name for r in load_rule_set(rule_set_toml(SETTINGS[2])).rules]
    assert "amount_review" not in names and "amount_block" in names


def test_the_schema_is_the_streamed_columns_and_the_velocity() -> None:
    schema = swipe_schema()
    assert set(schema) == {c.name for c in STREAMED} | {VELOCITY}
    assert schema["amount"] is Type.NUMBER and schema["tx_time"] is Type.TIMESTAMP
    assert schema["card_token"] is Type.STRING
