"""Reading a history file in chunks, on real files: the layout from the header, gzip by its magic
bytes, exact line numbers across chunks, malformed and blank lines set aside before parsing."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from fraudd.history.columns import LayoutError, detect_layout
from fraudd.history.reader import HistoryFile, UnreadableLine, parse_lines
from tests.history.test_validate import read_all

HEADER = "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud"
LAYOUT = detect_layout(HEADER.split(","))


def test_handbook_header_is_recognised_and_gzip_detected(tmp_path: Path) -> None:
    path = tmp_path / "hb.csv"  # no .gz suffix: detected by the magic bytes
    text = (
        ",TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,"
        "TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO\n"
        "0,0,2018-04-01 00:00:31,596,3156,57.16,31,0,0,0\n"
        "1,1,2018-04-01 00:02:10,4961,3412,81.51,130,0,1,2\n"
    )
    path.write_bytes(gzip.compress(text.encode()))
    with HistoryFile(path) as f:
        assert f.layout is not None and f.layout.name == "handbook"
    rows, _ = read_all(path)
    assert rows["tx_id"].tolist() == ["0", "1"]
    assert rows["fraud_scenario"].tolist() == [0, 2] and rows["is_fraud"].tolist() == [False, True]


def test_a_file_with_an_unknown_header_is_closed_again(tmp_path: Path) -> None:
    path = tmp_path / "unknown.csv"
    path.write_text("tx_id,tx_time,customer_id,terminal_id,is_fraud\n", encoding="utf-8")
    file = HistoryFile(path)  # kept alive: closing must not wait for garbage collection
    with pytest.raises(LayoutError, match="amount"), file:
        pass
    assert str(path) not in _open_files()


def _open_files() -> set[str]:
    fds = Path("/proc/self/fd")
    return {os.path.realpath(fd) for fd in fds.iterdir() if fd.is_symlink()}


def test_line_numbers_stay_exact_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    lines = [HEADER] + [f"t{n},2018-04-01T00:00:00Z,c,t,1.00,0" for n in range(2, 12)]  # t<line>
    lines[5] = "t6,only,three"  # line 6
    lines.insert(8, "")  # line 9: blank, neither a row nor malformed
    path.write_text("\n".join(lines) + "\n")
    with HistoryFile(path, chunk_rows=4) as f:
        chunks = list(f.chunks())
        assert f.bytes_read == path.stat().st_size
    assert [c.lines.tolist() for c in chunks] == [[2, 3, 4, 5], [7, 8], [10, 11, 12]]
    assert [c.malformed.tolist() for c in chunks] == [[], [6], []]
    assert chunks[1].frame["tx_id"].tolist() == ["t7", "t8"]
    assert chunks[2].frame["tx_id"].tolist() == ["t9", "t10", "t11"]  # after the blank line 9


def test_quotes_count_fields_as_csv_does_and_an_open_quote_is_malformed() -> None:
    lines = [
        '"t1",2018-04-01T00:00:00Z,"Smith, J",t,1.00,0\n',  # a comma inside quotes
        't2,2018-04-01T00:00:00Z,"c,t,1.00,0\n',  # unbalanced: would swallow the next line
        "t3,2018-04-01T00:00:00Z,c,t,1.00,0",  # the file's last line, without a newline
    ]
    chunk = parse_lines(lines, 10, LAYOUT)
    assert chunk.lines.tolist() == [10, 12] and chunk.malformed.tolist() == [11]
    assert chunk.frame["customer_id"].tolist() == ["Smith, J", "c"]
    assert chunk.frame["tx_id"].tolist() == ["t1", "t3"]


def test_a_chunk_of_only_bad_lines_gives_an_empty_frame_with_the_columns() -> None:
    chunk = parse_lines(["x,y\n", "\n", "  \n"], 2, LAYOUT)
    assert chunk.frame.empty and set(chunk.frame.columns) == set(LAYOUT.sources)
    assert chunk.malformed.tolist() == [2] and chunk.lines.tolist() == []


def test_every_value_is_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "text.csv"
    path.write_bytes(
        ("\ufeff" + HEADER + "\n").encode()  # a byte-order mark before the header
        + b"007,2018-04-01T00:00:00Z,NA,\xff\xfe,1.50,0\n"  # invalid UTF-8 in terminal_id
    )
    with HistoryFile(path) as f:
        (chunk,) = list(f.chunks())
    row = chunk.frame.iloc[0]
    assert (row["tx_id"], row["customer_id"], row["amount"]) == ("007", "NA", "1.50")
    assert row["terminal_id"] == "\ufffd\ufffd"  # replaced, so validation rejects it


def test_chunks_need_the_file_open(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "\n")
    file = HistoryFile(path)
    with pytest.raises(RuntimeError, match="use HistoryFile as a context manager"):
        next(file.chunks())
    assert file.bytes_read == file.size  # not open: reported as done


@pytest.mark.parametrize("line", [1, 4])
def test_a_field_over_the_csv_limit_names_its_line(tmp_path: Path, line: int) -> None:
    """Sends a quoted 200,000-character field (main: an uncaught csv.Error, reported as exit
    70 'unexpected error' with no line number)."""
    lines = ["tx_id,tx_time,customer_id,terminal_id,amount,is_fraud"]
    lines += [f"t{n},2018-04-01T10:00:00Z,c,t,1.00,0" for n in range(4)]
    big = '"' + "x" * 200_000 + '"'
    lines[line - 1] = lines[line - 1].replace("t", big, 1) if line > 1 else big + "," + lines[0]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UnreadableLine) as refused, HistoryFile(path, chunk_rows=2) as f:
        list(f.chunks())
    assert str(refused.value).startswith(f"line {line}: not readable as CSV (field larger than")
