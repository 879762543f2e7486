"""Independent, named random streams derived from one seed.

Every random decision of the simulator draws from a stream keyed by ``(seed, purpose, *keys)``
(e.g. the transactions of day 17). Streams never share state, so generating day 17 does not
depend on which other days were generated before it: a 40-day history equals a 30-day history
followed by 10 live days, bit for bit.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """Stable stream identifiers; never renumber (that would change every generated dataset)."""

    PROFILES = 1
    DAY = 2
    COMPROMISED_TERMINALS = 3
    COMPROMISED_CUSTOMERS = 4
    HABITS = 5
    HABITUAL_DAY = 6
    CARD_TESTING = 7
    CNP_COMPROMISE = 8
    FAR_FROM_HOME = 9
    NIGHT_SPREE = 10


def stream(seed: int, purpose: Purpose, *keys: int) -> np.random.Generator:
    """Return the generator for ``purpose`` (and e.g. a day number) under ``seed``."""
    if seed < 0 or any(k < 0 for k in keys):
        raise ValueError("seed and stream keys must be non-negative")
    return np.random.default_rng(np.random.SeedSequence([seed, int(purpose), *keys]))
