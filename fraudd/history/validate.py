"""Vectorised validation of history rows: each row is either normalised or rejected with a reason.

A rejected row gets the first reason that applies, in the order of :data:`REASONS`. Checks on
columns with few distinct values (customer, terminal, amount, ...) run once per distinct value.
Validated text never contains a comma, quote or line break (every text column must match a
strict pattern), which is what lets :mod:`fraudd.history.csvtext` write it without quoting.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from fraudd.columns import DEFAULT_CURRENCY
from fraudd.fields import FieldValueError, PanLikeValue, check_value
from fraudd.history.columns import (
    DEFAULT_LAST4,
    NORMAL_COLUMNS,
    derived_card_token,
)
from fraudd.history.reader import RawChunk
from fraudd.pan import holds_pan
from fraudd.records import (  # the wire record's bounds: a history row has the same
    IDENT_PATTERN,
    MAX_AMOUNT,
    TOKEN_PATTERN,
)
from fraudd.settings import OwnField

REASONS: Final[tuple[str, ...]] = (
    "malformed_line",  # wrong number of fields, unbalanced quotes
    "missing_id",  # tx_id, customer_id or terminal_id empty
    "bad_id",  # an id with characters or a length the wire record refuses
    "pan_like_id",  # an id that could be a full card number
    "bad_time",  # unparseable, before 1990 or more than 30 days ahead
    "bad_amount",  # not a number
    "negative_amount",  # zero is accepted: $0 authorisations are real traffic
    "absurd_amount",  # above MAX_AMOUNT
    "bad_label",  # is_fraud not 0 or 1
    "pan_like_card_token",  # digits only, or holding a card number (fraudd.pan)
    "bad_card_token",
    "bad_field",  # an optional column with an invalid value
    "pan_like_field",  # a declared field (fraudd.fields) whose value could be a card number
    "duplicate_in_file",  # tx_id seen on an earlier line (found by the loader)
    "already_loaded",  # tx_id already in the warehouse (found by the loader)
)
_CODE = {reason: code for code, reason in enumerate(REASONS, start=1)}
EARLIEST_TX_TIME: Final[pd.Timestamp] = pd.Timestamp("1990-01-01", tz="UTC")
MAX_FUTURE: Final[pd.Timedelta] = pd.Timedelta(days=30)
_IDENT = IDENT_PATTERN.strip("^$")
_TOKEN = TOKEN_PATTERN.strip("^$")


@dataclass(frozen=True, eq=False)
class Validated:
    """Normalised rows (:data:`NORMAL_COLUMNS`) and the rejected lines with their reasons;
    ``labels_at_delay`` good rows had no ``labelled_at`` and got ``tx_time + label delay``."""

    rows: pd.DataFrame
    rejects: pd.DataFrame
    """Columns ``line`` (int64), ``reason`` and ``column`` (str: the cell is never kept, it may
    be a card number)."""
    labels_at_delay: int = 0


class _Flags:
    """First reason per row wins: flag the most important checks first."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int8)
        self.column = np.full(n, "", dtype=object)
        """The column a rejected row is reported by (a built-in or a declared field's name)."""

    def flag(self, mask: np.ndarray, reason: str, column: str) -> None:
        new = (self.code == 0) & mask
        self.code[new] = _CODE[reason]
        self.column[new] = column


class _Column:
    """One text column as an object array; per-distinct-value work goes through :meth:`map`."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self._factorized: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def empty(self) -> np.ndarray:
        return np.asarray(self.values == "", dtype=bool)

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``fn`` applied to the distinct values only, spread back to every row."""
        if self._factorized is None:
            codes, uniques = pd.factorize(self.values)
            self._factorized = (codes, np.asarray(uniques, dtype=object))
        codes, uniques = self._factorized
        return np.asarray(fn(uniques))[codes]


def _matching(pattern: str) -> Callable[[np.ndarray], np.ndarray]:
    match = re.compile(pattern).fullmatch
    return lambda values: np.fromiter(
        (match(v) is not None for v in values), dtype=bool, count=len(values)
    )


def _has_pan(values: np.ndarray) -> np.ndarray:
    """True where a value holds a card number, separated or not (:func:`fraudd.pan.holds_pan`)."""
    return np.fromiter(map(holds_pan, values), dtype=bool, count=len(values))


