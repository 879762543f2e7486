"""The issuer's declared fields (:mod:`fraudd.fields`) that the simulator can fill.

The handbook's model has no such fields; a few follow from what it draws. A declared field of a
name and type listed in :data:`SIMULATED` gets the simulator's value, in the history it
generates and in the live traffic that continues it, so training and serving see the same
field. Any other declared field is left empty (NULL in the warehouse; absent on the wire, so a
live swipe lacking a *required* one is a dead letter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import pandas as pd

from fraudd.settings import FieldType, OwnField

SIMULATED: Final[dict[str, tuple[FieldType, Callable[[pd.DataFrame], pd.Series]]]] = {
    "card_present": ("boolean", lambda frame: frame["channel"] != "ecom"),
}
"""Field name -> (its type, its value from a simulator frame)."""


def simulated_fields(own: Sequence[OwnField]) -> tuple[OwnField, ...]:
    """The declared fields the simulator fills: same name and type as in :data:`SIMULATED`."""
    return tuple(f for f in own if f.name in SIMULATED and SIMULATED[f.name][0] == f.type)


def with_simulated_fields(frame: pd.DataFrame, own: Sequence[OwnField]) -> pd.DataFrame:
    """``frame`` with a column for each declared field the simulator fills."""
    return frame.assign(**{f.name: SIMULATED[f.name][1](frame) for f in simulated_fields(own)})
