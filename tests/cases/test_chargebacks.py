"""Chargeback files as labels: rows parsed and rejected by line (real files), and the import
through the seam in both dialects — loaded in one go, a verdict overridden and counted as a
disagreement, audited, and nothing written for a viewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fraudd.cases import service
from fraudd.cases.chargebacks import FileRefused, Rejected, import_file, parse_row, read_file
from fraudd.cases.service import Actor, Forbidden
from fraudd.warehouse.labels import Label
from tests.cases.conftest import CasesEnv

INES = Actor("ines@example.com", "investigator", via="cli")
VIKTOR = Actor("viktor@example.com", "viewer", via="cli")
COLS = {"tx_id": 0, "label": 1, "labelled_at": 2}
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def write(tmp_path: Path, *lines: str, name: str = "cb.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("label", "is_fraud"),
    [("1", True), ("TRUE", True), ("fraud", True), ("Yes", True), ("0", False), ("f", False),
     ("legitimate", False), ("genuine", False), ("no", False)],
)  # fmt: skip
def test_labels_are_read_in_the_spellings_banks_use(label: str, is_fraud: bool) -> None:
    assert parse_row(["tx-1", label, "2026-01-02T03:04:05Z"], COLS) == Label("tx-1", is_fraud, AT)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["tx-1", "1"], "expected at least 3 fields, got 2"),
        (["", "1", "2026-01-02T03:04:05Z"], "transaction id must be 1-64 printable characters"),
        (["x" * 65, "1", "2026-01-02T03:04:05Z"], "transaction id must be 1-64"),
        (["tx\x00", "1", "2026-01-02T03:04:05Z"], "transaction id must be 1-64"),
        (["tx-1", "maybe", "2026-01-02T03:04:05Z"], "label 'maybe' is not fraud/legitimate"),
        (["tx-1", "1", "last tuesday"], "label time 'last tuesday' is not ISO 8601"),
        (["tx-1", "1", "2026-01-02T03:04:05"], "label time has no time zone (add Z or +00:00)"),
    ],
)
def test_a_bad_row_says_what_is_wrong(row: list[str], reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_row(row, COLS)
    assert str(refused.value).startswith(reason)


def test_the_file_is_read_by_line_with_aliases_a_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "cb.csv"
    path.write_text(
        "\ufeffNote, Chargeback_Time ,TRANSACTION,Fraud\n"  # any order, any case, aliases
        "x,2026-01-02T03:04:05+00:00,tx-1,1\n"
        "\n"
        " , , , \n"
        "x,2026-01-02T03:04:05Z,tx-2,perhaps\n",
        encoding="utf-8",
    )
    assert list(read_file(path)) == [
        (2, Label("tx-1", True, AT)),
        (5, "label 'perhaps' is not fraud/legitimate, 1/0 or true/false"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file (a header row is required)"),
        (b"id,label,labelled_at\n", "the header has no tx_id column (any of tx_id, "
                                    "transaction_id, transaction)"),
        (b"tx_id,labelled_at\n", "the header has no label column"),
        (b"tx_id,label,when\n", "the header has no labelled_at column"),
        (b"tx_id,label,labelled_at\n\xff\xfe,1,x\n",
         "not UTF-8 text (invalid start byte at byte 24)"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_as_a_whole_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "cb.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as refused:
        list(read_file(path))
    assert message in str(refused.value)
    with pytest.raises(FileRefused, match="cannot read"):
        list(read_file(tmp_path / "missing.csv"))


def _a_file_with_every_kind_of_row(tmp_path: Path, now: datetime) -> Path:
    """Three rows to load (one overriding a verdict) and five to reject, one of each reason."""
    later = (now + timedelta(minutes=1)).isoformat()
    return write(
        tmp_path,
        "tx_id,label,labelled_at",
        f"tx-a1,1,{later}",  # 2 loaded
        f"tx-b1,fraud,{later}",  # 3 loaded: the chargeback wins over the verdict, disagreeing
        f"tx-a1,0,{later}",  # 4 duplicate of line 2
        f"tx-zz,1,{later}",  # 5 not in the warehouse
        "tx-a2,1,2001-01-01T00:00:00Z",  # 6 before the transaction
        f"tx-ok1,1,{(now + timedelta(minutes=6)).isoformat()}",  # 7 beyond the 5 minutes' slack
        f"tx-ok0,1,{(now + timedelta(minutes=4)).isoformat()}",  # 8 within the slack: loaded
        "tx-ok1,x,y",  # 9 bad label
    )


async def _assert_three_chargebacks_stored_and_the_import_audited(seeded: CasesEnv) -> None:
    labels = await seeded.rows("SELECT tx_id, is_fraud, source FROM {schema}.labels ORDER BY 1")
    assert [tuple(r) for r in labels] == [
        ("tx-a1", True, "chargeback"), ("tx-b1", True, "chargeback"),
        ("tx-ok0", True, "chargeback"),
    ]  # fmt: skip
    audit = await seeded.rows(
        "SELECT actor, action, subject, detail FROM {schema}.audit_log "
        "WHERE action = 'labels.imported'"
    )
    assert [tuple(r) for r in audit] == [
        ("ines@example.com", "labels.imported", "cb.csv", "cb.csv: 3 loaded, 5 rejected")
    ]


async def test_import_loads_good_rows_overrides_a_verdict_and_audits(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    async with seeded.session() as s, s.transaction():
        await s.intake_alerts(datetime(2000, 1, 1, tzinfo=UTC))
        await service.record_verdict(s, INES, "case-tx-b1", "legitimate", "", now)
    path = _a_file_with_every_kind_of_row(tmp_path, now)
    async with seeded.session() as s, s.transaction():
        report = await import_file(s, INES, path, now)
    assert (report.loaded, report.disagreements) == (3, 1)
    assert [r.line for r in report.rejected] == [4, 5, 6, 7, 9]
    assert report.rejected[:2] == [
        Rejected(4, "tx-a1 appears earlier in the file"),
        Rejected(5, "transaction tx-zz is not in the warehouse"),
    ]
    assert report.rejected[2].reason.endswith("is before the transaction")
    assert report.rejected[3].reason.endswith("is in the future")
    await _assert_three_chargebacks_stored_and_the_import_audited(seeded)


async def test_a_viewer_cannot_import_and_nothing_is_written(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    path = write(tmp_path, "tx_id,label,labelled_at", f"tx-a1,1,{datetime.now(UTC).isoformat()}")
    async with seeded.session() as s, s.transaction():
        with pytest.raises(Forbidden, match="only investigators may act"):
            await import_file(s, VIKTOR, path, datetime.now(UTC))
    assert await seeded.rows("SELECT tx_id FROM {schema}.labels") == []
    assert await seeded.rows("SELECT actor FROM {schema}.audit_log") == []