def _numbers(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"), float)


def _times(values: np.ndarray) -> pd.Series:
    parsed = pd.to_datetime(
        pd.Series(values, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    return parsed.dt.as_unit("us")


class _Checker:
    """Validates one chunk: each ``check_*`` flags its rows and returns the normalised column."""

    def __init__(self, raw: pd.DataFrame) -> None:
        self.n = len(raw)
        self.flags = _Flags(self.n)
        self.cols = {name: _Column(raw[name].to_numpy(dtype=object)) for name in raw.columns}
        self.derived_label = np.zeros(self.n, dtype=bool)

    def col(self, name: str) -> _Column:
        if name not in self.cols:  # an optional column the file does not have
            self.cols[name] = _Column(np.full(self.n, "", dtype=object))
        return self.cols[name]

    def check_ids(self) -> None:
        names = ("tx_id", "customer_id", "terminal_id")
        for name in names:
            self.flags.flag(self.col(name).empty, "missing_id", name)
        self.flags.flag(
            ~_matching(_IDENT)(self.col("tx_id").values), "bad_id", "tx_id"
        )  # all distinct
        for name in names[1:]:
            self.flags.flag(~self.col(name).map(_matching(_IDENT)), "bad_id", name)
        self.flags.flag(_has_pan(self.col("tx_id").values), "pan_like_id", "tx_id")
        for name in names[1:]:
            self.flags.flag(self.col(name).map(_has_pan), "pan_like_id", name)

    def check_time(self, now: dt.datetime) -> pd.Series:
        tx_time = _times(self.col("tx_time").values)
        latest = pd.Timestamp(now).tz_convert("UTC") + MAX_FUTURE
        bad = tx_time.isna() | (tx_time < EARLIEST_TX_TIME) | (tx_time > latest)
        self.flags.flag(bad.to_numpy(dtype=bool), "bad_time", "tx_time")
        return tx_time

    def check_amount(self) -> np.ndarray:
        amount = self.col("amount").map(_numbers)
        with np.errstate(invalid="ignore"):
            self.flags.flag(~np.isfinite(amount), "bad_amount", "amount")
            self.flags.flag(amount < 0, "negative_amount", "amount")
            self.flags.flag(amount > MAX_AMOUNT, "absurd_amount", "amount")
        return np.round(amount, 2)

    def check_label(self) -> np.ndarray:
        label = self.col("is_fraud").values
        self.flags.flag(~((label == "0") | (label == "1")), "bad_label", "is_fraud")
        return np.asarray(label == "1", dtype=bool)

    def check_card_token(self) -> np.ndarray:
        token = self.col("card_token")
        digits_only = token.map(_matching(r"\d+"))
        self.flags.flag(digits_only | token.map(_has_pan), "pan_like_card_token", "card_token")
        self.flags.flag(
            ~token.empty & ~token.map(_matching(_TOKEN)), "bad_card_token", "card_token"
        )
        derived = self.col("customer_id").map(
            lambda ids: np.array([derived_card_token(c) for c in ids], dtype=object)
        )
        return np.where(token.empty, derived, token.values)

    def check_text(self, name: str, pattern: str, default: str | None) -> np.ndarray:
        column = self.col(name)
        self.flags.flag(~column.empty & ~column.map(_matching(pattern)), "bad_field", name)
        return np.where(column.empty, np.array(default, dtype=object), column.values)

    def check_coordinate(self, name: str) -> np.ndarray:
        column = self.col(name)
        number = column.map(_numbers)
        with np.errstate(invalid="ignore"):
            bad = ~column.empty & ~(np.isfinite(number) & (np.abs(number) <= 1e6))
        self.flags.flag(bad, "bad_field", name)
        return number

    def check_scenario(self) -> pd.Series:
        column = self.col("fraud_scenario")
        ok = column.map(_matching(r"\d{1,4}"))
        self.flags.flag(~column.empty & ~ok, "bad_field", "fraud_scenario")
        return pd.Series(column.map(_numbers)).where(ok).astype("Int16")

    def check_labelled_at(self, tx_time: pd.Series, delay_days: float) -> pd.Series:
        """The file's ``labelled_at``, else the conservative rule (invariant 6): the label is
        known ``delay_days`` after the transaction, the longest the configuration allows, never
        earlier (a chargeback process may well take that long)."""
        derived = tx_time + pd.Timedelta(days=delay_days)
        column = self.col("labelled_at")
        self.derived_label = np.asarray(column.empty, dtype=bool)
        if column.empty.all():
            return derived
        given = _times(column.values)
        bad = ~column.empty & (given.isna() | (given < tx_time)).to_numpy(dtype=bool)
        self.flags.flag(bad, "bad_field", "labelled_at")
        return given.where(~column.empty, derived)


def _own_checked(field: OwnField) -> Callable[[np.ndarray], np.ndarray]:
    """Distinct CSV texts to their typed values, or the :class:`FieldValueError` refusing each."""

    def check(values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        for i, text in enumerate(values):
            try:
                out[i] = check_value(field, text)
            except FieldValueError as exc:
                out[i] = exc
        return out

    return check


def _own_column(field: OwnField, values: np.ndarray) -> Any:
    """Checked values (None where missing) in the form :mod:`.csvtext` writes for the type."""
    if field.type == "number":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if field.type == "timestamp":
        return pd.Series(pd.to_datetime(list(values), utc=True)).dt.as_unit("us")
    if field.type == "boolean":
        return np.array(["" if v is None else "tf"[not v] for v in values], dtype=object)
    return np.array(["" if v is None else v for v in values], dtype=object)


def _check_own(c: _Checker, own: Sequence[OwnField]) -> dict[str, Any]:
    """Each declared field's column: a value that could be a card number is ``pan_like_field``,
    a wrong type or a missing required value ``bad_field``."""
    columns: dict[str, Any] = {}
    for field in own:
        checked = c.col(field.name).map(_own_checked(field))
        refused = np.fromiter((isinstance(v, FieldValueError) for v in checked), bool, len(checked))
        pan = np.fromiter((isinstance(v, PanLikeValue) for v in checked), bool, len(checked))
        c.flags.flag(pan, "pan_like_field", field.name)
        c.flags.flag(refused, "bad_field", field.name)
        kept = np.array(checked, dtype=object)
        kept[refused] = None
        columns[field.name] = _own_column(field, kept)
    return columns


def validate_chunk(
    chunk: RawChunk, now: dt.datetime, label_delay_days: float, own: Sequence[OwnField] = ()
) -> Validated:
    """Check every row of ``chunk``; normalise the good ones (defaults filled in, a missing
    ``labelled_at`` as ``tx_time + label_delay_days``). The rows end with the ``own`` declared
    fields' columns."""
    c = _Checker(chunk.frame)
    c.check_ids()
    tx_time = c.check_time(now)
    columns: dict[str, Any] = {
        "line": chunk.lines,
        "tx_id": c.col("tx_id").values,
        "tx_time": tx_time,
        "customer_id": c.col("customer_id").values,
        "terminal_id": c.col("terminal_id").values,
        "amount": c.check_amount(),
        "is_fraud": c.check_label(),
        "card_token": c.check_card_token(),
        "last4": c.check_text("last4", r"\d{4}", DEFAULT_LAST4),
        "merchant_category": c.check_text("merchant_category", r"\d{4}", None),
        "channel": c.check_text("channel", r"[a-z_]{1,16}", None),
        "currency": c.check_text("currency", r"[A-Z]{3}", DEFAULT_CURRENCY),
        "terminal_x": c.check_coordinate("terminal_x"),
        "terminal_y": c.check_coordinate("terminal_y"),
        "labelled_at": c.check_labelled_at(tx_time, label_delay_days),
        "fraud_scenario": c.check_scenario(),
    }
    columns |= _check_own(c, own)
    frame = pd.DataFrame(columns, columns=[*NORMAL_COLUMNS, *(f.name for f in own)])
    good = c.flags.code == 0
    at_delay = int((c.derived_label & good).sum())
    return Validated(frame.loc[good].reset_index(drop=True), _rejects(chunk, c.flags), at_delay)


def _rejects(chunk: RawChunk, flags: _Flags) -> pd.DataFrame:
    bad = np.flatnonzero(flags.code)
    reasons = np.asarray(REASONS, dtype=object)[flags.code[bad] - 1]
    columns = flags.column[bad]
    lines = np.concatenate([chunk.lines[bad], chunk.malformed])
    names = np.concatenate([reasons, np.full(chunk.malformed.size, REASONS[0], dtype=object)])
    where = np.concatenate([columns, np.full(chunk.malformed.size, "", dtype=object)])
    order = np.argsort(lines, kind="stable")
    return pd.DataFrame({"line": lines[order], "reason": names[order], "column": where[order]})
