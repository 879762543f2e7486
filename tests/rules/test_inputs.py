"""What a rule may read (fraudd/rules/inputs.py): the record's fields, the declared fields with
their types, every feature of the configured catalog (a user's included), velocity and score;
a name the configuration lacks is refused in one line with a hint; the consumer's columns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from fraudd.features import FEATURES
from fraudd.records import Swipe
from fraudd.rules import CompiledRuleSet, RuleSetError, load_rule_set
from fraudd.rules.inputs import (
    feature_columns,
    feature_inputs,
    names_read,
    record_columns,
    rule_schema,
)
from fraudd.rules.nodes import Type
from fraudd.settings import Settings
from tests.feature_catalog.own_fields import CARD_CNP_COUNT_1D, extending
from tests.feature_catalog.own_fields import FIELDS as OWN_FIELDS

FIELDS = {
    **OWN_FIELDS,
    "device_score": {"type": "number", "description": "the device's risk score"},
    "enrolled_at": {"type": "timestamp", "description": "when the card was enrolled"},
}
NOW = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def own(tmp_path: Path) -> Settings:
    """Settings declaring :data:`FIELDS` and extending the built-in catalog with one feature."""
    return Settings().derive(**extending(tmp_path, CARD_CNP_COUNT_1D, FIELDS))


def rules(when: str) -> str:
    return f'[[rules]]\nname = "r"\ndescription = "d"\nwhen = {when!r}\noutcome = "review"\n'


def test_the_schema_reads_fields_declared_fields_features_velocity_and_score(
    own: Settings,
) -> None:
    schema = rule_schema(own)
    assert {n: schema[n] for n in FIELDS} == {
        "card_present": Type.BOOLEAN, "merchant_country": Type.STRING,
        "device_score": Type.NUMBER, "enrolled_at": Type.TIMESTAMP,
    }  # fmt: skip
    assert schema["card_cnp_count_1d"] is Type.NUMBER  # the user's catalog
    assert all(schema[f] is Type.NUMBER for f in FEATURES)  # the built-in one it extends
    assert (schema["card_token"], schema["tx_time"]) == (Type.STRING, Type.TIMESTAMP)
    assert (schema["velocity"], schema["score"]) == (Type.NUMBER, Type.NUMBER)
    assert "is_fraud" not in schema


def test_a_feature_named_like_a_field_is_read_as_the_field(own: Settings) -> None:
    """The built-in catalog's ``amount`` is the record's amount: rules read the record's."""
    assert "amount" in FEATURES and "amount" not in feature_inputs(own)
    assert feature_inputs(own) == (*[f for f in FEATURES if f != "amount"], "card_cnp_count_1d")


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("card_presnt == false", "unknown name 'card_presnt'; did you mean 'card_present'?"),
        ("card_cnp_count_1 >= 2", "did you mean 'card_cnp_count_1d'?"),
        ("merchant_country > 3", "cannot compare a string with a number"),
    ],
)
def test_unknown_or_mistyped_names_are_refused_in_one_line(
    own: Settings, when: str, message: str
) -> None:
    with pytest.raises(RuleSetError) as refused:
        CompiledRuleSet(load_rule_set(rules(when)), rule_schema(own))
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_names_of_another_configuration_are_refused(own: Settings) -> None:
    """A field or a feature the settings do not declare (any more) is an unknown name."""
    for when in ("card_present == false", "card_cnp_count_1d >= 2"):
        CompiledRuleSet(load_rule_set(rules(when)), rule_schema(own))
        with pytest.raises(RuleSetError, match="unknown name"):
            CompiledRuleSet(load_rule_set(rules(when)), rule_schema(Settings()))


def test_names_read() -> None:
    text = rules("(amount > 10 or -device_score < 1) and merchant_country in @x") + (
        '[lists.x]\ntype = "string"\nvalues = ["FR"]\n'
    )
    assert names_read(load_rule_set(text)) == {"amount", "device_score", "merchant_country"}


def _swipe(i: int, fields: dict[str, object]) -> Swipe:
    return Swipe(
        tx_id=f"t{i}", tx_time=NOW, card_token="card-aaaaaaaa", last4="1234",
        customer_id="c1", terminal_id="term1", amount=50.0 * i, produced_at=NOW, fields=fields,
    )  # fmt: skip


def test_the_consumers_columns_decide_over_declared_fields_and_features(own: Settings) -> None:
    enrolled = NOW - dt.timedelta(days=3)
    swipes = [
        _swipe(1, {"card_present": False, "merchant_country": "DE", "enrolled_at": enrolled}),
        _swipe(2, {"card_present": True, "merchant_country": "DE", "device_score": 0.9}),
        _swipe(3, {}),  # no declared field: missing, never a match
    ]
    columns = record_columns(swipes, [1, 2, 3], own.fields.declared)
    catalog = own.features.selected().features
    matrix = np.zeros((3, len(catalog)))
    matrix[:, catalog.index("card_cnp_count_1d")] = [3.0, 0.0, np.nan]
    columns.update(feature_columns(matrix, catalog, ["card_cnp_count_1d"]))
    text = "\n".join(
        rules(w).replace('"r"', f'"r{i}"')
        for i, w in enumerate([
            "card_present == false and merchant_country == 'DE'",
            "card_cnp_count_1d >= 2",
            "tx_time - enrolled_at < 7d",
            "device_score is missing",
        ])
    )  # fmt: skip
    compiled = CompiledRuleSet(load_rule_set(text), rule_schema(own))
    masks = compiled.evaluate(columns).masks
    assert {r.name: masks[i].tolist() for i, r in enumerate(compiled.rules)} == {
        "r0": [True, False, False],
        "r1": [True, False, False],
        "r2": [True, False, False],
        "r3": [True, False, True],
    }
