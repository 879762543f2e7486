"""Replay of a labelled history file as swipes, in time order, chunk by chunk.

The file (fraudd or handbook layout, plain or gzip) is read and validated like an import
(:mod:`fraudd.history`); rows that would be rejected there are skipped and counted. Each chunk
is sorted by event time; a file that is not in time order across chunks is replayed as it comes
(the clock never goes back) and the out-of-order rows are counted.

Pacing: by default the producer's rate decides how many swipes are taken. With ``speedup`` the
source also holds back every swipe whose event time is ahead of the replay's simulated clock,
which runs ``speedup`` simulated seconds per wall second from the first event.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Final

import structlog

from fraudd.history.reader import HistoryFile
from fraudd.history.validate import validate_chunk
from fraudd.resources import OpenOnEnter
from fraudd.settings import OwnField
from fraudd.sources.base import Draft
from fraudd.sources.live import drafts_from_frame

log = structlog.get_logger(__name__)
CHUNK_ROWS: Final[int] = 50_000


class ReplaySource(OpenOnEnter):
    """A :class:`~fraudd.sources.base.Source` over a history file: ``with ReplaySource(p) as s``."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_delay_days: float = 7.0,
        speedup: float | None = None,
        chunk_rows: int = CHUNK_ROWS,
        monotonic: Callable[[], float] = time.monotonic,
        own: Sequence[OwnField] = (),
    ) -> None:
        if speedup is not None and not speedup > 0:
            raise ValueError("speedup must be positive")
        self.own = tuple(own)
        """The declared fields: the file's columns of those names travel with each swipe."""
        self.file = HistoryFile(path, chunk_rows, [f.name for f in own])
        self.max_delay_days = max_delay_days
        self.speedup = speedup
        self.monotonic = monotonic
        self.rejected: Counter[str] = Counter()
        self.out_of_order = 0
        self._chunks: Iterator[list[Draft]] | None = None
        # The next chunk is read and validated on this thread while the current one is sent:
        # the event loop only waits when the producer outruns the reader.
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="fraudd-replay")
        self._next: Future[list[Draft] | None] | None = None
        self._buffer: deque[Draft] = deque()
        self._last: dt.datetime | None = None
        self.first_event: dt.datetime | None = None
        self._anchor: tuple[float, dt.datetime] | None = None
        self._now = dt.datetime.now(dt.UTC)

    def _open(self, stack: ExitStack) -> None:
        stack.enter_context(self.file)
        # Registered after the file: on exit the reader thread stops before the file closes.
        stack.callback(self._reader.shutdown, wait=True, cancel_futures=True)
        self._chunks = self._read()
        self._next = self._reader.submit(next, self._chunks, None)

    @property
    def exhausted(self) -> bool:
        """True once every row of the file has been taken."""
        return self._chunks is None or (not self._buffer and not self._fill())

    @property
    def newest_event(self) -> dt.datetime | None:
        """Event time of the newest swipe taken so far."""
        return self._last

    def take(self, n: int) -> list[Draft]:
        """Up to ``n`` swipes in file time order (fewer at the end, or when paced by speed-up)."""
        due = self._due_time()
        taken: list[Draft] = []
        while len(taken) < n and (self._buffer or self._fill()):
            if due is not None and self._buffer[0].tx_time > due:
                break
            draft = self._buffer.popleft()
            self.first_event = self.first_event or draft.tx_time
            if self._last is not None and draft.tx_time < self._last:
                self.out_of_order += 1
            else:
                self._last = draft.tx_time
            taken.append(draft)
        return taken

    def clock(self) -> dt.datetime:
        """Simulated now: the paced clock with a speed-up, else the newest event taken."""
        due = self._due_time()
        if due is not None:
            return max(due, self._last) if self._last is not None else due
        return self._last or dt.datetime.min.replace(tzinfo=dt.UTC)

    def _due_time(self) -> dt.datetime | None:
        if self.speedup is None:
            return None
        if self._anchor is None:
            if not (self._buffer or self._fill()):
                return None
            self._anchor = (self.monotonic(), self._buffer[0].tx_time)
        wall, first = self._anchor
        return first + dt.timedelta(seconds=(self.monotonic() - wall) * self.speedup)

    def _fill(self) -> bool:
        """Read chunks until the buffer has drafts or the file ends; False at the end."""
        while not self._buffer and self._chunks is not None and self._next is not None:
            drafts = self._next.result()
            if drafts is None:
                self._chunks = self._next = None
                log.info("replay.file_read", rejected=dict(self.rejected))
                return False
            self._buffer.extend(drafts)
            self._next = self._reader.submit(next, self._chunks, None)
        return bool(self._buffer)

    def _read(self) -> Iterator[list[Draft]]:
        for raw in self.file.chunks():
            checked = validate_chunk(raw, self._now, self.max_delay_days, self.own)
            self.rejected.update(checked.rejects["reason"].tolist())
            rows = checked.rows.sort_values(["tx_time", "line"], kind="stable")
            yield drafts_from_frame(rows, self.own)
