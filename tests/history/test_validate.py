"""Reading and validating history files, without a warehouse: layouts, reasons, line numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from fraudd.history.columns import derived_card_token
from fraudd.history.reader import HistoryFile
from fraudd.history.validate import REASONS, validate_chunk
from fraudd.settings import OwnField

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEADER = "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud,card_token,last4"
GOOD = "t{n},2018-04-01T10:00:{n:02d}Z,c{n},term{n},12.50,0,tok_abcdefgh,1234"
# (line text, the reason it must be rejected for); lines start at 2 (1 is the header)
BAD_LINES = [
    ("b1,2018-13-45 00:00:00,c,t,1.00,0,,", "bad_time"),
    ("b2,1989-12-31T23:59:59Z,c,t,1.00,0,,", "bad_time"),
    ("b3,2018-04-01T00:00:00Z,c,t,-5,0,,", "negative_amount"),
    ("b4,2018-04-01T00:00:00Z,c,t,abc,0,,", "bad_amount"),
    ("b5,2018-04-01T00:00:00Z,c,t,5000000,0,,", "absurd_amount"),
    (",2018-04-01T00:00:00Z,c,t,1.00,0,,", "missing_id"),
    ("b7,2018-04-01T00:00:00Z,c,t,1.00,2,,", "bad_label"),
    ("b8,2018-04-01T00:00:00Z,c,t,1.00,0,4111111111111111,", "pan_like_card_token"),
    ("b9,2018-04-01T00:00:00Z,a b,t,1.00,0,,", "bad_id"),
    ("b10,2018-04-01T00:00:00Z,4111111111111111,t,1.00,0,,", "pan_like_id"),
    ("b11,2018-04-01T00:00:00Z,c,t,1.00,0,,12a4", "bad_field"),
    ("b12,x", "malformed_line"),
    ('b13,"2018-04-01,c,t,1.00,0,,', "malformed_line"),
    ("b14,2018-04-01T00:00:00Z,c,t,1.00,0,tok_ab,", "bad_card_token"),
    # card numbers split by separators (main loaded each of these rows)
    ("4111-1111-1111-1111,2018-04-01T00:00:00Z,c,t,1.00,0,,", "pan_like_id"),
    ("b16,2018-04-01T00:00:00Z,4111_1111_1111_1111,t,1.00,0,,", "pan_like_id"),
    ("b17,2018-04-01T00:00:00Z,c,4111.1111.1111.1111,1.00,0,,", "pan_like_id"),
    ("b18,2018-04-01T00:00:00Z,5500:0000:0000:0004,t,1.00,0,,", "pan_like_id"),
    ("b19,2018-04-01T00:00:00Z,c,t,1.00,0,4111-1111-1111-1111,", "pan_like_card_token"),
    ("b20,2018-04-01T00:00:00Z,c,t,1.00,0,tok4111111111111111,", "pan_like_card_token"),
]


def write_mixed(path: Path) -> tuple[list[str], dict[int, str]]:
    """Good lines with every kind of bad line in between; returns good ids, bad line -> reason."""
    lines, good_ids, bad = [HEADER], [], {}
    for n, (text, reason) in enumerate(BAD_LINES):
        good_ids.append(f"t{n}")
        lines.append(GOOD.format(n=n))
        lines.append(text)
        bad[len(lines)] = reason  # 1-based line number of the bad line
    lines.append("")  # a blank line is skipped, not reported
    good_ids.append("t99")
    lines.append(GOOD.format(n=59).replace("t59", "t99", 1))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good_ids, bad


def read_all(path: Path, chunk_rows: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    with HistoryFile(path, chunk_rows) as f:
        parts = [validate_chunk(c, NOW, 7.0) for c in f.chunks()]
    rows = pd.concat([p.rows for p in parts], ignore_index=True)
    rejects = pd.concat([p.rejects for p in parts], ignore_index=True)
    return rows, rejects


def test_every_kind_of_bad_line_is_rejected_with_its_line_number(tmp_path: Path) -> None:
    """Sends BAD_LINES between good ones; card numbers split by separators included."""
    good_ids, bad = write_mixed(tmp_path / "mixed.csv")
    rows, rejects = read_all(tmp_path / "mixed.csv")
    assert rows["tx_id"].tolist() == good_ids
    assert dict(zip(rejects["line"].tolist(), rejects["reason"].tolist(), strict=True)) == bad
    columns = dict(zip(rejects["line"].tolist(), rejects["column"].tolist(), strict=True))
    assert [columns[line] for line, reason in bad.items() if reason.startswith("pan_like")] == [
        "card_token", "customer_id", "tx_id", "customer_id", "terminal_id", "customer_id",
        "card_token", "card_token",
    ]  # fmt: skip
    assert {columns[line] for line, reason in bad.items() if reason == "malformed_line"} == {""}
    assert set(bad.values()) <= set(REASONS)


def test_defaults_are_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "minimal.csv"
    path.write_text(
        "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud\n"
        "x1,2018-04-01 10:00:00,42,7,3.456,1\n"
    )
    rows, rejects = read_all(path)
    assert rejects.empty
    row = rows.iloc[0]
    assert row["tx_time"] == pd.Timestamp("2018-04-01 10:00:00", tz="UTC")  # naive is UTC
    assert row["card_token"] == derived_card_token("42")
    assert row["card_token"].startswith("tok_") and not any(
        ch.isdigit() for ch in row["card_token"]
    )
    assert (row["last4"], row["currency"], row["amount"]) == ("0000", "EUR", 3.46)
    assert row["merchant_category"] is None and np.isnan(row["terminal_x"])
    # no labelled_at in the file: the conservative rule, the whole configured delay
    assert row["labelled_at"] - row["tx_time"] == pd.Timedelta(days=7) and row["is_fraud"]


def test_zero_amounts_are_accepted_and_negative_ones_rejected(tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text(
        "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud\n"
        "z1,2018-04-01 10:00:00,1,7,0,0\n"
        "z2,2018-04-01 10:00:01,1,7,0.00,1\n"
        "z3,2018-04-01 10:00:02,1,7,-0.01,0\n"
    )
    rows, rejects = read_all(path)
    assert rows["tx_id"].tolist() == ["z1", "z2"] and (rows["amount"] == 0).all()
    assert rejects.to_dict("records") == [
        {"line": 4, "reason": "negative_amount", "column": "amount"}
    ]


def test_the_label_rule_applies_only_where_the_file_has_no_label_time(tmp_path: Path) -> None:
    path = tmp_path / "mixed_labels.csv"
    path.write_text(
        "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud,labelled_at\n"
        "m1,2018-04-01 10:00:00,1,7,5.00,1,2018-04-03 00:00:00\n"
        "m2,2018-04-01 10:00:00,1,7,5.00,1,\n"
        "m3,2018-04-01 10:00:00,1,7,-1,1,\n"
    )
    with HistoryFile(path, 10) as f:
        (checked,) = [validate_chunk(c, NOW, 3.0) for c in f.chunks()]
    times = dict(zip(checked.rows["tx_id"], checked.rows["labelled_at"], strict=True))
    assert times["m1"] == pd.Timestamp("2018-04-03", tz="UTC")
    assert times["m2"] == pd.Timestamp("2018-04-04 10:00:00", tz="UTC")  # tx_time + 3 days
    assert checked.labels_at_delay == 1  # m3 is rejected, so the rule applied once


def test_explicit_label_time_is_kept_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(
        "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud,label_time\n"
        "a,2018-04-01T00:00:00Z,1,1,1.00,1,2018-05-01T00:00:00Z\n"
        "b,2018-04-01T00:00:00Z,1,1,1.00,0,2018-03-01T00:00:00Z\n"
    )
    rows, rejects = read_all(path)
    assert rows["labelled_at"].tolist() == [pd.Timestamp("2018-05-01", tz="UTC")]
    assert rejects.to_dict("records") == [
        {"line": 3, "reason": "bad_field", "column": "labelled_at"}
    ]


def test_a_token_with_a_digit_run_that_is_no_card_number_is_loaded(tmp_path: Path) -> None:
    """The issue's example: 13 digits inside letters failing Luhn. Main refused it at this door
    while the stream accepted it; both doors now apply the one check (fraudd.pan)."""
    path = tmp_path / "h.csv"
    path.write_text(
        HEADER + "\n" + GOOD.format(n=1).replace("tok_abcdefgh", "tok_48a6144916476200")
    )
    rows, rejects = read_all(path)
    assert rows["card_token"].tolist() == ["tok_48a6144916476200"] and rejects.empty


OWN = (
    OwnField(name="country", type="string", required=True, description="merchant country"),
    OwnField(name="score", type="number", description="device score"),
    OwnField(name="present", type="boolean", description="card present"),
    OwnField(name="opened", type="timestamp", description="account opened"),
)
OWN_LINES = [  # (country, score, present, opened), the reason or None
    ("FR,0.5,true,2020-01-02T03:04:05Z", None),
    ("DE,,,", None),
    (",1,true,", "bad_field"),  # a required field missing
    ("FR,high,,", "bad_field"),
    ("FR,,maybe,", "bad_field"),
    ("FR,,,2020-01-02", "bad_field"),  # no UTC offset
    ("4111111111111111,,,", "pan_like_field"),
    ("FR,4111111111111111,,", "pan_like_field"),
]


def test_declared_fields_are_typed_or_their_row_rejected(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    lines = ["tx_id,tx_time,customer_id,terminal_id,amount,is_fraud,country,score,present,opened"]
    lines += [
        f"o{n},2018-04-01T10:00:00Z,c,t,1.00,0,{text}" for n, (text, _) in enumerate(OWN_LINES)
    ]
    path.write_text("\n".join(lines) + "\n")
    with HistoryFile(path, 100, [f.name for f in OWN]) as f:
        checked = next(validate_chunk(c, NOW, 7.0, OWN) for c in f.chunks())
    reasons = dict(zip(checked.rejects["line"], checked.rejects["reason"], strict=True))
    assert reasons == {n + 2: r for n, (_, r) in enumerate(OWN_LINES) if r}
    rows = checked.rows
    assert rows["tx_id"].tolist() == ["o0", "o1"]
    assert rows["country"].tolist() == ["FR", "DE"]
    assert rows["score"].iloc[0] == 0.5 and np.isnan(rows["score"].iloc[1])
    assert rows["present"].tolist() == ["t", ""]  # as the loader's CSV writes a boolean
    assert rows["opened"].iloc[0] == pd.Timestamp("2020-01-02 03:04:05", tz="UTC")
    assert pd.isna(rows["opened"].iloc[1])
