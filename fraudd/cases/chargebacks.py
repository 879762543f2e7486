"""``fraudd labels import FILE``: chargeback files become labels; bad rows are reported by line.

A file is CSV with a header naming three columns (aliases accepted): the transaction id
(``tx_id``), the label (``label`` / ``is_fraud``: 1/0, true/false, fraud/legitimate, yes/no) and
when the bank learnt it (``labelled_at`` / ``label_time``: ISO 8601 with a time zone). A row is
rejected, with its line number, the column and the reason, when a field is missing or malformed
(a transaction id holding a card number included), when its transaction appears earlier in the
file, when its transaction is unknown to the warehouse, or when its label time is before the
transaction or in the future. A reason never repeats the cell: a rejected cell may be a card
number or a spreadsheet formula. A field longer than the csv module's limit refuses the file.
Every other row is loaded, in one transaction, with source ``chargeback``: it replaces any label
the transaction had (a chargeback after a verdict wins) and a disagreement with a verdict is
counted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fraudd.cases.service import Actor, audit_entry
from fraudd.cases.values import CHARGEBACK_SOURCE, VERDICT_SOURCE
from fraudd.pan import holds_pan, refusal
from fraudd.records import IDENT_PATTERN
from fraudd.warehouse import CaseOps, Label, text_bytes

COLUMNS = {
    "tx_id": ("tx_id", "transaction_id", "transaction"),
    "label": ("label", "is_fraud", "fraud"),
    "labelled_at": ("labelled_at", "label_time", "labeled_at", "chargeback_time"),
}
TRUE = frozenset({"1", "true", "t", "yes", "y", "fraud"})
FALSE = frozenset({"0", "false", "f", "no", "n", "legitimate", "legit", "genuine"})
FUTURE_SLACK = timedelta(minutes=5)
SUBJECT_BYTES = text_bytes("audit_log", "subject")  # it holds the file's name, cut to fit
_TX_ID = re.compile(IDENT_PATTERN)


class FileRefused(Exception):
    """The file as a whole cannot be read (no header, missing column, not UTF-8)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str


@dataclass
class ImportReport:
    loaded: int = 0
    disagreements: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def _header(names: list[str]) -> dict[str, int]:
    lowered = [n.strip().lower() for n in names]
    found = {}
    for key, aliases in COLUMNS.items():
        index = next((lowered.index(a) for a in aliases if a in lowered), None)
        if index is None:
            raise FileRefused(f"the header has no {key} column (any of {', '.join(aliases)})")
        found[key] = index
    return found


def parse_row(row: list[str], cols: dict[str, int]) -> Label:
    """One data row as a label, or ValueError saying what is wrong with it."""
    if len(row) <= max(cols.values()):
        raise ValueError(f"expected at least {max(cols.values()) + 1} fields, got {len(row)}")
    tx_id, label, when = (row[cols[k]].strip() for k in ("tx_id", "label", "labelled_at"))
    if holds_pan(tx_id):
        raise ValueError(refusal("column tx_id"))
    if not _TX_ID.fullmatch(tx_id):
        raise ValueError("column tx_id: not 1-64 letters, digits, '_', '.', ':' or '-'")
    if label.lower() not in TRUE | FALSE:
        raise ValueError("column label: not fraud/legitimate, 1/0, true/false or yes/no")
    try:
        at = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("column labelled_at: not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ValueError("column labelled_at: no time zone (add Z or +00:00)")
    return Label(tx_id, label.lower() in TRUE, at)


def read_file(path: Path) -> Iterator[tuple[int, Label | str]]:
    """``(line, label)`` for good rows and ``(line, reason)`` for bad ones, in file order."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise FileRefused(f"{path}: cannot read ({exc.strerror or exc})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(_rows(reader, path), None)
    if header is None:
        raise FileRefused(f"{path}: empty file (a header row is required)")
    cols = _header(header)
    for row in _rows(reader, path):
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            yield line, parse_row(row, cols)
        except ValueError as exc:
            yield line, str(exc)


def _rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The reader's rows; a CSV error (a field over the csv module's size limit) refuses the
    file with the line it is on."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRefused(f"{path}:{reader.line_num}: not readable as CSV ({exc})") from None
        yield row


async def import_file(ops: CaseOps, actor: Actor, path: Path, now: datetime) -> ImportReport:
    """Check and load a chargeback file (call inside one transaction)."""
    actor.require_investigator()
    if holds_pan(path.name):
        raise FileRefused(refusal("the file's name", "rename the file"))
    report, good, seen = ImportReport(), [], dict[str, int]()
    for line, item in read_file(path):
        if isinstance(item, str):
            report.rejected.append(Rejected(line, item))
        elif item.tx_id in seen:
            first = seen[item.tx_id]
            report.rejected.append(Rejected(line, f"column tx_id: the same as on line {first}"))
        else:
            seen[item.tx_id] = line
            good.append((line, item))
    times = await ops.transaction_times([label.tx_id for _, label in good])
    accepted = []
    for line, label in good:
        problem = _check(label, times.get(label.tx_id), now)
        if problem:
            report.rejected.append(Rejected(line, problem))
        else:
            accepted.append(label)
    stored = await ops.stored_labels([x.tx_id for x in accepted])
    report.disagreements = sum(
        1 for x in accepted
        if x.tx_id in stored and stored[x.tx_id].source == VERDICT_SOURCE
        and stored[x.tx_id].is_fraud != x.is_fraud
    )  # fmt: skip
    await ops.replace_labels(accepted, CHARGEBACK_SOURCE)
    report.loaded = len(accepted)
    report.rejected.sort(key=lambda r: r.line)
    detail = f"{path.name}: {report.loaded} loaded, {len(report.rejected)} rejected"
    after = {"loaded": report.loaded, "rejected": len(report.rejected),
             "disagreements": report.disagreements}  # fmt: skip
    subject = path.name.encode()[:SUBJECT_BYTES].decode(errors="ignore")
    await ops.append_audit(audit_entry(actor, now, "labels.imported", subject, detail=detail,
                                  after=after))  # fmt: skip
    return report


def _check(label: Label, tx_time: datetime | None, now: datetime) -> str | None:
    if tx_time is None:
        return "column tx_id: no such transaction in the warehouse"
    if label.labelled_at < tx_time:
        return "column labelled_at: before the transaction"
    if label.labelled_at > now + FUTURE_SLACK:
        return "column labelled_at: in the future"
    return None
