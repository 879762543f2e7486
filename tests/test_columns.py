"""The table of the transaction's columns, the rows-to-columns helper, and that nobody copies it."""

from __future__ import annotations

import ast
import datetime as dt
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest

import fraudd
from fraudd import columns as cols
from fraudd.columns import HISTORY_ROW, LABEL, STREAMED, TRANSACTION, columns_of, names
from fraudd.records import Swipe


@dataclass
class _Inner:
    value: int


@dataclass
class _Row:
    a: str
    b: int
    inner: _Inner


ROWS = [_Row("x", 1, _Inner(10)), _Row("y", 2, _Inner(20)), _Row("z", 3, _Inner(30))]


def test_columns_of_turns_rows_into_columns_by_name_path_or_function() -> None:
    got = columns_of(ROWS, ("a", "inner.value", lambda r: r.b * 2))
    assert got == [["x", "y", "z"], [10, 20, 30], [2, 4, 6]]
    assert list(zip(*got, strict=True)) == [("x", 10, 2), ("y", 20, 4), ("z", 30, 6)]


def test_columns_of_no_rows_gives_one_empty_column_per_field() -> None:
    assert columns_of([], ("a", "b")) == [[], []]


def test_columns_of_a_missing_attribute_fails_loudly() -> None:
    with pytest.raises(AttributeError, match="nope"):
        columns_of(ROWS, ("a", "nope"))


def test_the_derived_lists_are_unique_and_nested_as_documented() -> None:
    for group in (TRANSACTION, STREAMED, LABEL, HISTORY_ROW):
        assert len(set(names(group))) == len(group)
    assert STREAMED[: len(TRANSACTION)] == TRANSACTION
    assert names(HISTORY_ROW) == ("line", *names(TRANSACTION), *names(LABEL)[1:])


def test_the_wire_record_has_exactly_the_streamed_columns_with_their_wire_types() -> None:
    fields = Swipe.model_fields
    # schema_version is the record's own; fields carries the issuer's declared ones (fraudd.fields)
    assert set(fields) - {"schema_version", "fields"} == set(names(STREAMED))
    hints = typing.get_type_hints(Swipe, include_extras=False)
    for column in STREAMED:
        hint = hints[column.name]
        allowed = set(typing.get_args(hint)) - {type(None)} or {hint}
        assert allowed == {column.wire}, column.name
        assert fields[column.name].is_required() == (column.name in _SWIPE_REQUIRED), column.name
    assert Swipe.model_fields["currency"].default == cols.DEFAULT_CURRENCY


# A swipe must carry these; the others have a default (currency) or may be absent.
_SWIPE_REQUIRED = {
    "tx_id", "tx_time", "card_token", "last4", "customer_id", "terminal_id", "amount",
    "produced_at",
}  # fmt: skip


def test_wire_types_are_what_a_history_row_and_a_swipe_hold() -> None:
    assert {c.wire for c in HISTORY_ROW} <= {str, int, float, bool, dt.datetime}


# ------------------------------------------------------------------ no hand-written copies

_ALL_NAMES = set(names((*HISTORY_ROW, *STREAMED)))
_OWNER = Path(cols.__file__).resolve()


_ENOUGH = len(TRANSACTION) // 2 + 1
"""A literal naming this many columns is a copy of a column list; fewer is a purposeful subset
(the string columns of a CSV, the key columns of the training query)."""


def _column_lists(path: Path) -> list[int]:
    """Lines of tuple/list/set literals that name :data:`_ENOUGH` of the table's columns."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            continue
        words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len([w for w in words if isinstance(w, str) and w in _ALL_NAMES]) >= _ENOUGH:
            found.append(node.lineno)
    return found


def test_no_module_but_the_table_writes_out_a_list_of_the_columns() -> None:
    package = Path(fraudd.__file__).resolve().parent
    copies = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if path != _OWNER and (lines := _column_lists(path))
    }
    assert copies == {}, "derive these from fraudd.columns instead"


def test_the_copy_finder_finds_a_copy(tmp_path: Path) -> None:
    copy = tmp_path / "copy.py"
    copy.write_text(
        'X = ("a", "tx_id", "tx_time", "amount", "currency", "last4", "channel", "line")\n'
        'Y = ("tx_id", "tx_time", "amount", "currency", "last4", "channel")\n'
    )
    assert _column_lists(copy) == [1]
