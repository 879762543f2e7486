"""The history's timeline continued past its end, produced on a simulated clock (live mode).

``LiveSimulator.advance(until)`` returns every transaction with event time in ``[clock, until)``
and moves the clock to ``until``; ``take(n)`` returns the next ``n`` transactions whatever their
time and moves the clock to the last one's time; both can be mixed freely. Whole simulated days
are generated lazily with the history's own day function, so live traffic has exactly the
history's per-customer rates and fraud scenarios (compromises keep starting every day; their
windows run across the history/live boundary). Mapping wall time to simulated time (the speed-up
factor) is the caller's business.

The frame returned carries the labels (``is_fraud``, ``fraud_scenario``) so the caller can write
them to the labels table later; what goes on the stream is ``frame[STREAM_COLUMNS]`` (invariant 6).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from fraudd.simulator.days import SECONDS_PER_DAY
from fraudd.simulator.frauds import LOOKBEHIND_DAYS
from fraudd.simulator.timeline import SimulationSpec, Timeline

_US_PER_S = 1_000_000
_US_PER_DAY = SECONDS_PER_DAY * _US_PER_S


class LiveSimulator:
    """Stateful generator over one :class:`SimulationSpec`, starting at simulated time ``start``.

    To continue a history of ``D`` days, start at ``spec.day_start(D)``: ids then never collide
    with the history's. Starting inside the history's range replays the history's transactions
    (same ids), which keeps re-runs idempotent.
    """

    def __init__(self, spec: SimulationSpec, start: dt.datetime) -> None:
        self.spec = spec
        self._timeline = Timeline(spec)
        self._origin_us = _to_us(spec.day_start(0))
        self._clock_us = _to_us(start)
        if self._clock_us < self._origin_us:
            raise ValueError(f"start {start} is before the timeline origin {spec.origin}")
        self._day = -1
        self._empty = self._timeline.days(0, 0)
        self._day_frame = self._empty
        self._day_times = np.empty(0, dtype=np.int64)
        self._pos = 0
        """Next row of ``_day_frame`` to return (rows at ``clock`` may be partly taken)."""

    @property
    def clock(self) -> dt.datetime:
        """Current simulated time: every transaction before it has been returned."""
        return _from_us(self._clock_us)

    @property
    def timeline(self) -> Timeline:
        """The timeline being played (profiles, cards)."""
        return self._timeline

    def advance(self, until: dt.datetime) -> pd.DataFrame:
        """Transactions with event time in ``[clock, until)``, in time order; clock := until."""
        until_us = _to_us(until)
        parts: list[pd.DataFrame] = []
        while self._clock_us < until_us:
            day_end = self._load_current_day()
            stop = min(until_us, day_end)
            hi = int(np.searchsorted(self._day_times, stop, side="left"))
            parts.append(self._day_frame.iloc[self._pos : hi])
            self._pos, self._clock_us = hi, stop
        return self._joined(parts)

    def take(self, n: int) -> pd.DataFrame:
        """The next ``n`` transactions in time order; clock := event time of the last one."""
        if n > 0 and not self._timeline.profiles.nb_available.any():
            raise ValueError("no customer has a terminal in range: the timeline is empty")
        parts: list[pd.DataFrame] = []
        while n > 0:
            day_end = self._load_current_day()
            hi = min(self._pos + n, len(self._day_frame))
            if hi > self._pos:
                parts.append(self._day_frame.iloc[self._pos : hi])
                n -= hi - self._pos
                self._pos, self._clock_us = hi, int(self._day_times[hi - 1])
            if n > 0:
                self._clock_us = day_end
        return self._joined(parts)

    def _joined(self, parts: list[pd.DataFrame]) -> pd.DataFrame:
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else self._empty.copy()

    def _load_current_day(self) -> int:
        """Make the clock's day current; return the day's end (µs since the epoch)."""
        day = (self._clock_us - self._origin_us) // _US_PER_DAY
        if day != self._day:
            self._day_frame = self._timeline.days(day, day + 1)
            self._day_times = self._origin_us + (
                self._day_frame["tx_time_seconds"].to_numpy(dtype=np.int64) * _US_PER_S
            )
            self._day = day
            self._pos = int(np.searchsorted(self._day_times, self._clock_us, side="left"))
            # Labelling day d needs genuine days from d - LOOKBEHIND_DAYS on; older ones are done.
            self._timeline.forget_before(day - LOOKBEHIND_DAYS)
        return self._origin_us + (day + 1) * _US_PER_DAY


def _to_us(moment: dt.datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"simulated time must be timezone-aware, got {moment!r}")
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * SECONDS_PER_DAY + delta.seconds) * _US_PER_S + delta.microseconds


def _from_us(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
