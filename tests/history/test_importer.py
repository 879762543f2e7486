"""``history import`` against the local stack's PostgreSQL: round trips, layouts, bad rows."""

from __future__ import annotations

import asyncio
import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fraudd.history.columns import derived_card_token
from fraudd.history.importer import import_history
from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.simulator import write_csv, write_handbook_csv
from fraudd.warehouse import opened_warehouse
from fraudd.warehouse.migrate import migrate
from tests.cli.conftest import run_fraudd, warehouse_env
from tests.history.conftest import HistoryDb, schema_settings
from tests.history.test_validate import write_mixed
from tests.shim.redshift_shim import RedshiftShim

TX = (
    "tx_id, tx_time, customer_id, terminal_id, card_token, last4, amount, merchant_category, "
    "channel, currency, terminal_x, terminal_y, source"
)


async def fetch(db: HistoryDb, sql: str) -> list[Any]:
    async with db.wh.acquire() as conn:
        return await conn.fetch(sql.format(schema=db.schema))


def expected_transactions(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """What ``transactions`` must hold for simulator rows (ids as text, as the consumer writes)."""
    return [
        (
            r.tx_id, r.tx_time.to_pydatetime(), str(r.customer_id), str(r.terminal_id),
            r.card_token, r.last4, Decimal(f"{r.amount:.2f}"), r.merchant_category, r.channel,
            r.currency, r.terminal_x, r.terminal_y, "history",
        )
        for r in frame.itertuples(index=False)
    ]  # fmt: skip


async def test_fraudd_file_round_trips_into_transactions_and_labels(
    history_db: HistoryDb, small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "history.csv.gz"
    write_csv(small_frame, path)
    summary = await import_history(history_db.wh, history_db.settings, path, chunk_rows=5000)
    kept = small_frame
    assert summary.layout == "fraudd" and summary.rows_read == len(small_frame)
    assert summary.loaded == summary.labels == len(kept) > 10_000
    assert summary.rejected_total == 0
    assert summary.labels_at_delay == len(kept)  # the file has no labelled_at
    rows = await fetch(history_db, f"SELECT {TX} FROM {{schema}}.transactions ORDER BY tx_id")
    assert [tuple(r) for r in rows] == expected_transactions(kept.sort_values("tx_id"))
    labels = await fetch(
        history_db,
        "SELECT tx_id, is_fraud, labelled_at, fraud_scenario, source "
        "FROM {schema}.labels ORDER BY tx_id",
    )
    ordered = kept.sort_values("tx_id")
    due = ordered["tx_time"] + pd.Timedelta(days=7)  # the conservative rule
    assert [tuple(r) for r in labels] == [
        (t, bool(f), d.to_pydatetime(), int(s), "history")
        for t, f, d, s in zip(
            ordered["tx_id"], ordered["is_fraud"], due, ordered["fraud_scenario"], strict=True
        )
    ]
    assert int(ordered["is_fraud"].sum()) > 50


async def test_handbook_file_is_recognised_without_a_flag(
    history_db: HistoryDb, small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame = small_frame.iloc[:3000]
    path = tmp_path / "handbook.csv"
    write_handbook_csv(frame, path)
    summary = await import_history(history_db.wh, history_db.settings, path)
    kept = np.flatnonzero(frame["amount"].to_numpy() > 0)
    assert summary.layout == "handbook" and summary.loaded == len(kept)
    rows = await fetch(
        history_db,
        "SELECT t.tx_id, t.tx_time, t.customer_id, t.amount, t.card_token, t.last4, "
        "t.currency, t.merchant_category, l.is_fraud, l.fraud_scenario "
        "FROM {schema}.transactions t JOIN {schema}.labels l USING (tx_id) "
        "ORDER BY t.tx_id::int",
    )
    expected = [
        (
            str(i), frame["tx_time"].iloc[i].to_pydatetime(), str(frame["customer_id"].iloc[i]),
            Decimal(f"{frame['amount'].iloc[i]:.2f}"),
            derived_card_token(str(frame["customer_id"].iloc[i])),
            "0000", "EUR", None, bool(frame["is_fraud"].iloc[i]),
            int(frame["fraud_scenario"].iloc[i]),
        )
        for i in kept
    ]  # fmt: skip
    assert [tuple(r) for r in rows] == expected


async def run_cli(db: HistoryDb, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m fraudd *args`` in a subprocess (off the event loop)."""
    env = warehouse_env(db.settings) | {"FRAUDD_LOG_LEVEL": "warning"}
    return await asyncio.to_thread(run_fraudd, *args, env=env)


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return dict(json.loads(lines[-1]))


async def test_bad_rows_are_reported_good_rows_load_and_the_exit_code_is_1(
    history_db: HistoryDb, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    good_ids, bad = write_mixed(path)
    with path.open("a") as f:  # a repeat of a good id, after everything else
        f.write("t0,2018-04-02T00:00:00Z,c,t,1.00,0,,\n")
    bad[len(path.read_text().splitlines())] = "duplicate_in_file"
    done = await run_cli(history_db, "history", "import", str(path), "--show", "50", "--json")
    summary = last_json(done)
    assert done.returncode == 1
    assert summary["loaded"] == summary["labels"] == len(good_ids)
    assert summary["rows_read"] == len(good_ids) + len(bad)
    assert {r["line"]: r["reason"] for r in summary["first_rejects"]} == bad
    assert sum(summary["rejected_by_reason"].values()) == summary["rejected"] == len(bad)
    ids = await fetch(history_db, "SELECT tx_id FROM {schema}.transactions")
    assert sorted(r[0] for r in ids) == sorted(good_ids)


async def test_importing_the_same_file_again_reports_every_row_as_already_loaded(
    history_db: HistoryDb, small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame = small_frame[small_frame["amount"] > 0].iloc[:2000]
    path = tmp_path / "again.csv"
    write_csv(frame, path)
    first = await import_history(history_db.wh, history_db.settings, path)
    done = await run_cli(history_db, "history", "import", str(path), "--json")
    again = last_json(done)
    assert first.loaded == 2000 and first.rejected_total == 0
    assert done.returncode == 1 and again["loaded"] == 0
    assert again["rejected_by_reason"] == {"already_loaded": 2000}
    assert [r["line"] for r in again["first_rejects"]] == list(range(2, 22))
    count = await fetch(history_db, "SELECT count(*) FROM {schema}.labels")
    assert count[0][0] == 2000


async def test_a_file_with_an_unknown_header_exits_2_and_loads_nothing(
    history_db: HistoryDb, tmp_path: Path
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n")
    done = await run_cli(history_db, "history", "import", str(path))
    assert done.returncode == 2 and "unrecognised header" in done.stderr
    count = await fetch(history_db, "SELECT count(*) FROM {schema}.transactions")
    assert count[0][0] == 0


async def test_import_through_the_redshift_connector_driver(
    local_stack: tuple[Settings, StackInfo],
    shim: RedshiftShim,
    small_frame: pd.DataFrame,
    tmp_path: Path,
) -> None:
    """The loader only uses the Connection interface: the other driver loads the same rows."""
    settings = schema_settings(local_stack[0], "hr")
    wh_settings = settings.warehouse.derive(
        **{"driver": "redshift_connector", "port": shim.port, "sslmode": "disable"}
    )
    settings = settings.derive(**{"warehouse": wh_settings})
    async with opened_warehouse(settings) as wh:
        try:
            await migrate(wh.pool, settings)
            frame = small_frame[small_frame["amount"] > 0].iloc[:1500]
            path = tmp_path / "rc.csv"
            write_csv(frame, path)
            summary = await import_history(wh, settings, path, chunk_rows=400)
            db = HistoryDb(settings, wh)
            rows = await fetch(db, f"SELECT {TX} FROM {{schema}}.transactions ORDER BY tx_id")
            timeout = await fetch(db, "SHOW statement_timeout")
        finally:
            async with wh.acquire() as conn:
                await conn.execute(f"DROP SCHEMA {settings.warehouse.schema_name} CASCADE")
    assert summary.loaded == summary.labels == 1500 and summary.rejected_total == 0
    assert [tuple(r) for r in rows] == expected_transactions(frame.sort_values("tx_id"))
    assert timeout[0][0] == "1min"  # restored after the load


async def test_a_file_with_an_undeclared_column_exits_2_naming_it(
    history_db: HistoryDb, small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "extra.csv"
    write_with_columns(small_frame.iloc[:50], path, merchant_country=["FR"] * 50)
    done = await run_cli(history_db, "history", "import", str(path))
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "undeclared columns: merchant_country; declare them as fields ([fields] in the "
            "settings) or remove them from the file"
        )
    )
    count = await fetch(history_db, "SELECT count(*) FROM {schema}.transactions")
    assert count[0][0] == 0


def write_with_columns(frame: pd.DataFrame, path: Path, **columns: Any) -> None:
    """``frame`` in the fraudd layout, then ``columns`` (CSV text values) at the end."""
    write_csv(frame, path)
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    text.assign(**{k: list(v) for k, v in columns.items()}).to_csv(path, index=False)


OWN_FIELDS = {
    "merchant_country": {"type": "string", "required": True, "description": "country"},
    "card_present": {"type": "boolean", "description": "chip or swipe"},
}


async def test_declared_fields_are_imported_into_their_columns(
    local_stack: tuple[Settings, StackInfo], small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    settings = schema_settings(local_stack[0].derive(fields={"declared": OWN_FIELDS}), "hf")
    frame = small_frame.iloc[:300].copy()
    frame["merchant_country"] = np.where(frame.index % 3 == 0, "DE", "FR")
    frame["card_present"] = np.where(frame.index % 2 == 0, "true", "")
    frame.loc[frame.index[7], "merchant_country"] = ""  # required: this row is refused
    path = tmp_path / "own.csv"
    write_with_columns(
        frame, path, merchant_country=frame["merchant_country"], card_present=frame["card_present"]
    )
    async with opened_warehouse(settings) as wh:
        try:
            await migrate(wh.pool, settings)
            summary = await import_history(wh, settings, path)
            rows = await fetch(
                HistoryDb(settings, wh),
                "SELECT tx_id, merchant_country, card_present FROM {schema}.transactions",
            )
        finally:
            async with wh.acquire() as conn:
                await conn.execute(f"DROP SCHEMA {settings.warehouse.schema_name} CASCADE")
    assert summary.rejected == {"bad_field": 1} and summary.loaded == 299
    kept = frame.drop(frame.index[7])
    expected = {
        (t, c, True if p == "true" else None)
        for t, c, p in zip(
            kept["tx_id"], kept["merchant_country"], kept["card_present"], strict=True
        )
    }
    assert {tuple(r) for r in rows} == expected
