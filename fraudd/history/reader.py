"""Reading a history file in chunks of lines, with each row's line number.

The file is read line by line (gzip-compressed when it starts with the gzip magic bytes), so
line numbers stay exact whatever the content: a line whose field count is wrong (or whose quotes
do not balance) is set aside as malformed before pandas parses the rest of the chunk, and blank
lines are skipped. Invalid UTF-8 is replaced (U+FFFD), which the validation then rejects.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import operator
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import numpy as np
import pandas as pd

from fraudd.history.columns import Layout, detect_layout
from fraudd.resources import OpenOnEnter

CHUNK_ROWS: Final[int] = 200_000
_GZIP_MAGIC = b"\x1f\x8b"


class UnreadableLine(ValueError):
    """A line the csv module cannot parse at all (a field longer than its size limit): the
    file is refused, naming the line, rather than guessed at."""

    def __init__(self, line: int, error: csv.Error) -> None:
        super().__init__(f"line {line}: not readable as CSV ({error}): fix or remove the line")
        self.line = line


@dataclass(frozen=True, eq=False)
class RawChunk:
    """Rows of one chunk as text, under canonical column names, and their line numbers."""

    frame: pd.DataFrame
    lines: np.ndarray
    """Line number (1 = header) of each row of ``frame``."""
    malformed: np.ndarray
    """Line numbers of lines with the wrong number of fields."""


class HistoryFile(OpenOnEnter):
    """A labelled history file opened for chunked reading: ``with HistoryFile(p) as f: ...``."""

    def __init__(
        self, path: str | Path, chunk_rows: int = CHUNK_ROWS, own: Sequence[str] = ()
    ) -> None:
        self.path = Path(path)
        self.chunk_rows = chunk_rows
        self.own = tuple(own)
        """The declared fields' names: the columns accepted beyond the layout's."""
        self.size = self.path.stat().st_size
        self._raw: IO[bytes] | None = None
        self._text: IO[str] | None = None
        self.layout: Layout | None = None
        self._next_line = 2

    def _open(self, stack: ExitStack) -> None:
        raw = self._raw = stack.enter_context(open(self.path, "rb"))
        binary: IO[bytes] | gzip.GzipFile = raw
        if raw.read(2) == _GZIP_MAGIC:
            binary = gzip.GzipFile(fileobj=raw, mode="rb")
        raw.seek(0)
        self._text = stack.enter_context(
            io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
        )
        try:
            header = next(csv.reader([self._text.readline()]), [])
        except csv.Error as error:
            raise UnreadableLine(1, error) from None
        self.layout = detect_layout(header, self.own)  # a LayoutError closes the file again

    @property
    def bytes_read(self) -> int:
        """How far into the (possibly compressed) file reading has got: for progress bars."""
        return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size

    def chunks(self) -> Iterator[RawChunk]:
        """The file's rows, ``chunk_rows`` lines at a time."""
        if self._text is None or self.layout is None:
            raise RuntimeError("use HistoryFile as a context manager")
        while True:
            lines = list(itertools.islice(self._text, self.chunk_rows))
            if not lines:
                return
            first, self._next_line = self._next_line, self._next_line + len(lines)
            yield parse_lines(lines, first, self.layout)


def parse_lines(lines: list[str], first_line: int, layout: Layout) -> RawChunk:
    """Parse raw lines (``first_line`` is the number of ``lines[0]``) into a :class:`RawChunk`."""
    width = len(layout.header)
    if not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"  # the file's last line
    fields = np.fromiter(map(_COUNT_COMMAS, lines), dtype=np.int64, count=len(lines)) + 1
    for i in np.flatnonzero(np.fromiter(map(_HAS_QUOTE, lines), dtype=bool, count=len(lines))):
        try:
            fields[i] = _quoted_field_count(lines[i])
        except csv.Error as error:
            raise UnreadableLine(first_line + int(i), error) from None
    blank = np.zeros(len(lines), dtype=bool)
    for i in np.flatnonzero(fields == 1):
        blank[i] = not lines[i].strip()
    good = fields == width
    numbers = np.arange(first_line, first_line + len(lines), dtype=np.int64)
    text = "".join(lines) if good.all() else "".join(lines[i] for i in np.flatnonzero(good))
    return RawChunk(
        frame=_frame(text, layout), lines=numbers[good], malformed=numbers[~good & ~blank]
    )


_COUNT_COMMAS = operator.methodcaller("count", ",")
_HAS_QUOTE = operator.methodcaller("__contains__", '"')


def _quoted_field_count(line: str) -> int:
    if line.count('"') % 2:
        return -1  # an unbalanced quote would swallow the next lines
    return len(next(csv.reader([line]), []))


def _frame(text: str, layout: Layout) -> pd.DataFrame:
    positions = sorted(layout.sources.values())
    names = {pos: name for name, pos in layout.sources.items()}
    if not text:
        return pd.DataFrame({names[p]: pd.Series([], dtype=str) for p in positions})
    frame = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=list(range(len(layout.header))),
        usecols=positions,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
    )
    return frame.rename(columns=names)
