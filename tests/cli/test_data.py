"""``simulate history``, ``history import`` and ``replay`` (fraudd.cli.data) as operators run
them: what each prints (lines, or a JSON summary last), its exit codes, and the one line of an
unusable file, option or stream."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fraudd.cli.data import _seconds
from fraudd.cli.errors import EX_UNAVAILABLE, EX_USAGE
from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.simulator import read_csv
from tests.cli.conftest import Invoke, one_line, run_fraudd, stack_env
from tests.conftest import free_ports
from tests.e2e.harness import Env, make_env
from tests.history.conftest import HistoryDb, history_db  # noqa: F401  (fixture)
from tests.history.test_importer import last_json, run_cli

HEADER = "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud\n"


def test_unreadable_history_files(local_stack: tuple[Settings, StackInfo], tmp_path: Path) -> None:
    env = stack_env(local_stack[0])
    missing = run_fraudd("history", "import", str(tmp_path / "nope.csv"), env=env)
    assert missing.returncode == EX_USAGE and "no such file" in one_line(missing)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"tx_id,tx_time\n" * 1000)[:40])
    done = run_fraudd("history", "import", str(broken), env=env)
    assert done.returncode == EX_USAGE and "cannot read the history file" in one_line(done)


def test_an_unreachable_stream(tmp_path: Path, local_stack: tuple[Settings, StackInfo]) -> None:
    path = tmp_path / "h.csv"
    path.write_text(
        "tx_id,tx_time,customer_id,terminal_id,amount,is_fraud\nx1,2018-04-01 10:00:00,1,7,5,0\n"
    )
    (port,) = free_ports(1)
    env = stack_env(local_stack[0]) | {"FRAUDD_KINESIS__ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    done = run_fraudd("replay", str(path), env=env)
    line = one_line(done)
    assert done.returncode == EX_UNAVAILABLE and f"127.0.0.1:{port}" in line
    assert "kinesis.endpoint_url" in line


async def test_the_cli_loads_a_small_history_and_writes_files(
    history_db: HistoryDb,  # noqa: F811
    tmp_path: Path,
) -> None:
    small = ["--start", "2018-04-01", "--days", "4", "--customers", "60", "--terminals", "120"]
    small += ["--seed", "5", "--json"]
    done = await run_cli(history_db, "simulate", "history", *small)
    loaded = last_json(done)
    out = tmp_path / "small.csv.gz"
    written = last_json(await run_cli(history_db, "simulate", "history", *small, "--out", str(out)))
    both = await run_cli(
        history_db, "simulate", "history", "--start", "2018-04-01", "--end", "2018-05-01"
    )
    assert done.returncode == 0 and loaded["loaded"] == loaded["transactions"] > 200
    assert loaded["origin"] == "2018-04-01" and loaded["end"] == "2018-04-05"
    assert written["transactions"] == loaded["transactions"] == len(read_csv(out))
    assert both.returncode == 2
    async with history_db.wh.acquire() as conn:
        n = await conn.fetchval(f"SELECT count(*) FROM {history_db.schema}.transactions")
    assert n == loaded["transactions"]


@pytest.mark.parametrize(
    "options", [["--start", "2018-04-01", "--end", "2018-05-01"], ["--layout", "parquet"]]
)
def test_simulate_options_that_do_not_go_together(invoke: Invoke, options: list[str]) -> None:
    done = invoke("simulate", "history", *options, "--out", "never.csv")
    assert done.returncode == EX_USAGE and not Path("never.csv").exists()
    assert one_line(done) == "fraudd: give --start or --end, not both; --layout fraudd|handbook"


def test_simulate_writes_the_handbook_layout_and_says_so(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "handbook.csv"
    small = ["--end", "2018-04-03", "--days", "2", "--customers", "60", "--terminals", "120"]
    done = invoke("simulate", "history", *small, "--out", str(out), "--layout", "handbook")
    assert done.returncode == 0, done.stderr
    rows = out.read_text().splitlines()
    assert rows[0].startswith("TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT")
    lines = done.stdout.splitlines()
    assert lines[0] == f"wrote {len(rows) - 1:,} transactions (handbook layout) to {out}"
    assert lines[1].startswith("handbook fraud; transactions per fraud_scenario: 0: ")
    as_json = invoke("simulate", "history", *small, "--out", str(out), "--json")
    summary = json.loads(as_json.stdout.splitlines()[-1])
    assert summary["origin"] == "2018-04-01" and summary["days"] == 2  # --end is exclusive
    assert summary["layout"] == "fraudd" and summary["transactions"] == len(rows) - 1


def test_simulate_extended_fraud_and_counts_per_scenario(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "extended.csv"
    size = ["--start", "2018-04-01", "--days", "30", "--customers", "1500", "--terminals", "3000"]
    done = invoke("simulate", "history", *size, "--fraud", "extended", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    frame = read_csv(out)
    assert summary["fraud"] == "extended"
    assert set(summary["scenarios"]) == {str(k) for k in range(8)}
    assert summary["scenarios"] == {
        str(k): int(v) for k, v in frame["fraud_scenario"].value_counts().items()
    }
    assert frame["tx_id"].str.startswith("x").all()


def test_simulate_refuses_an_unknown_fraud_mode_in_one_line(invoke: Invoke) -> None:
    done = invoke("simulate", "history", "--fraud", "synthetic", "--out", "never.csv")
    assert done.returncode == EX_USAGE
    assert one_line(done) == "fraudd: --fraud synthetic: give one of handbook | extended"


def test_import_prints_what_it_read_loaded_and_rejected_and_exits_1(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str, tmp_path: Path
) -> None:
    env = stack_env(local_stack[0], schema)
    assert invoke("migrate", env=env).returncode == 0
    path = tmp_path / "mixed.csv"
    path.write_text(
        HEADER + "i1,2018-04-01 10:00:00,1,7,5.00,0\ni2,2018-04-01 11:00:00,2,7,abc,0\n"
        "i3,2018-04-02 10:00:00,1,8,7.50,1\n"
    )
    done = invoke("history", "import", str(path), env=env)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"read 3 rows (fraudd layout) from {path}"
    assert lines[1].startswith("loaded 2 transactions and 2 labels in ")
    assert lines[2].startswith("label times: ") and lines[2].endswith("applied to 2 labels")
    assert lines[3] == "rejected 1" and lines[5] == "first rejected lines:"
    assert lines[6].startswith("  line 3: ")  # the header is line 1
    again = invoke("history", "import", str(path), "--show", "0", "--json", env=env)
    summary = json.loads(again.stdout.splitlines()[-1])
    assert again.returncode == 1 and summary["loaded"] == 0 and summary["first_rejects"] == []


@pytest.fixture
async def stream_env(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[Env]:
    """A stream and a migrated schema of the test's own on the session's stack."""
    yield await make_env(local_stack, shards=1)


def test_replay_sends_the_file_and_prints_what_it_sent(
    invoke: Invoke, stream_env: Env, tmp_path: Path
) -> None:
    env = stack_env(stream_env.settings) | {
        "FRAUDD_KINESIS__STREAM_NAME": stream_env.settings.kinesis.stream_name
    }
    path = tmp_path / "h.csv"
    path.write_text(
        HEADER + "r1,2018-04-01 10:00:00,1,7,5.00,0\nr2,2018-04-01 10:00:01,2,7,-1,0\n"
        "r3,2018-04-01 10:00:02,2,8,9.00,1\n"
    )
    done = invoke("replay", str(path), "--rate", "1000", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("sent 2 of 2 swipes (0 declined), 2 labels written, events ")
    assert lines[1].startswith("skipped bad rows: ")
    limited = invoke("replay", str(path), "--limit", "1", "--rate", "1000", "--json", env=env)
    summary = json.loads(limited.stdout.splitlines()[-1])
    assert limited.returncode == 0 and (summary["taken"], summary["sent"]) == (1, 1)


def test_replay_to_a_stream_that_does_not_exist_is_one_line(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "x1,2018-04-01 10:00:00,1,7,5,0\n")
    env = stack_env(local_stack[0]) | {"FRAUDD_KINESIS__STREAM_NAME": "no-such-stream"}
    done = invoke("replay", str(path), env=env)
    assert done.returncode == EX_UNAVAILABLE
    line = one_line(done)
    assert "no-such-stream" in line and "`fraudd local up`" in line


def test_stage_times_are_summed_and_named() -> None:
    assert _seconds(3.21) == "3.2 s"
    assert _seconds({"generate": 2.4, "load": 20.7}) == "23.1 s (generate 2.4 s, load 20.7 s)"
