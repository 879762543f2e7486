"""The declarations (fraudd/feature_catalog/models.py): durations, entities, what each kind
accepts and refuses on its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from fraudd.feature_catalog.models import Declaration, WindowFeature, duration

ADAPTER: TypeAdapter[Declaration] = TypeAdapter(Declaration)
BASE = {"name": "f", "reason": "r"}


def declare(**fields: Any) -> Declaration:
    return ADAPTER.validate_python(BASE | fields)


def test_durations() -> None:
    assert duration("15m") == timedelta(minutes=15)
    assert duration("24h") == duration("1d") == timedelta(hours=24)
    for bad in ("1w", "h", "-1d", "1.5h", " 1d"):
        with pytest.raises(ValueError, match="not a duration"):
            duration(bad)


def test_a_window_knows_its_key_and_reach() -> None:
    w = declare(kind="window", entity="terminal", function="count", window="30d", delay="7d")
    assert isinstance(w, WindowFeature)
    assert w.keys == ("terminal_id",) and w.span == timedelta(days=37)
    by_field = declare(kind="window", entity="merchant_category", function="count", window="1h")
    assert isinstance(by_field, WindowFeature) and by_field.keys == ("merchant_category",)
    both = declare(kind="window", entity=["card", "merchant_category"], function="count",
                   window="30d")  # fmt: skip
    assert isinstance(both, WindowFeature) and both.keys == ("card_token", "merchant_category")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"entity": "amount"}, "unknown entity 'amount'"),
        ({"function": "sum", "field": "channel"}, "unknown field of 'sum' 'channel'"),
        (
            {"function": "mean", "field": "amount", "exclude_self": True, "delay": "1d"},
            "exclude_self needs an undelayed window",
        ),
        ({"filter": {"tx_time": ["x"]}}, "unknown filter field 'tx_time'"),
        ({"filter": {"channel": []}}, "lists no value"),
        ({"filter": {"channel": [5]}}, "5.0 is not a str value of field 'channel'"),
        ({"filter": {"amount": ["big"]}}, "'big' is not a float value of field 'amount'"),
        ({"function": "median"}, "Input should be"),
        ({"entity": ["card", "amount"]}, "unknown entity 'amount'"),
        ({"entity": ["card", "card_token"]}, "a compound entity is 2 to 3 different fields"),
        ({"entity": ["card"]}, "a compound entity is 2 to 3 different fields"),
        ({"function": "max", "field": "amount", "exclude_self": True}, "exclude_self takes"),
    ],
)
def test_a_window_refuses(fields: dict[str, Any], message: str) -> None:
    window = {"kind": "window", "entity": "card", "function": "count", "window": "1d"}
    with pytest.raises(ValidationError, match=message):
        declare(**(window | fields))


def test_row_kinds() -> None:
    assert declare(kind="hour", hours=[0, 23]).hours == (0, 23)  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        declare(kind="hour", hours=[24])
    with pytest.raises(ValidationError, match="unknown text field 'amount'"):
        declare(kind="category", field="amount", values=["a"])
    with pytest.raises(ValidationError, match="at least 1"):
        declare(kind="in_set", field="channel", values=[])
    for reserved in ("select", "tx_id", "is_fraud"):
        with pytest.raises(ValidationError, match="is reserved"):
            declare(kind="weekend", name=reserved)
    hidden = declare(kind="field", field="amount", hidden=True, reason=None)
    assert hidden.hidden and hidden.inputs() == ()
    assert declare(kind="zscore", of=["a", "b", "c"]).inputs() == ("a", "b", "c")
