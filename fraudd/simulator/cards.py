"""Card identity per customer: an opaque token and the last four digits, never a card number.

Both are derived by keyed hashing of (seed, customer id) so they are stable across runs, across
history and live mode, and across processes, without storing anything (invariant 7: the token is
the card's identity everywhere; alerts may show the last 4 digits).
"""

from __future__ import annotations

import hashlib
from typing import Final

import numpy as np

from fraudd.pan import NO_DIGITS

TOKEN_PREFIX: Final[str] = "tok_"


def _digest(seed: int, customer_id: int, person: bytes, size: int) -> bytes:
    data = f"{seed}:{customer_id}".encode()
    return hashlib.blake2b(data, digest_size=size, person=person).digest()


def card_token(seed: int, customer_id: int) -> str:
    """Return the card token of a customer: ``tok_`` + 24 letters (hex with digits as q-z)."""
    return TOKEN_PREFIX + _digest(seed, customer_id, b"fraudd-card-tok", 12).hex().translate(
        NO_DIGITS  # a data-loss scanner (or a human) never takes it for a card number
    )


def card_last4(seed: int, customer_id: int) -> str:
    """Return the last 4 digits shown for a customer's card (independent of the token)."""
    value = int.from_bytes(_digest(seed, customer_id, b"fraudd-last4", 8), "big")
    return f"{value % 10_000:04d}"


def card_tokens(seed: int, n_customers: int) -> np.ndarray:
    """Tokens of customers ``0..n_customers-1`` as an object array indexed by customer id."""
    return np.array([card_token(seed, c) for c in range(n_customers)], dtype=object)


def card_last4s(seed: int, n_customers: int) -> np.ndarray:
    """Last 4 digits of customers ``0..n_customers-1`` as an object array indexed by customer id."""
    return np.array([card_last4(seed, c) for c in range(n_customers)], dtype=object)
