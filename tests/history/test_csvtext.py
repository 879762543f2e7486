"""Validated history rows as CSV text for a bulk load: what pandas reads back is what was read."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from fraudd.history.csvtext import csv_text
from tests.history.test_validate import read_all, write_mixed


def test_csv_text_round_trips_through_pandas(tmp_path: Path) -> None:
    good_ids, _ = write_mixed(tmp_path / "mixed.csv")
    rows, _ = read_all(tmp_path / "mixed.csv")
    text = csv_text(rows, list(rows.columns))
    back = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=list(rows.columns),
        dtype=str,
        keep_default_na=False,
    )
    assert back["tx_id"].tolist() == good_ids
    assert back["tx_time"].iloc[0] == "2018-04-01T10:00:00Z"
    assert back["amount"].iloc[0] == "12.50" and back["is_fraud"].iloc[0] == "f"
    assert back["terminal_x"].iloc[0] == ""  # NULL
