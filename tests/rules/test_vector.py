"""Vectorised evaluation: correct values, three-valued logic on missing values, one pass a batch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudd.rules.check import check
from fraudd.rules.nodes import Type
from fraudd.rules.syntax import parse
from fraudd.rules.vector import Batch, compile_condition

SCHEMA = {
    "amount": Type.NUMBER,
    "limit": Type.NUMBER,
    "country": Type.STRING,
    "tx_time": Type.TIMESTAMP,
    "opened_at": Type.TIMESTAMP,
    "card_present": Type.BOOLEAN,
}
LISTS = {"risky": ("RU", "KP"), "odd": (1.0, 3.0)}
LIST_TYPES = {"risky": Type.STRING, "odd": Type.NUMBER}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def masks(text: str, columns: dict[str, Any]) -> tuple[list[bool], list[bool]]:
    """Where the condition is true and where it is false (elsewhere unknown)."""
    condition = compile_condition(check(parse(text), SCHEMA, LIST_TYPES), LISTS)
    batch = Batch(columns, SCHEMA)
    result = condition(batch)
    size = (batch.size,)
    true = np.broadcast_to(result.true, size).tolist()
    return true, np.broadcast_to(result.false, size).tolist()


def matches(text: str, columns: dict[str, Any]) -> list[bool]:
    return masks(text, columns)[0]


def test_comparisons_and_arithmetic() -> None:
    cols = {"amount": np.array([10.0, 600.0, 2500.0]), "limit": np.array([20.0, 500.0, 5000.0])}
    assert matches("amount >= 500", cols) == [False, True, True]
    assert matches("amount > limit", cols) == [False, True, False]
    assert matches("amount / limit > 0.4 and amount * 2 - 20 != 0", cols) == [False, True, True]
    assert matches("-amount < -100", cols) == [False, True, True]


def test_strings_lists_and_named_lists() -> None:
    cols = {"country": pd.Series(["FR", "RU", None, "KP"]), "amount": [1, 2, 3, None]}
    assert matches("country == 'FR'", cols) == [True, False, False, False]
    assert matches("country in @risky", cols) == [False, True, False, True]
    assert matches("country not in ['FR', 'DE']", cols) == [False, True, False, True]
    assert matches("amount in @odd", cols) == [True, False, True, False]
    assert matches("amount not in [2]", cols) == [True, False, True, False]


def test_timestamps_durations_and_booleans() -> None:
    times = pd.Series([T0, T0 + pd.Timedelta(hours=3), pd.NaT])
    cols = {"tx_time": times, "opened_at": [T0 - pd.Timedelta(hours=1)] * 3,
            "card_present": pd.Series([True, False, None], dtype="boolean")}  # fmt: skip
    assert matches("tx_time - opened_at < 2h", cols) == [True, False, False]
    assert matches("tx_time >= timestamp('2026-01-01T02:00:00Z')", cols) == [False, True, False]
    assert matches("tx_time + 30m > timestamp('2026-01-01T00:29:00')", cols) == [True, True, False]
    assert matches("card_present", cols) == [True, False, False]
    assert matches("card_present == false", cols) == [False, True, False]
    assert matches("card_present is missing", cols) == [False, False, True]
    floats = {"card_present": np.array([1.0, 0.0, np.nan])}  # NaN is missing, not true
    assert masks("card_present", floats) == ([True, False, False], [False, True, False])


def test_missing_makes_a_comparison_unknown_neither_true_nor_false() -> None:
    cols = {"amount": pd.Series([None, 600.0, np.nan, 10.0], dtype="Float64")}
    assert masks("amount > 500", cols) == ([False, True, False, False], [False, False, False, True])
    assert masks("not (amount > 500)", cols) == (
        [False, False, False, True],
        [False, True, False, False],
    )
    assert matches("amount != 10", cols) == [False, True, False, False]
    assert matches("amount is missing", cols) == [True, False, True, False]
    assert matches("amount is not missing and amount < 100", cols) == [False, False, False, True]


def test_and_or_follow_kleene_logic() -> None:
    cols = {"amount": [None, None, 600.0], "country": ["RU", "FR", None]}
    # unknown or true = true; unknown and false = false; unknown and true = unknown
    assert masks("amount > 500 or country == 'RU'", cols) == (
        [True, False, True],
        [False, False, False],
    )
    assert masks("amount > 500 and country == 'RU'", cols) == (
        [False, False, False],
        [False, True, False],
    )


def test_division_by_zero_and_overflow_are_missing() -> None:
    cols = {"amount": np.array([1.0, 1e308, 4.0]), "limit": np.array([0.0, 1e-308, 2.0])}
    assert masks("amount / limit > 1", cols) == ([False, False, True], [False, False, False])
    assert matches("(amount / limit) is missing", cols) == [True, True, False]


def test_columns_are_converted_once_per_batch_whatever_its_size() -> None:
    """Vectorised: evaluating a batch reads each column once, not once per row."""
    reads: list[str] = []

    class Counting(dict[str, Any]):
        def __getitem__(self, key: str) -> Any:
            reads.append(key)
            return super().__getitem__(key)

    text = "amount > 5 and (amount < 100 or country in @risky) and amount is not missing"
    condition = compile_condition(check(parse(text), SCHEMA, LIST_TYPES), LISTS)
    for size in (1, 10_000):
        reads.clear()
        batch = Batch(Counting(amount=np.arange(size, dtype=float), country=["RU"] * size), SCHEMA)
        assert batch.mask(condition(batch)).shape == (size,)
        assert sorted(reads) == ["amount", "country"]


def test_a_batch_refuses_ragged_or_absent_columns() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        Batch({"amount": [1.0], "limit": [1.0, 2.0]}, SCHEMA)
    with pytest.raises(ValueError, match="no column 'country'"):
        matches("country == 'x'", {"amount": [1.0]})


ROW = st.fixed_dictionaries(
    {
        "amount": st.one_of(st.none(), st.floats(-1e6, 1e6)),
        "limit": st.one_of(st.none(), st.sampled_from([0.0, 1.0, 500.0])),
        "country": st.one_of(st.none(), st.sampled_from(["FR", "RU", "KP", "DE"])),
        "card_present": st.one_of(st.none(), st.booleans()),
    }
)
CONDITIONS = [
    "amount / limit > 2 or not (country in @risky)",
    "(amount > 100 and card_present) or country is missing",
    "not (amount - limit <= 0 and country != 'FR') and card_present != false",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=30))
def test_a_batch_decides_each_row_as_that_row_alone(rows: list[dict[str, Any]]) -> None:
    def columns(part: list[dict[str, Any]]) -> dict[str, Any]:
        cols: dict[str, Any] = {k: [r[k] for r in part] for k in ROW_KEYS}
        cols["card_present"] = pd.Series(cols["card_present"], dtype="boolean")
        return cols

    for text in CONDITIONS:
        alone = [masks(text, columns([row])) for row in rows]
        together = masks(text, columns(rows))
        assert together == ([a[0][0] for a in alone], [a[1][0] for a in alone])


ROW_KEYS = ("amount", "limit", "country", "card_present")
