"""``fraudd history import``: load a labelled history file (fraudd or handbook layout).

Rows are validated chunk by chunk (:mod:`fraudd.history.validate`); good rows are bulk-loaded
(:mod:`fraudd.history.loader`), which also rejects ids already in the warehouse or repeated in
the file. Bad rows never stop the import: they are counted by reason, and the first few are
reported with their line numbers (never their content, which may hold card data).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from fraudd.history.columns import NORMAL_COLUMNS
from fraudd.history.csvtext import csv_text
from fraudd.history.loader import ProgressFn, threaded
from fraudd.history.reader import CHUNK_ROWS, HistoryFile
from fraudd.history.validate import REASONS, validate_chunk
from fraudd.settings import Settings
from fraudd.warehouse import LoadResult, Warehouse

log = structlog.get_logger(__name__)


@dataclass
class ImportSummary:
    """The outcome of one import: rows read, loaded, rejected by reason, the first bad lines."""

    path: str
    layout: str = ""
    rows_read: int = 0
    loaded: int = 0
    labels: int = 0
    label_delay_days: float = 0.0
    labels_at_delay: int = 0
    """Rows without ``labelled_at`` that passed validation: their label is known at
    ``tx_time + label_delay_days`` (the conservative rule)."""
    rejected: Counter[str] = field(default_factory=Counter)
    first_rejects: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    load: LoadResult | None = None

    @property
    def label_time_rule(self) -> str:
        """How label times were set, in words (the import summary says it)."""
        return (
            f"labelled_at from the file where given; otherwise tx_time + "
            f"{self.label_delay_days:g} days (producer.label_delay_days)"
        )

    @property
    def rejected_total(self) -> int:
        """Rows not loaded, whatever the reason."""
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` (reasons in :data:`REASONS` order)."""
        return {
            "path": self.path,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "labels": self.labels,
            "label_time_rule": self.label_time_rule,
            "labels_at_delay": self.labels_at_delay,
            "rejected": self.rejected_total,
            "rejected_by_reason": {r: self.rejected[r] for r in REASONS if self.rejected[r]},
            "first_rejects": [{"line": line, "reason": r} for line, r in self.first_rejects],
            "seconds": self.seconds,
            "load_seconds": self.load.seconds if self.load is not None else {},
        }


class _Reading:
    """The file-side half of an import: read, validate, format; keeps the file-side rejects."""

    def __init__(self, summary: ImportSummary, sample: int, max_delay_days: float) -> None:
        self.summary = summary
        self.sample = sample
        self.max_delay_days = max_delay_days
        self.now = dt.datetime.now(dt.UTC)

    def chunks(self, file: HistoryFile, progress: ProgressFn | None) -> Iterator[str]:
        for raw in file.chunks():
            checked = validate_chunk(raw, self.now, self.max_delay_days)
            rejects = checked.rejects
            self.summary.rows_read += len(raw.frame) + raw.malformed.size
            self.summary.labels_at_delay += checked.labels_at_delay
            self.summary.rejected.update(Counter(rejects["reason"].tolist()))
            room = self.sample - len(self.summary.first_rejects)
            if room > 0:
                head = rejects.head(room)
                self.summary.first_rejects += list(
                    zip(head["line"].tolist(), head["reason"].tolist(), strict=True)
                )
            if progress is not None:
                progress("read", file.bytes_read, file.size)
            yield csv_text(checked.rows, NORMAL_COLUMNS)


async def import_history(
    wh: Warehouse,
    settings: Settings,
    path: str | Path,
    *,
    sample: int = 20,
    chunk_rows: int = CHUNK_ROWS,
    progress: ProgressFn | None = None,
) -> ImportSummary:
    """Validate and load ``path``; raise :class:`~fraudd.history.columns.LayoutError` early."""
    began = time.perf_counter()
    summary = ImportSummary(str(path), label_delay_days=settings.producer.label_delay_days)
    reading = _Reading(summary, sample, settings.producer.label_delay_days)
    with HistoryFile(path, chunk_rows) as file:
        assert file.layout is not None
        summary.layout = file.layout.name
        async with wh.session() as session, session.history_load(sample_size=sample) as loader:
            await loader.stage(threaded(reading.chunks(file, progress)))
            if progress is not None:
                progress("load", 0, None)
            summary.load = await loader.finish()
    _merge(summary, summary.load, sample)
    summary.seconds = round(time.perf_counter() - began, 3)
    log.info("history.imported", **{k: v for k, v in summary.as_dict().items() if k != "path"})
    return summary


def _merge(summary: ImportSummary, load: LoadResult, sample: int) -> None:
    summary.loaded, summary.labels = load.loaded, load.labels
    summary.rejected.update(load.rejected)
    summary.first_rejects = sorted(summary.first_rejects + load.sample)[:sample]
