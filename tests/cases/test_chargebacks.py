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
        (["", "1", "2026-01-02T03:04:05Z"], "column tx_id: not 1-64 letters, digits"),
        (["x" * 65, "1", "2026-01-02T03:04:05Z"], "column tx_id: not 1-64"),
        (["tx\x00", "1", "2026-01-02T03:04:05Z"], "column tx_id: not 1-64"),
        (['=HYPERLINK("x")', "1", "2026-01-02T03:04:05Z"], "column tx_id: not 1-64"),
        (["tx-1", "maybe", "2026-01-02T03:04:05Z"], "column label: not fraud/legitimate"),
        (["tx-1", "1", "last tuesday"], "column labelled_at: not an ISO 8601 time"),
        (["tx-1", "1", "2026-01-02T03:04:05"], "column labelled_at: no time zone (add Z"),
    ],
)
def test_a_bad_row_says_what_is_wrong(row: list[str], reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_row(row, COLS)
    assert str(refused.value).startswith(reason)
    assert all(cell not in str(refused.value) for cell in row if len(cell) > 2)  # never echoed


@pytest.mark.parametrize(
    "tx_id",
    ["4111111111111111", "4111-1111-1111-1111", "4111_1111_1111_1111", "4111.1111.1111.1111",
     "5500:0000:0000:0004", "tx4111111111111111"],
)  # fmt: skip
def test_a_card_number_as_transaction_id_is_refused_without_repeating_it(tx_id: str) -> None:
    """Sends a chargeback row whose tx_id is a Luhn-valid PAN, plain or split by a separator
    (main accepted every one of them as a transaction id)."""
    with pytest.raises(ValueError) as refused:
        parse_row([tx_id, "1", "2026-01-02T03:04:05Z"], COLS)
    message = str(refused.value)
    assert message.startswith("column tx_id holds 13-19 digits that pass the card-number")
    assert "a letter at least every 12 characters" in message  # how to choose ids that pass
    assert tx_id not in message and "1111" not in message


def test_a_field_over_the_csv_size_limit_refuses_the_file_with_its_line(tmp_path: Path) -> None:
    """Sends a quoted 200,000-character field on line 3 (main: an uncaught csv.Error, which
    the command reported as exit 70, 'unexpected error', with no line)."""
    big = '"' + "x" * 200_000 + '"'
    path = write(tmp_path, "tx_id,label,labelled_at", "tx-1,1,2026-01-02T03:04:05Z",
                 f"tx-2,1,{big}")  # fmt: skip
    with pytest.raises(FileRefused) as refused:
        list(read_file(path))
    assert str(refused.value).startswith(f"{path}:3: not readable as CSV (field larger than")


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
        (5, "column label: not fraud/legitimate, 1/0, true/false or yes/no"),
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
    assert report.rejected[:4] == [
        Rejected(4, "column tx_id: the same as on line 2"),
        Rejected(5, "column tx_id: no such transaction in the warehouse"),
        Rejected(6, "column labelled_at: before the transaction"),
        Rejected(7, "column labelled_at: in the future"),
    ]
    await _assert_three_chargebacks_stored_and_the_import_audited(seeded)


async def test_a_file_named_with_a_card_number_is_refused_before_anything_is_stored(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    """Sends cb-4111 1111 1111 1111.csv: its name would be the audit entry's subject."""
    now = datetime.now(UTC)
    path = write(tmp_path, "tx_id,label,labelled_at", f"tx-a1,1,{now.isoformat()}",
                 name="cb-4111 1111 1111 1111.csv")  # fmt: skip
    async with seeded.session() as s, s.transaction():
        with pytest.raises(FileRefused, match=r"^the file's name holds 13-19 digits"):
            await import_file(s, INES, path, now)
    assert await seeded.rows("SELECT actor FROM {schema}.audit_log") == []


async def test_a_viewer_cannot_import_and_nothing_is_written(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    path = write(tmp_path, "tx_id,label,labelled_at", f"tx-a1,1,{datetime.now(UTC).isoformat()}")
    async with seeded.session() as s, s.transaction():
        with pytest.raises(Forbidden, match="only investigators may act"):
            await import_file(s, VIKTOR, path, datetime.now(UTC))
    assert await seeded.rows("SELECT tx_id FROM {schema}.labels") == []
    assert await seeded.rows("SELECT actor FROM {schema}.audit_log") == []
