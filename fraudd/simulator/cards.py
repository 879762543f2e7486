"""Card identity per customer: an opaque token and the last four digits, never a card number.

Both are derived by keyed hashing of (seed, customer id) so they are stable across runs, across
history and live mode, and across processes, without storing anything (invariant 7: the token is
the card's identity everywhere; alerts may show the last 4 digits).

A customer's first card is generation 0; a card reissued after a block
(:mod:`fraudd.simulator.reissue`) is the next generation, with its own token and last 4 digits.
"""

from __future__ import annotations

import hashlib
from typing import Final

import numpy as np

TOKEN_PREFIX: Final[str] = "tok_"
# Hex digits 0-9 become letters q-z: a token then never holds a 13-19 digit run that a
# data-loss scanner (or a human) could take for a card number. Still 96 bits, 24 characters.
_NO_DIGITS = str.maketrans("0123456789", "qrstuvwxyz")


def _digest(seed: int, customer_id: int, person: bytes, size: int, generation: int) -> bytes:
    # Generation 0 hashes what the first cards always hashed: their tokens never change.
    text = f"{seed}:{customer_id}" + (f":{generation}" if generation else "")
    data = text.encode()
    return hashlib.blake2b(data, digest_size=size, person=person).digest()


def card_token(seed: int, customer_id: int, generation: int = 0) -> str:
    """Return the card token of a customer: ``tok_`` + 24 letters (hex with digits as q-z)."""
    digest = _digest(seed, customer_id, b"fraudd-card-tok", 12, generation)
    return TOKEN_PREFIX + digest.hex().translate(_NO_DIGITS)


def card_last4(seed: int, customer_id: int, generation: int = 0) -> str:
    """Return the last 4 digits shown for a customer's card (independent of the token)."""
    value = int.from_bytes(_digest(seed, customer_id, b"fraudd-last4", 8, generation), "big")
    return f"{value % 10_000:04d}"


def card_tokens(seed: int, n_customers: int) -> np.ndarray:
    """Tokens of customers ``0..n_customers-1`` as an object array indexed by customer id."""
    return np.array([card_token(seed, c) for c in range(n_customers)], dtype=object)


def card_last4s(seed: int, n_customers: int) -> np.ndarray:
    """Last 4 digits of customers ``0..n_customers-1`` as an object array indexed by customer id."""
    return np.array([card_last4(seed, c) for c in range(n_customers)], dtype=object)
