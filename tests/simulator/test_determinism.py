"""Same seed, same bytes; another seed, other data; a day does not depend on other days."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from fraudd.simulator import SimulationSpec, Timeline, generate_history, write_csv

START = dt.date(2018, 4, 1)


def _small(days: int, seed: int, start: dt.date = START) -> pd.DataFrame:
    return generate_history(start, days, customers=500, terminals=1000, seed=seed)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_csv_bytes(tmp_path: Path) -> None:
    for run in ("a", "b"):
        frame = _small(30, seed=11)
        write_csv(frame, tmp_path / f"{run}.csv")
        write_csv(frame, tmp_path / f"{run}.csv.gz")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()


def test_same_seed_same_bytes_in_another_process(tmp_path: Path) -> None:
    """Nothing process-dependent (hash randomisation, import order) leaks into the data."""
    write_csv(_small(20, seed=11), tmp_path / "here.csv.gz")
    script = (
        "import datetime as dt, sys\n"
        "from fraudd.simulator import generate_history, write_csv\n"
        "f = generate_history(dt.date(2018, 4, 1), 20, customers=500, terminals=1000, seed=11)\n"
        "write_csv(f, sys.argv[1])\n"
    )
    there = tmp_path / "there.csv.gz"
    subprocess.run(
        [sys.executable, "-c", script, str(there)], check=True, env={"PYTHONHASHSEED": "123"}
    )
    assert _sha256(there) == _sha256(tmp_path / "here.csv.gz")


def test_different_seed_different_data(tmp_path: Path) -> None:
    first = _small(10, seed=11)
    second = _small(10, seed=12)
    write_csv(first, tmp_path / "a.csv")
    write_csv(second, tmp_path / "b.csv")
    assert _sha256(tmp_path / "a.csv") != _sha256(tmp_path / "b.csv")
    assert set(first["tx_id"]).isdisjoint(second["tx_id"])
    assert set(first["card_token"]).isdisjoint(second["card_token"])


def test_days_do_not_depend_on_generation_order() -> None:
    spec = SimulationSpec(origin=START, seed=5, customers=500, terminals=1000)
    whole = Timeline(spec).days(0, 40)
    backwards = Timeline(spec)
    parts = [backwards.days(d, d + 5) for d in range(35, -1, -5)][::-1]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_start_date_moves_times_only() -> None:
    april = _small(5, seed=3)
    june = _small(5, seed=3, start=dt.date(2018, 6, 1))
    shift = pd.Timestamp("2018-06-01", tz="UTC") - pd.Timestamp("2018-04-01", tz="UTC")
    assert (june["tx_time"] - april["tx_time"] == shift).all()
    same = june.columns.drop("tx_time")
    pd.testing.assert_frame_equal(june[same], april[same])


def test_the_handbook_mode_is_the_published_dataset_bit_for_bit(tmp_path: Path) -> None:
    """The default (handbook) output is today's for a seed: the digest below was computed with
    the simulator as of commit 8c2ec86, before the extended mode existed. (At the reference size,
    seed 42 from 2018-04-01 for 183 days, the fraudd CSV's SHA-256 is 573734ab…a1bf3c, both
    before and after; too slow to recompute in every run.)"""
    write_csv(_small(30, seed=11), tmp_path / "handbook.csv")
    assert _sha256(tmp_path / "handbook.csv") == (
        "05bad0c30366781488812d4fc0fdac85bf3dcaeb8b276e4b3a3ce4da6afe9014"
    )


def test_the_extended_mode_is_seeded_and_another_timeline(tmp_path: Path) -> None:
    spec = SimulationSpec(START, seed=11, customers=500, terminals=1000, fraud="extended")
    for run in ("a", "b"):
        write_csv(Timeline(spec).days(0, 20), tmp_path / f"{run}.csv")
    assert _sha256(tmp_path / "a.csv") == _sha256(tmp_path / "b.csv")
    handbook = Timeline(replace(spec, fraud="handbook"))
    extended = Timeline(spec).days(0, 20)
    assert set(handbook.days(0, 20)["tx_id"]).isdisjoint(extended["tx_id"])
    assert set(handbook.cards.token) >= set(extended["card_token"])  # the same cards
