"""Today's five rule settings (``[rules]``) as a rule set, deciding exactly as
:class:`fraudd.scoring.rules.Rules` does: the first version an upgraded deployment gets.

Today a listed card is decided by its list alone (the allow-list first), and the amount and
velocity rules apply to the other cards; the translated conditions say so explicitly, so the
rules that match are the reason codes today's rules give. Today's rules-only *score* (amount
and velocity against their limits) is not a rule's outcome and stays with the engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from fraudd.columns import STREAMED, Column
from fraudd.records import Swipe
from fraudd.rules.nodes import Type
from fraudd.settings import RulesSettings

VELOCITY = "velocity"
"""The input counting the card's swipes within ``velocity_window_s``, this one included."""
WIRE_TYPES: dict[type, Type] = {
    str: Type.STRING,
    float: Type.NUMBER,
    int: Type.NUMBER,
    bool: Type.BOOLEAN,
    datetime: Type.TIMESTAMP,
}
UNLISTED = "card_token not in @allow_cards and card_token not in @block_cards"


def schema_of(columns: Iterable[Column]) -> dict[str, Type]:
    """The rule types of record columns, by their wire types."""
    return {c.name: WIRE_TYPES[c.wire] for c in columns}


def swipe_schema() -> dict[str, Type]:
    """What today's rules read: the streamed swipe's columns and the velocity count."""
    return {**schema_of(STREAMED), VELOCITY: Type.NUMBER}


def swipe_columns(swipes: Sequence[Swipe], velocities: Sequence[int]) -> dict[str, Any]:
    """A batch of swipes as the columns :func:`swipe_schema` names."""
    columns: dict[str, Any] = {c.name: [getattr(s, c.name) for s in swipes] for c in STREAMED}
    columns[VELOCITY] = np.asarray(velocities, dtype=np.float64)
    return columns


def _rule(name: str, description: str, when: str, outcome: str, priority: int) -> str:
    return "\n".join(
        [
            "[[rules]]",
            f"name = {_quoted(name)}",
            f"description = {_quoted(description)}",
            f"when = {_quoted(when)}",
            f"outcome = {_quoted(outcome)}",
            f"priority = {priority}",
        ]
    )


def _list(name: str, description: str, values: Sequence[str]) -> str:
    quoted = ", ".join(_quoted(v) for v in values)
    return "\n".join(
        [
            f"[lists.{name}]",
            f"description = {_quoted(description)}",
            'type = "string"',
            f"values = [{quoted}]",
        ]
    )


def _quoted(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text)


def _number(value: float) -> str:
    return repr(float(value))


def _rules(s: RulesSettings) -> list[str]:
    block, review = _number(s.block_amount), _number(s.review_amount)
    window = f"{s.velocity_window_s:g} s"
    rules = [
        _rule("allow_listed", "card is on the allow-list",
              "card_token in @allow_cards", "approve", 100),
        _rule("block_listed", "card is on the block-list",
              "card_token in @block_cards and card_token not in @allow_cards", "block", 90),
        _rule("amount_block", f"amount ≥ block limit {s.block_amount:.2f}",
              f"amount >= {block} and {UNLISTED}", "block", 80),
    ]  # fmt: skip
    if s.review_amount < s.block_amount:  # else no amount is between the two: no review rule
        rules.append(
            _rule("amount_review", f"amount ≥ review limit {s.review_amount:.2f}",
                  f"amount >= {review} and amount < {block} and {UNLISTED}", "review", 70)
        )  # fmt: skip
    rules.append(
        _rule("velocity", f"more than {s.velocity_max} swipes within {window}",
              f"{VELOCITY} > {s.velocity_max} and {UNLISTED}", "review", 60)
    )  # fmt: skip
    return rules


def rule_set_toml(settings: RulesSettings) -> str:
    """The rule-set TOML that decides as ``settings`` do today."""
    lists = [
        _list("allow_cards", "cards approved whatever else says", settings.allow_cards),
        _list("block_cards", "cards always blocked", settings.block_cards),
    ]
    return "\n\n".join([*lists, *_rules(settings)]) + "\n"
