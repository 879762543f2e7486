"""The rule-set document: TOML validated by pydantic, every rule's condition checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fraudd.rules.model import RuleSetError, conditions, load_rule_set
from fraudd.rules.nodes import Type

SCHEMA = {"amount": Type.NUMBER, "card_token": Type.STRING, "mcc": Type.STRING}
GOOD = """
[lists.blocked_cards]
description = "blocked by hand"
type = "string"
values = ["tok_0001"]

[lists.limits]
type = "number"
values = [1.5, 2]

[[rules]]
name = "blocked"
description = "card on the block-list"
when = "card_token in @blocked_cards"
outcome = "block"
priority = 10

[[rules]]
name = "big"
description = "large amount"
when = "amount > 1000"
outcome = "review"
score_adjustment = 0.2
"""


def rule(**fields: object) -> str:
    """One [[rules]] table: a valid rule with ``fields`` changed (JSON's literals are TOML's)."""
    base = {"name": "r", "description": "d", "when": "amount > 1", "outcome": "review"}
    lines = [f"{k} = {json.dumps(v)}" for k, v in (base | fields).items()]
    return "[[rules]]\n" + "\n".join(lines) + "\n"


def test_a_good_rule_set_loads_and_checks() -> None:
    rule_set = load_rule_set(GOOD)
    assert [r.name for r in rule_set.rules] == ["blocked", "big"]
    assert rule_set.rules[1].score_adjustment == 0.2 and rule_set.rules[1].priority == 0
    assert rule_set.list_types() == {"blocked_cards": Type.STRING, "limits": Type.NUMBER}
    assert rule_set.list_values()["limits"] == (1.5, 2.0)
    assert set(conditions(rule_set, SCHEMA)) == {"blocked", "big"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules = [", "not valid TOML (Invalid value (at end of document))"),
        (rule(colour="red"), "rules.0.colour: unknown key"),
        (rule(outcome="deny"), "rules.0.outcome: Input should be 'approve', 'review' or 'block'"),
        (rule(name="Big Amount"),
         "rules.0.name: String should match pattern '^[a-z][a-z0-9_]{0,63}$'"),
        (rule(description=""), "rules.0.description: String should have at least 1 character"),
        (rule(score_adjustment=-0.1),
         "rules.0.score_adjustment: only an approve rule may lower the score"),
        (rule(priority=5000), "rules.0.priority: Input should be less than or equal to 1000"),
        (rule() + rule(), "rules: two rules are named 'r'"),
        ('[lists.x]\ntype = "string"\nvalues = ["a", 1]\n', "lists.x.values: 1.0 is not a string"),
        ('[lists.x]\ntype = "date"\n', "lists.x.type: Input should be 'string' or 'number'"),
        ("oops = 1\n", "oops: unknown key"),
    ],
)  # fmt: skip
def test_a_bad_document_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(RuleSetError) as refused:
        load_rule_set(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("amout > 1", "rule 'r': line 1, column 1: unknown name 'amout'; did you mean 'amount'?"),
        ("amount > 5 and amount < 3",
         "rule 'r': line 1, column 23: the condition can never be true: amount has no value "
         "within the bounds asked"),
        ("mcc in @risky_mcc", "rule 'r': line 1, column 9: unknown list @risky_mcc"),
        ("amount >", "rule 'r': line 1, column 8: unexpected the end of the rule; expected"),
    ],
)  # fmt: skip
def test_a_rule_whose_condition_is_refused_is_named(when: str, message: str) -> None:
    with pytest.raises(RuleSetError) as refused:
        conditions(load_rule_set(rule(when=when)), SCHEMA)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
DOC_SCHEMA = {"amount": Type.NUMBER, "country": Type.STRING, "card_token": Type.STRING,
              "channel": Type.STRING, "tx_time": Type.TIMESTAMP,
              "card_first_seen": Type.TIMESTAMP}  # fmt: skip


def test_the_analysts_guide_example_loads_and_its_refusals_are_the_codes() -> None:
    text = DOC.read_text()
    example = load_rule_set(text.split("```toml", 1)[1].split("```", 1)[0])
    assert set(conditions(example, DOC_SCHEMA)) == {"stolen_card", "first_big_online"}
    rows = re.findall(r"^\| `(.+?)` \| `(rule 'big': .+)` \|$", text, flags=re.MULTILINE)
    assert len(rows) == 6
    lists = '[lists.stolen_cards]\ntype = "string"\n'
    for when, message in rows:
        with pytest.raises(RuleSetError) as refused:
            conditions(load_rule_set(lists + rule(name="big", when=when)), DOC_SCHEMA)
        assert str(refused.value) == message
