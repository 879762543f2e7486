"""CSV layouts: fraudd format round-trips, handbook format matches, gzip is reproducible."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraudd.simulator import (
    FRAUDD_COLUMNS,
    HANDBOOK_COLUMNS,
    generate_history,
    read_csv,
    write_csv,
    write_handbook_csv,
)


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return generate_history(dt.date(2018, 4, 1), 20, customers=400, terminals=800, seed=9)


@pytest.mark.parametrize("name", ["tx.csv", "tx.csv.gz"])
def test_fraudd_csv_round_trips(history: pd.DataFrame, tmp_path: Path, name: str) -> None:
    write_csv(history, tmp_path / name)
    back = read_csv(tmp_path / name)
    pd.testing.assert_frame_equal(back, history.loc[:, list(FRAUDD_COLUMNS)])
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_fraudd_csv_text_format(history: pd.DataFrame, tmp_path: Path) -> None:
    write_csv(history, tmp_path / "tx.csv")
    lines = (tmp_path / "tx.csv").read_text(encoding="utf-8").split("\n")
    assert lines[0] == ",".join(FRAUDD_COLUMNS)
    assert lines[-1] == "" and len(lines) == len(history) + 2
    raw = pd.read_csv(tmp_path / "tx.csv", dtype=str, keep_default_na=False)
    assert raw["tx_time"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert raw["amount"].str.fullmatch(r"\d+\.\d\d").all()
    assert raw["last4"].str.fullmatch(r"\d{4}").all()
    assert raw["tx_time"].iloc[0].startswith("2018-04-01T")


def test_gzip_is_reproducible_and_anonymous(history: pd.DataFrame, tmp_path: Path) -> None:
    write_csv(history, tmp_path / "one.csv.gz")
    write_csv(history, tmp_path / "two.csv.gz")
    write_csv(history, tmp_path / "plain.csv")
    data = (tmp_path / "one.csv.gz").read_bytes()
    assert data == (tmp_path / "two.csv.gz").read_bytes()
    assert data[:2] == b"\x1f\x8b"
    assert data[3] & 0x08 == 0, "no file name in the gzip header"
    assert data[4:8] == b"\x00\x00\x00\x00", "mtime must be 0"
    assert gzip.decompress(data) == (tmp_path / "plain.csv").read_bytes()


def test_overwrite_replaces_file(history: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / "tx.csv"
    target.write_text("stale")
    write_csv(history.head(3), target)
    assert len(read_csv(target)) == 3


def test_handbook_csv(history: pd.DataFrame, tmp_path: Path) -> None:
    write_handbook_csv(history, tmp_path / "hb.csv.gz")
    book = pd.read_csv(tmp_path / "hb.csv.gz")
    assert tuple(book.columns) == HANDBOOK_COLUMNS
    assert np.array_equal(book["TRANSACTION_ID"], np.arange(len(history)))
    when = pd.to_datetime(book["TX_DATETIME"], format="%Y-%m-%d %H:%M:%S").dt.tz_localize("UTC")
    assert (when.dt.as_unit("us") == history["tx_time"]).all()
    pairs = {
        "CUSTOMER_ID": "customer_id",
        "TERMINAL_ID": "terminal_id",
        "TX_AMOUNT": "amount",
        "TX_TIME_SECONDS": "tx_time_seconds",
        "TX_TIME_DAYS": "tx_time_days",
        "TX_FRAUD": "is_fraud",
        "TX_FRAUD_SCENARIO": "fraud_scenario",
    }
    for theirs, ours in pairs.items():
        assert np.array_equal(book[theirs].to_numpy(), history[ours].to_numpy()), theirs
    # Handbook-style analysis works unchanged on the file.
    assert book.groupby("TX_TIME_DAYS")["TX_FRAUD"].sum().sum() == history["is_fraud"].sum()


def test_empty_frame_writes_header_only(history: pd.DataFrame, tmp_path: Path) -> None:
    write_csv(history.iloc[0:0], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text() == ",".join(FRAUDD_COLUMNS) + "\n"
    assert len(read_csv(tmp_path / "empty.csv")) == 0


def test_empty_frame_writes_the_handbook_header_only(history: pd.DataFrame, tmp_path: Path) -> None:
    """A history with no transaction (few customers over few days) is a valid, empty file."""
    write_handbook_csv(history.iloc[0:0], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text().splitlines() == [
        "TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,"
        "TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO"
    ]
