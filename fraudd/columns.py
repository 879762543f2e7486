"""The transaction's columns: one table, from which every other list of them is derived.

Each :class:`Column` gives its name, its wire type (the Python type of the field on
:class:`fraudd.records.Swipe` and in a validated history row), its PostgreSQL and Redshift types
(as in the ``transactions`` and ``labels`` tables of the migrations) and whether the warehouse
requires a value. The tuples below are the column lists the rest of fraudd uses:

* :data:`TRANSACTION` — a transaction as the card application knows it at swipe time (the
  ``transactions`` table's columns, in its order, without the loader's ``source``);
* :data:`STREAMED` — what the consumer stores per decided swipe (:data:`TRANSACTION` plus the
  producer's ``produced_at``);
* :data:`LABEL` — a row of ``labels`` (invariant 6: never on the stream);
* :data:`HISTORY_ROW` — a validated history row: its line in the file, the transaction, its label.

Derived from them: the warehouse's staging DDL and COPY column lists
(:mod:`fraudd.warehouse.columns`), the history layouts (:mod:`fraudd.history.columns`), the
simulator's frame (:mod:`fraudd.simulator.frame`); :func:`columns_of` turns rows into the
columns that array-bound statements take. The ``transactions`` and ``labels`` tables are history
(``sql/common/tables.toml``, created by the first migration, never edited);
``tests/warehouse/test_columns.py`` checks them and every statement that lists these columns
against this table, so a column added here and missed there fails a test.

This module is at the bottom of the package's dependency order: it imports nothing from fraudd.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, wire type, warehouse types and whether a value is required."""

    name: str
    wire: type
    postgres: str
    redshift: str
    required: bool = False


TX_ID: Final = Column("tx_id", str, "text", "VARCHAR(64)", required=True)
TX_TIME: Final = Column("tx_time", datetime, "timestamptz", "TIMESTAMPTZ", required=True)
CUSTOMER_ID: Final = Column("customer_id", str, "text", "VARCHAR(64)", required=True)
TERMINAL_ID: Final = Column("terminal_id", str, "text", "VARCHAR(64)", required=True)
CARD_TOKEN: Final = Column("card_token", str, "text", "VARCHAR(64)", required=True)
LAST4: Final = Column("last4", str, "text", "CHAR(4)")
AMOUNT: Final = Column("amount", float, "numeric(14,2)", "NUMERIC(14,2)", required=True)
MERCHANT_CATEGORY: Final = Column("merchant_category", str, "text", "VARCHAR(4)")
CHANNEL: Final = Column("channel", str, "text", "VARCHAR(16)")
DEFAULT_CURRENCY: Final[str] = "EUR"
"""ISO 4217 code of a swipe or a history row that names none."""
CURRENCY: Final = Column("currency", str, "text", "CHAR(3)")
TERMINAL_X: Final = Column("terminal_x", float, "double precision", "DOUBLE PRECISION")
TERMINAL_Y: Final = Column("terminal_y", float, "double precision", "DOUBLE PRECISION")
PRODUCED_AT: Final = Column("produced_at", datetime, "timestamptz", "TIMESTAMPTZ")
"""Wall-clock time the producer sent the swipe (latency measurement); not in a history file."""

IS_FRAUD: Final = Column("is_fraud", bool, "boolean", "BOOLEAN", required=True)
LABELLED_AT: Final = Column("labelled_at", datetime, "timestamptz", "TIMESTAMPTZ", required=True)
FRAUD_SCENARIO: Final = Column("fraud_scenario", int, "smallint", "SMALLINT")
LINE: Final = Column("line", int, "bigint", "BIGINT", required=True)
"""A history row's line number in its file (staging only)."""

TRANSACTION: Final[tuple[Column, ...]] = (
    TX_ID,
    TX_TIME,
    CUSTOMER_ID,
    TERMINAL_ID,
    CARD_TOKEN,
    LAST4,
    AMOUNT,
    MERCHANT_CATEGORY,
    CHANNEL,
    CURRENCY,
    TERMINAL_X,
    TERMINAL_Y,
)
STREAMED: Final[tuple[Column, ...]] = (*TRANSACTION, PRODUCED_AT)
LABEL: Final[tuple[Column, ...]] = (TX_ID, IS_FRAUD, LABELLED_AT, FRAUD_SCENARIO)
HISTORY_ROW: Final[tuple[Column, ...]] = (LINE, *TRANSACTION, *LABEL[1:])


def names(columns: Iterable[Column]) -> tuple[str, ...]:
    """The columns' names, in order."""
    return tuple(c.name for c in columns)


Field = str | Callable[[Any], Any]
"""What :func:`columns_of` takes of each row: an attribute name (dotted for a nested one, such
as ``"swipe.tx_id"``) or a function of the row (for a conversion)."""


def columns_of(rows: Sequence[Any], fields: Iterable[Field]) -> list[list[Any]]:
    """Rows to columns: for each field, the list of its value in every row, in row order.

    The one transposition for statements that bind a batch as one array per column (PostgreSQL's
    ``unnest``); ``zip(*columns_of(...))`` gives the rows back for ``INSERT ... VALUES``.
    """
    getters = [operator.attrgetter(f) if isinstance(f, str) else f for f in fields]
    return [[get(row) for row in rows] for get in getters]
