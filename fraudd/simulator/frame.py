"""The columnar form of simulated transactions: one pandas DataFrame with fixed column types.

Columns (in this order: :data:`fraudd.columns.TRANSACTION`, the label, the handbook's counters):

========================  ======================  ==============================================
column                    dtype                   meaning
========================  ======================  ==============================================
tx_id                     str                     ``<seed hex>-<day 5 digits>-<index 7 digits>``
tx_time                   datetime64[us, UTC]     origin 00:00 UTC + tx_time_seconds
customer_id               int64                   handbook CUSTOMER_ID
terminal_id               int64                   handbook TERMINAL_ID
card_token                str                     ``tok_`` + 24 hex digits, one card per customer
last4                     str                     4 digits shown for the card
amount                    float64                 cents (2 decimals), scenario 3 included
merchant_category         str                     ISO 18245 MCC of the terminal
channel                   str                     ``pos`` / ``ecom`` / ``atm`` of the terminal
currency                  str                     ISO 4217: ``EUR`` (handbook), the terminal's
                                                  country's currency (extended)
terminal_x, terminal_y    float64                 terminal position on the 100 × 100 map
is_fraud                  int8                    label (0/1): never on the stream
fraud_scenario            int8                    0 genuine, 1/2/3 handbook scenario, 4-7 the
                                                  issuer's kinds (extended)
tx_time_seconds           int64                   handbook TX_TIME_SECONDS (since origin)
tx_time_days              int64                   handbook TX_TIME_DAYS (day number)
========================  ======================  ==============================================

Ids are unique within a seed and mode (the extended mode's start with ``x``), sort in
event-time order, and depend only on (seed, mode, day, position in the day): the same transaction
has the same id in a history and in live mode.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Final

import numpy as np
import pandas as pd

from fraudd.columns import DEFAULT_CURRENCY, FRAUD_SCENARIO, IS_FRAUD, TRANSACTION, names
from fraudd.simulator.days import SECONDS_PER_DAY
from fraudd.simulator.profiles import Profiles

CURRENCY: Final[str] = DEFAULT_CURRENCY
"""The simulated card application's only currency."""

STREAM_COLUMNS: Final[tuple[str, ...]] = names(TRANSACTION)
"""What a card application knows at swipe time: no label (invariant 6)."""
LABEL_COLUMNS: Final[tuple[str, ...]] = names((IS_FRAUD, FRAUD_SCENARIO))
HANDBOOK_COUNTERS: Final[tuple[str, ...]] = ("tx_time_seconds", "tx_time_days")
COLUMNS: Final[tuple[str, ...]] = (*STREAM_COLUMNS, *LABEL_COLUMNS, *HANDBOOK_COUNTERS)


@dataclass(frozen=True, eq=False)
class TxArrays:
    """Labelled transactions of consecutive days, grouped by day in canonical order."""

    day: np.ndarray
    second_of_day: np.ndarray
    customer: np.ndarray
    terminal: np.ndarray
    amount: np.ndarray
    scenario: np.ndarray

    @classmethod
    def empty(cls) -> TxArrays:
        """No transactions (typed like real ones, so the frame gets the right dtypes)."""
        ints = np.empty(0, dtype=np.int64)
        return cls(ints, ints, ints, ints, np.empty(0), np.empty(0, dtype=np.int8))

    @classmethod
    def concat(cls, parts: list[TxArrays]) -> TxArrays:
        """The rows of all ``parts``, in order."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, index: np.ndarray) -> TxArrays:
        """The rows at ``index`` (positions or a boolean mask), in that order."""
        return TxArrays(*(getattr(self, f.name)[index] for f in fields(self)))


@dataclass(frozen=True, eq=False)
class CardTable:
    """Per-customer card token and last 4 digits (object arrays indexed by customer id)."""

    token: np.ndarray
    last4: np.ndarray


def build_frame(
    tx: TxArrays,
    profiles: Profiles,
    cards: CardTable,
    seed: int,
    origin: dt.date,
    *,
    terminal_currency: np.ndarray | None = None,
    id_prefix: str = "",
) -> pd.DataFrame:
    """Assemble the DataFrame described in this module's docstring.

    ``terminal_currency`` (by terminal id) defaults to :data:`CURRENCY` everywhere; ``id_prefix``
    goes in front of every id (the extended mode's ids never meet the handbook's).
    """
    seconds = tx.day * SECONDS_PER_DAY + tx.second_of_day
    when = (np.datetime64(origin, "s") + seconds).astype("datetime64[us]")
    mcc = profiles.merchant_category.astype(object)
    channel = profiles.channel.astype(object)
    columns = {
        "tx_id": pd.array(_tx_ids(seed, tx.day, id_prefix), dtype="str"),
        "tx_time": pd.DatetimeIndex(when).tz_localize("UTC"),
        "customer_id": tx.customer.astype(np.int64),
        "terminal_id": tx.terminal.astype(np.int64),
        "card_token": pd.array(cards.token[tx.customer], dtype="str"),
        "last4": pd.array(cards.last4[tx.customer], dtype="str"),
        "amount": tx.amount.astype(np.float64),
        "merchant_category": pd.array(mcc[tx.terminal], dtype="str"),
        "channel": pd.array(channel[tx.terminal], dtype="str"),
        "currency": pd.array(_currencies(tx.terminal, terminal_currency), dtype="str"),
        "terminal_x": profiles.terminal_x[tx.terminal],
        "terminal_y": profiles.terminal_y[tx.terminal],
        "is_fraud": (tx.scenario > 0).astype(np.int8),
        "fraud_scenario": tx.scenario.astype(np.int8),
        "tx_time_seconds": seconds.astype(np.int64),
        "tx_time_days": tx.day.astype(np.int64),
    }
    return pd.DataFrame({name: columns[name] for name in COLUMNS})  # KeyError if one is missed


def _currencies(terminal: np.ndarray, by_terminal: np.ndarray | None) -> np.ndarray:
    if by_terminal is None:
        return np.full(terminal.size, CURRENCY, dtype=object)
    return by_terminal[terminal]


def _tx_ids(seed: int, day: np.ndarray, prefix: str) -> np.ndarray:
    """Ids ``<prefix><seed hex>-<day>-<index in day>`` for rows grouped by day, as str objects."""
    if day.size == 0:
        return np.empty(0, dtype=object)
    days, first_row = np.unique(day, return_index=True)
    which = np.searchsorted(days, day)
    index = np.arange(day.size) - first_row[which]
    prefixes = np.array([f"{prefix}{seed:x}-{d:05d}-" for d in days.tolist()])
    suffixes = np.array([f"{i:07d}" for i in range(int(index.max()) + 1)])
    # Vectorised string concatenation: ~10x faster than formatting each id in Python.
    return np.strings.add(prefixes[which], suffixes[index]).astype(object)


def split_labels(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into (what goes on the stream, labels keyed by tx_id) so labels can be delayed."""
    stream_part = frame.loc[:, list(STREAM_COLUMNS)]
    labels = frame.loc[:, ["tx_id", "tx_time", *LABEL_COLUMNS]]
    return stream_part, labels
