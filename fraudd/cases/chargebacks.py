"""``fraudd labels import FILE``: chargeback files become labels; bad rows are reported by line.

A file is CSV with a header naming three columns (aliases accepted): the transaction id
(``tx_id``), the label (``label`` / ``is_fraud``: 1/0, true/false, fraud/legitimate, yes/no) and
when the bank learnt it (``labelled_at`` / ``label_time``: ISO 8601 with a time zone). A row is
rejected, with its line number and the reason, when a field is missing or malformed, when its
transaction appears earlier in the file, when its transaction is unknown to the warehouse, or when
its label time is before the transaction or in the future. Every other row is loaded, in one
transaction, with source ``chargeback``: it replaces any label the transaction had (a chargeback
after a verdict wins) and a disagreement with a verdict is counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from fraudd.cases.service import Actor, audit_entry
from fraudd.cases.values import CHARGEBACK_SOURCE, VERDICT_SOURCE
from fraudd.warehouse import CaseOps, Label

COLUMNS = {
    "tx_id": ("tx_id", "transaction_id", "transaction"),
    "label": ("label", "is_fraud", "fraud"),
    "labelled_at": ("labelled_at", "label_time", "labeled_at", "chargeback_time"),
}
TRUE = frozenset({"1", "true", "t", "yes", "y", "fraud"})
FALSE = frozenset({"0", "false", "f", "no", "n", "legitimate", "legit", "genuine"})
FUTURE_SLACK = timedelta(minutes=5)
MAX_TX_ID = 64


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
    if not tx_id or len(tx_id) > MAX_TX_ID or not tx_id.isprintable():
        raise ValueError(f"transaction id must be 1-{MAX_TX_ID} printable characters")
    if label.lower() not in TRUE | FALSE:
        raise ValueError(f"label {label[:20]!r} is not fraud/legitimate, 1/0 or true/false")
    try:
        at = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"label time {when[:40]!r} is not ISO 8601") from None
    if at.tzinfo is None:
        raise ValueError("label time has no time zone (add Z or +00:00)")
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
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(f"{path}: empty file (a header row is required)") from None
    cols = _header(header)
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            yield line, parse_row(row, cols)
        except ValueError as exc:
            yield line, str(exc)


async def import_file(ops: CaseOps, actor: Actor, path: Path, now: datetime) -> ImportReport:
    """Check and load a chargeback file (call inside one transaction)."""
    actor.require_investigator()
    report, good, seen = ImportReport(), [], set()
    for line, item in read_file(path):
        if isinstance(item, str):
            report.rejected.append(Rejected(line, item))
        elif item.tx_id in seen:
            report.rejected.append(Rejected(line, f"{item.tx_id} appears earlier in the file"))
        else:
            seen.add(item.tx_id)
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
    await ops.append_audit(audit_entry(actor, now, "labels.imported", path.name[:80], detail=detail,
                                  after=after))  # fmt: skip
    return report


def _check(label: Label, tx_time: datetime | None, now: datetime) -> str | None:
    if tx_time is None:
        return f"transaction {label.tx_id} is not in the warehouse"
    if label.labelled_at < tx_time:
        return f"label time {label.labelled_at.isoformat()} is before the transaction"
    if label.labelled_at > now + FUTURE_SLACK:
        return f"label time {label.labelled_at.isoformat()} is in the future"
    return None
