"""Merchant attributes of terminals: ISO 18245 merchant category code (MCC) and channel.

The handbook's terminals are only points on a map; a card application also reports what kind of
merchant a terminal belongs to and how the card was presented. Both are fixed per terminal.
The weights are plausible shares of card transactions by category, not measured figures.
"""

from __future__ import annotations

from typing import Final

import numpy as np

CHANNELS: Final[tuple[str, ...]] = ("pos", "ecom", "atm")
CHANNEL_WEIGHTS: Final[tuple[float, ...]] = (0.80, 0.15, 0.05)

ATM_MCC: Final[str] = "6011"
"""Cash disbursement (automated); every ATM terminal has it."""

MCC_WEIGHTS: Final[dict[str, dict[str, float]]] = {
    "pos": {
        "5411": 0.30,  # grocery stores, supermarkets
        "5812": 0.18,  # eating places, restaurants
        "5541": 0.12,  # service stations (fuel)
        "5999": 0.10,  # miscellaneous retail
        "5912": 0.08,  # drug stores, pharmacies
        "4111": 0.07,  # local commuter transport
        "5311": 0.07,  # department stores
        "7011": 0.03,  # hotels, lodging
        "5732": 0.05,  # electronics stores
    },
    # Card-not-present merchants: no fuel pumps or restaurant tills online.
    "ecom": {
        "5999": 0.35,
        "5732": 0.20,
        "5311": 0.20,
        "7011": 0.10,
        "4111": 0.10,
        "5912": 0.05,
    },
}


def draw_merchant_attributes(
    n_terminals: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (merchant_category, channel) string arrays for ``n_terminals`` terminals."""
    channel = np.asarray(CHANNELS)[rng.choice(len(CHANNELS), size=n_terminals, p=CHANNEL_WEIGHTS)]
    mcc = np.full(n_terminals, ATM_MCC, dtype="<U4")
    for name, weights in MCC_WEIGHTS.items():
        where = np.flatnonzero(channel == name)
        codes = np.asarray(list(weights), dtype="<U4")
        p = np.asarray(list(weights.values()))
        mcc[where] = codes[rng.choice(len(codes), size=where.size, p=p / p.sum())]
    return mcc, channel
