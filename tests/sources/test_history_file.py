"""ReplaySource: a history file as drafts in time order, paced by count or by event time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from fraudd.records import Swipe, parse_record
from fraudd.settings import OwnField
from fraudd.simulator import Timeline, write_csv, write_handbook_csv
from fraudd.sources.history_file import ReplaySource
from fraudd.tasks.producer import to_swipe
from tests.history.conftest import SMALL


def small_file(tmp_path: Path, days: int = 2) -> tuple[Path, pd.DataFrame]:
    frame = Timeline(SMALL).days(0, days)
    frame = frame[frame["amount"] > 0]
    path = tmp_path / "replay.csv.gz"
    write_csv(frame, path)
    return path, frame


def test_every_row_once_in_time_order(tmp_path: Path) -> None:
    path, frame = small_file(tmp_path)
    with ReplaySource(path, chunk_rows=300) as source:
        drafts = []
        while not source.exhausted:
            drafts += source.take(250)
        assert source.take(10) == []
    assert [d.tx_id for d in drafts] == frame["tx_id"].tolist()
    assert [d.is_fraud for d in drafts] == (frame["is_fraud"] > 0).tolist()
    assert source.clock() == drafts[-1].tx_time and source.first_event == drafts[0].tx_time
    assert source.out_of_order == 0 and not source.rejected


def test_rows_are_sorted_within_a_chunk_and_bad_ones_skipped(tmp_path: Path) -> None:
    frame = Timeline(SMALL).days(0, 1).iloc[:40]
    path = tmp_path / "hb.csv"
    write_handbook_csv(frame.iloc[::-1], path)  # reversed: newest first
    with path.open("a") as f:
        f.write("999,2018-04-01 00:00:00,1,1,-3.00,0,0,0,0\n")
    with ReplaySource(path, chunk_rows=1000) as source:
        drafts = source.take(1000)
    assert [d.tx_time for d in drafts] == sorted(frame["tx_time"].dt.to_pydatetime())
    assert len(drafts) == 40 and source.rejected == {"negative_amount": 1}


def test_out_of_order_chunks_are_replayed_and_counted(tmp_path: Path) -> None:
    frame = Timeline(SMALL).days(0, 1).iloc[:20]
    path = tmp_path / "swapped.csv"
    write_csv(pd.concat([frame.iloc[10:], frame.iloc[:10]]), path)
    with ReplaySource(path, chunk_rows=10) as source:
        drafts = source.take(100)
        clock = source.clock()
    assert len(drafts) == 20 and source.out_of_order == 10
    assert clock == frame["tx_time"].iloc[-1].to_pydatetime()  # the clock never goes back


def test_speedup_paces_by_event_time(tmp_path: Path) -> None:
    path, frame = small_file(tmp_path, days=1)
    wall = [0.0]
    with ReplaySource(path, speedup=3600.0, monotonic=lambda: wall[0]) as source:
        first = source.take(10_000)  # only what is due at the start
        wall[0] = 2.0  # two simulated hours later
        more = source.take(10_000)
        clock = source.clock()
    start = frame["tx_time"].iloc[0]
    assert [d.tx_time for d in first] == [start.to_pydatetime()] * len(first)
    due = frame[frame["tx_time"] <= start + pd.Timedelta(hours=2)]
    assert len(first) + len(more) == len(due)
    assert clock == start.to_pydatetime() + dt.timedelta(hours=2)


def test_declared_fields_travel_from_the_file_to_the_wire(tmp_path: Path) -> None:
    own = (
        OwnField(name="merchant_country", type="string", required=True, description="country"),
        OwnField(name="card_present", type="boolean", description="chip or swipe"),
        OwnField(name="opened_at", type="timestamp", description="account opened"),
    )
    frame = Timeline(SMALL).days(0, 1).iloc[:3]
    path = tmp_path / "own.csv"
    write_csv(frame, path)
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    text["merchant_country"] = ["FR", "DE", ""]  # the last row lacks a required field
    text["card_present"] = ["t", "", "t"]
    text["opened_at"] = ["2020-01-02T03:04:05Z", "", ""]
    text.to_csv(path, index=False)
    with ReplaySource(path, chunk_rows=10, own=own) as source:
        drafts = source.take(10)
    assert source.rejected == {"bad_field": 1}
    opened = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert [d.fields for d in drafts] == [
        {"merchant_country": "FR", "card_present": True, "opened_at": opened},
        {"merchant_country": "DE"},
    ]
    wire = [to_swipe(d, dt.datetime.now(dt.UTC)).to_bytes() for d in drafts]
    parsed = [parse_record(w, drafts[0].tx_time, own=own) for w in wire]
    assert [p.fields for p in parsed if isinstance(p, Swipe)] == [
        {"merchant_country": "FR", "card_present": True, "opened_at": opened},
        {"merchant_country": "DE", "card_present": None, "opened_at": None},
    ]
