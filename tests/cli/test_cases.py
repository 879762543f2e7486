"""``fraudd cases|blocks|labels|console`` as operators run them: a real subprocess on the test's
schema (PostgreSQL), one line per failure, exit codes."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fraudd.console import auth
from tests.cases.conftest import CasesEnv
from tests.cases.seed import block_card
from tests.cli.conftest import run_fraudd, warehouse_env

pytestmark = pytest.mark.parametrize("cases_env", ["postgres"], indirect=True)


async def fraudd(env: CasesEnv, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    variables = {"FRAUDD_LOCAL__STATE_DIR": str(tmp), "FRAUDD_LOG_LEVEL": "warning"}
    return await asyncio.to_thread(
        run_fraudd, *args, env=warehouse_env(env.settings) | variables, timeout=120
    )


async def intake(env: CasesEnv) -> None:
    async with env.session() as s, s.transaction():
        await s.intake_alerts(datetime(2000, 1, 1, tzinfo=UTC))


async def test_cases_list_show_close_and_blocks(seeded: CasesEnv, tmp_path: Path) -> None:
    await intake(seeded)
    await block_card(seeded, "card-tok-b", "tx-b1")
    listed = await fraudd(seeded, tmp_path, "cases", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["case_id"] for c in json.loads(listed.stdout)] == ["case-tx-a1", "case-tx-b1"]
    shown = await fraudd(seeded, tmp_path, "cases", "show", "case-tx-b1")
    assert shown.returncode == 0 and "****2222" in shown.stdout and "blocked until" in shown.stdout
    missing = await fraudd(seeded, tmp_path, "cases", "show", "case-nope")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    close = ["close", "case-tx-b1", "--verdict", "legitimate", "--note", "called", "--as", "ops1"]
    closed = await fraudd(seeded, tmp_path, "cases", *close)
    assert closed.returncode == 0, closed.stderr
    assert "released the card's block" in closed.stdout
    again = await fraudd(seeded, tmp_path, "cases", "close", "case-tx-b1", "--verdict", "fraud")
    assert again.returncode == 1 and "already closed" in again.stderr
    assert "Traceback" not in again.stderr and again.stderr.count("\n") == 1
    await block_card(seeded, "card-tok-a", "tx-a2")
    blocks = await fraudd(seeded, tmp_path, "blocks", "list", "--json")
    assert [b["card_token"] for b in json.loads(blocks.stdout)] == ["card-tok-a"]
    released = await fraudd(seeded, tmp_path, "blocks", "release", "card-tok-a",
                            "--reason", "card replaced")  # fmt: skip
    assert released.returncode == 0 and "released card-tok-a" in released.stdout
    audit = await seeded.rows("SELECT actor, action FROM {schema}.audit_log ORDER BY action")
    assert ("cli:ops1", "verdict.recorded") in [tuple(r) for r in audit]
    assert sum(1 for r in audit if r[1] == "block.released") == 2


async def _an_investigator_says_legitimate(env: CasesEnv, case_id: str) -> None:
    async with env.session() as s, s.transaction():
        from fraudd.cases import service

        actor = service.Actor("ines", "investigator")
        await service.record_verdict(s, actor, case_id, "legitimate", "", datetime.now(UTC))


def _chargebacks_with_a_bad_row_of_each_kind(tmp_path: Path, later: str, future: str) -> Path:
    lines = [
        "transaction_id,is_fraud,label_time",        # line 1: header (aliases)
        f"tx-a1,fraud,{later}",                       # 2 good
        f"tx-b1,1,{later}",                           # 3 good: overrides the verdict, disagrees
        "tx-a2,maybe,2024-01-01T00:00:00Z",           # 4 bad label
        "tx-a2,0,yesterday",                          # 5 bad time
        "tx-a2,0,2030-01-01T00:00:00",                # 6 no time zone
        f"tx-zz,1,{later}",                           # 7 unknown transaction
        f"tx-a1,0,{later}",                           # 8 duplicate of line 2
        f"tx-a2,1,{future}",                          # 9 in the future
        "tx-a2,1,2001-01-01T00:00:00+00:00",          # 10 before the transaction
        "",                                           # 11 blank: skipped
        f"tx-ok0,legitimate,{later}",                 # 12 good
    ]  # fmt: skip
    path = tmp_path / "chargebacks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _then_a_clean_file_loads_and_one_without_the_columns_is_refused(
    env: CasesEnv, tmp_path: Path, later: str
) -> None:
    clean = tmp_path / "clean.csv"
    clean.write_text(f"tx_id,label,labelled_at\ntx-a2,1,{later}\n", encoding="utf-8")
    ok = await fraudd(env, tmp_path, "labels", "import", str(clean))
    assert ok.returncode == 0 and "loaded 1 label(s), rejected 0 row(s)" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\n1,1\n", encoding="utf-8")
    refused = await fraudd(env, tmp_path, "labels", "import", str(bad))
    assert refused.returncode == 65 and refused.stderr.count("\n") == 1


async def test_labels_import_reports_bad_rows_by_line_and_loads_the_rest(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    await intake(seeded)
    await _an_investigator_says_legitimate(seeded, "case-tx-b1")
    now = datetime.now(UTC)
    later, future = (now + timedelta(minutes=1)).isoformat(), (now + timedelta(days=2)).isoformat()
    path = _chargebacks_with_a_bad_row_of_each_kind(tmp_path, later, future)
    done = await fraudd(seeded, tmp_path, "labels", "import", str(path))
    assert done.returncode == 1
    reported = [line.split(":", 2)[1] for line in done.stderr.strip().splitlines()]
    assert reported == ["4", "5", "6", "7", "8", "9", "10"], done.stderr
    assert "loaded 3 label(s), rejected 7 row(s); 1 disagreed" in done.stdout
    labels = await seeded.rows("SELECT tx_id, is_fraud, source FROM {schema}.labels ORDER BY 1")
    assert [tuple(r) for r in labels] == [
        ("tx-a1", True, "chargeback"), ("tx-b1", True, "chargeback"),
        ("tx-ok0", False, "chargeback"),
    ]  # fmt: skip
    await _then_a_clean_file_loads_and_one_without_the_columns_is_refused(seeded, tmp_path, later)


async def test_console_token_prints_a_login_url_the_console_accepts(
    cases_env: CasesEnv, tmp_path: Path
) -> None:
    done = await fraudd(cases_env, tmp_path, "console", "token", "--role", "investigator",
                        "--user", "ines@bank.example")  # fmt: skip
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    assert url.startswith("http://127.0.0.1:8082/login?token=")
    secret = (tmp_path / auth.SECRET_FILE).read_text(encoding="utf-8").strip().encode()
    assert (tmp_path / auth.SECRET_FILE).stat().st_mode & 0o077 == 0
    user = auth.verify(secret, auth.LOGIN_AUDIENCE, url.split("token=")[1], "console")
    assert (user.name, user.role) == ("ines@bank.example", "investigator")
    wrong = await fraudd(cases_env, tmp_path, "console", "token", "--role", "admin")
    assert wrong.returncode == 2 and "role must be one of" in wrong.stderr


async def test_console_token_is_refused_on_the_aws_profile_unless_allowed(
    cases_env: CasesEnv, tmp_path: Path
) -> None:
    """Asks for a login token with FRAUDD_PROFILE=aws: one line, exit 1, no URL; with
    console.allow_local_auth = true the URL is printed."""
    variables = warehouse_env(cases_env.settings) | {
        "FRAUDD_LOCAL__STATE_DIR": str(tmp_path), "FRAUDD_LOG_LEVEL": "warning",
        "FRAUDD_PROFILE": "aws", "FRAUDD_CONSOLE__TOKEN_SECRET": "s" * 40,
    }  # fmt: skip
    args = ("console", "token", "--role", "viewer")
    refused = await asyncio.to_thread(run_fraudd, *args, env=variables, timeout=120)
    assert refused.returncode == 1 and "token=" not in refused.stdout
    assert refused.stderr.strip().count("\n") == 0
    assert "the aws profile refuses local login tokens" in refused.stderr
    allowed = variables | {"FRAUDD_CONSOLE__ALLOW_LOCAL_AUTH": "true"}
    done = await asyncio.to_thread(run_fraudd, *args, env=allowed, timeout=120)
    assert done.returncode == 0 and "/login?token=" in done.stdout, done.stderr


async def test_labels_import_names_line_and_column_and_never_repeats_a_cell(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    """Sends rows whose cells are card numbers (plain and separated) and spreadsheet formulas
    (main echoed the label and time cells to the terminal and accepted the separated PANs as
    transaction ids), then a file with a 10 MB field (main: exit 70, no line number)."""
    cells = ["4111-1111-1111-1111", "4111 1111 1111 1111", '=HYPERLINK("http://x")']
    path = tmp_path / "cb.csv"
    path.write_text(
        "tx_id,label,labelled_at\n"
        "4111-1111-1111-1111,1,2026-01-01T00:00:00Z\n"
        'tx-a1,=HYPERLINK("http://x"),2026-01-01T00:00:00Z\n'
        '"tx-a1",1,"4111 1111 1111 1111"\n',
        encoding="utf-8",
    )
    done = await fraudd(seeded, tmp_path, "labels", "import", str(path))
    assert done.returncode == 1
    assert not any(c in done.stdout + done.stderr for c in [*cells, "HYPERLINK", "4111"])
    assert [line.split(": ", 1)[1].split(" ")[:2] for line in done.stderr.splitlines()] == [
        ["column", "tx_id"], ["column", "label:"], ["column", "labelled_at:"]
    ]  # fmt: skip
    big = tmp_path / "big.csv"
    big.write_text('tx_id,label,labelled_at\ntx-a1,1,2026-01-01T00:00:00Z\ntx-a2,1,"'
                   + "x" * 10_000_000 + '"\n')  # fmt: skip
    refused = await fraudd(seeded, tmp_path, "labels", "import", str(big))
    assert refused.returncode == 65 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(f"fraudd: {big}:3: not readable as CSV (field larger")


@pytest.mark.parametrize(
    "args",
    [["cases", "close", "case-tx-a1", "--verdict", "fraud", "--note", "card 4111.1111.1111.1111"],
     ["cases", "close", "case-tx-a1", "--verdict", "unsure", "--as", "4111_1111_1111_1111"],
     ["blocks", "release", "card-tok-a", "--reason", "5500:0000:0000:0004 called"],
     ["blocks", "release", "4111-1111-1111-1111", "--reason", "x"],
     ["console", "token", "--user", "4111 1111 1111 1111"],
     ["cases", "show", "case-4111-1111-1111-1111"]],
)  # fmt: skip
async def test_a_card_number_on_the_command_line_is_one_line_and_never_stored(
    seeded: CasesEnv, tmp_path: Path, args: list[str]
) -> None:
    """Sends a PAN split by a separator as a note, a name (audited, or signed into a login
    token), a reason, a card token and a case id (the card is blocked, so main released it and
    stored the reason; main echoed the case id)."""
    await intake(seeded)
    await block_card(seeded, "card-tok-a", "tx-a2")
    done = await fraudd(seeded, tmp_path, *args)
    code = 2 if args[0] == "console" else 1  # a bad option, or a refused action
    assert done.returncode == code and done.stderr.count("\n") == 1, done.stderr
    assert done.stdout == ""
    assert "1111" not in done.stderr and "0004" not in done.stderr
    assert await seeded.rows("SELECT * FROM {schema}.verdicts") == []
    assert await seeded.rows("SELECT * FROM {schema}.audit_log") == []
