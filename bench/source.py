"""The producer's source for the benchmarks: the simulator's live mode continuing the history.

Live traffic then has the history's per-customer rates and fraud scenarios, and each swipe's
features see the customer's and the terminal's real past: the model scores what it was trained
for. Count-paced (``take``): the simulated clock follows the swipes, whatever the wall rate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from fraudd.simulator import LiveSimulator, SimulationSpec
from fraudd.sources.base import Draft


class SimulatorSource:
    """Drafts from :class:`LiveSimulator`, starting at ``start`` (the history's end)."""

    def __init__(self, spec: SimulationSpec, start: dt.datetime) -> None:
        self.live = LiveSimulator(spec, start)

    def clock(self) -> dt.datetime:
        return self.live.clock

    def take(self, n: int) -> list[Draft]:
        """The next ``n`` swipes, converted column-wise."""
        return drafts(self.live.take(n)) if n > 0 else []


def drafts(frame: pd.DataFrame) -> list[Draft]:
    """One :class:`Draft` per row of a simulator frame."""
    times = frame["tx_time"].dt.to_pydatetime().tolist()
    return [
        Draft(
            tx_id=tx_id, tx_time=t, card_token=token, last4=last4, customer_id=str(customer),
            terminal_id=str(terminal), amount=amount, merchant_category=mcc, channel=channel,
            terminal_x=x, terminal_y=y, is_fraud=bool(fraud), fraud_scenario=int(scenario),
        )
        for tx_id, t, token, last4, customer, terminal, amount, mcc, channel, x, y, fraud, scenario
        in zip(
            _list(frame["tx_id"]), times, _list(frame["card_token"]), _list(frame["last4"]),
            _list(frame["customer_id"]), _list(frame["terminal_id"]), _list(frame["amount"]),
            _list(frame["merchant_category"]), _list(frame["channel"]),
            _list(frame["terminal_x"]), _list(frame["terminal_y"]), _list(frame["is_fraud"]),
            _list(frame["fraud_scenario"]),
            strict=True,
        )
    ]


def _list(column: pd.Series) -> list[object]:
    return list(np.asarray(column).tolist())
