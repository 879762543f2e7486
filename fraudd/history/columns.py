"""The layouts of a labelled history file, the columns fraudd loads, and the defaults it derives.

Two layouts are recognised from the header alone (no flag):

* **fraudd** (what ``fraudd simulate history --out`` and :func:`fraudd.simulator.write_csv`
  write). Required: ``tx_id, tx_time, customer_id, terminal_id, amount, is_fraud``. Optional:
  ``card_token`` (default: a token derived from ``customer_id``), ``last4`` (default ``0000``),
  ``labelled_at`` or ``label_time`` (default: ``tx_time`` + the label delay below),
  ``merchant_category``, ``channel``, ``currency`` (default ``EUR``), ``terminal_x``,
  ``terminal_y``, ``fraud_scenario``. ``tx_time`` is ISO 8601; without an offset it is UTC.
* **handbook** (the published dataset of the *Reproducible Machine Learning for Credit Card
  Fraud Detection* handbook). Required: ``TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID,
  TERMINAL_ID, TX_AMOUNT, TX_FRAUD``; optional ``TX_FRAUD_SCENARIO``; ``TX_TIME_SECONDS`` and
  ``TX_TIME_DAYS`` are accepted and ignored (they follow from ``TX_DATETIME``, which is
  ``YYYY-MM-DD HH:MM:SS`` in UTC).

A column named as one of the issuer's declared fields (:mod:`fraudd.fields`) carries that field,
in either layout. Any other column is refused (:class:`LayoutError` names them), except an
unnamed index column (pandas writes one) and the handbook's time counters. One record per line;
fields may be quoted but must not contain line breaks.

Label delay: a chargeback is known some time after the transaction. When a file does not say
when (and for every simulated history), the label is known at ``tx_time + delay`` with the
delay drawn uniformly from [1 day, ``producer.label_delay_days``] by hashing ``tx_id``: the same
transaction always gets the same delay, and no delay exceeds the configured one, so the
terminal-risk features (which use labels at least that old) see every label in their window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from fraudd import columns as cols
from fraudd.pan import NO_DIGITS

MIN_LABEL_DELAY_DAYS: Final[float] = 1.0
DEFAULT_LAST4: Final[str] = "0000"

NORMAL_COLUMNS: Final[tuple[str, ...]] = cols.names(cols.HISTORY_ROW)
"""A validated row: the file's line number, the transaction and its label (see validate.py)."""
TX_COLUMNS: Final[tuple[str, ...]] = cols.names(cols.TRANSACTION)
"""Columns of ``transactions`` a history row fills (``source`` is added by the loader)."""
LABEL_COLUMNS: Final[tuple[str, ...]] = cols.names(cols.LABEL)

REQUIRED: Final[tuple[str, ...]] = cols.names(
    (cols.TX_ID, cols.TX_TIME, cols.CUSTOMER_ID, cols.TERMINAL_ID, cols.AMOUNT, cols.IS_FRAUD)
)
"""What a fraudd-layout file must have; the other columns of a row may be missing."""
OPTIONAL: Final[tuple[str, ...]] = tuple(n for n in NORMAL_COLUMNS[1:] if n not in REQUIRED)
FRAUDD_ALIASES: Final[dict[str, str]] = {"label_time": "labelled_at"}
HANDBOOK_NAMES: Final[dict[str, str]] = {
    "TRANSACTION_ID": "tx_id",
    "TX_DATETIME": "tx_time",
    "CUSTOMER_ID": "customer_id",
    "TERMINAL_ID": "terminal_id",
    "TX_AMOUNT": "amount",
    "TX_FRAUD": "is_fraud",
    "TX_FRAUD_SCENARIO": "fraud_scenario",
}


class LayoutError(ValueError):
    """The header matches neither layout; the message names what is missing."""


@dataclass(frozen=True)
class Layout:
    """Which layout a file has and where each canonical column comes from."""

    name: str
    header: tuple[str, ...]
    sources: dict[str, int]
    """Canonical column -> position in the header (only the columns present)."""


IGNORED: Final[frozenset[str]] = frozenset(
    {"", "TX_TIME_SECONDS", "TX_TIME_DAYS", "tx_time_seconds", "tx_time_days"}
)
"""Columns a file may carry that fraudd does not load: an index, the handbook's counters."""


def detect_layout(header: list[str], own: Sequence[str] = ()) -> Layout:
    """Recognise the layout from the header, or raise :class:`LayoutError`; ``own`` names the
    declared fields, the only columns beyond the layout's (and :data:`IGNORED`) accepted."""
    layout = _known_layout(header)
    names = layout.header
    fields = {n: i for i, n in enumerate(names) if n in own}
    taken = {names[i] for i in layout.sources.values()} | set(HANDBOOK_NAMES) | set(FRAUDD_ALIASES)
    extra = [n for n in names if n not in taken and n not in fields and not _ignored(n)]
    if extra:
        raise LayoutError(
            f"undeclared columns: {', '.join(extra)}; declare them as fields ([fields] in the "
            "settings) or remove them from the file"
        )
    return Layout(layout.name, names, {**layout.sources, **fields})


def _ignored(name: str) -> bool:
    return name in IGNORED or name.startswith("Unnamed:")


def _known_layout(header: list[str]) -> Layout:
    names = [h.strip() for h in header]
    handbook = {HANDBOOK_NAMES[n]: i for i, n in enumerate(names) if n in HANDBOOK_NAMES}
    if set(REQUIRED) <= set(handbook):
        return Layout("handbook", tuple(names), handbook)
    known = set(REQUIRED) | set(OPTIONAL)
    fraudd: dict[str, int] = {}
    for i, n in enumerate(names):
        canonical = FRAUDD_ALIASES.get(n, n)
        if canonical in known and canonical not in fraudd:
            fraudd[canonical] = i
    if set(REQUIRED) <= set(fraudd):
        return Layout("fraudd", tuple(names), fraudd)
    missing = [c for c in REQUIRED if c not in fraudd]
    missing_hb = [h for h, c in HANDBOOK_NAMES.items() if c in REQUIRED and c not in handbook]
    raise LayoutError(
        f"unrecognised header: the fraudd layout lacks {', '.join(missing)}; "
        f"the handbook layout lacks {', '.join(missing_hb)}"
    )


def label_delays(tx_ids: pd.Series | np.ndarray, max_days: float) -> np.ndarray:
    """Per-transaction label delay (``timedelta64[s]``), uniform in [1 day, ``max_days``].

    Deterministic: a hash of the id, not a random stream, so the delay does not depend on how
    a file is chunked or on the other rows. ``max_days`` below one day is taken as is.
    """
    low = min(MIN_LABEL_DELAY_DAYS, max_days)
    hashes = pd.util.hash_array(np.asarray(tx_ids, dtype=object))  # same for any string dtype
    unit = (hashes >> np.uint64(11)).astype(np.float64) / float(1 << 53)  # [0, 1)
    seconds = np.floor((low + unit * (max_days - low)) * 86_400.0)
    return seconds.astype(np.int64).astype("timedelta64[s]")


def derived_card_token(customer_id: str) -> str:
    """An opaque token for a customer's card when a file has none: ``tok_`` + 24 letters.

    Keyed hashing of the customer id (not the simulator's seed-based tokens: an imported file
    has no seed); digits become letters so that a token never looks like a card number.
    """
    digest = hashlib.blake2b(customer_id.encode(), digest_size=12, person=b"fraudd-imp-tok")
    return "tok_" + digest.hexdigest().translate(NO_DIGITS)
