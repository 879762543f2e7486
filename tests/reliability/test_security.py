"""Invariant 7 end to end: no full card number and no configured secret anywhere fraudd wrote
(logs, every warehouse table, SNS messages, /metrics); card numbers that a hostile upstream put
into the stream are masked in the quarantine; Redshift without TLS is refused at the CLI; the
operator endpoint listens on loopback only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fraudd.settings import EX_CONFIG
from tests.reliability.hostile import PAN_FORMS
from tests.reliability.scale import Scale
from tests.reliability.security import STREAM_MIRROR, security_run

pytestmark = pytest.mark.timeout(600)


async def test_no_card_number_or_secret_anywhere(
    local_stack: Any, scale: Scale, tmp_path: Path
) -> None:
    t, scan = await security_run(local_stack, scale, tmp_path / "daemon")
    print(t.as_dict(), scan)
    expected = {"daemon stdout", "SNS messages", "/metrics", f"table {STREAM_MIRROR}"}
    tables = {"transactions", "decisions", "alert_outbox", "dead_letters", "card_blocks"}
    assert expected | {f"table {n}" for n in tables} <= set(scan.sources)
    assert all(scan.sources[s] > 0 for s in expected | {"table dead_letters"}), scan.sources
    assert scan.secrets == {}, f"secret values leaked: {scan.secrets}"
    leaks = {s: p for s, p in scan.pans.items() if s != f"table {STREAM_MIRROR}"}
    assert leaks == {}, f"card numbers written by fraudd: {leaks}"
    mirrored = set(scan.pans.get(f"table {STREAM_MIRROR}", []))
    assert set(PAN_FORMS) <= mirrored  # the scan sees every form the test put in ...
    digits = {"".join(c for c in f if c.isdigit()) for f in PAN_FORMS}
    assert mirrored <= {*PAN_FORMS, *digits}  # ... and no other
    assert t.details["pans_written_by_test"] >= 10
    assert t.lost == 0 and t.doubled == 0 and t.alerts_missing == 0, t.details
    assert t.details["first_exit_code"] == 0 and t.details["final_exit_code"] == 0
    assert t.details["listening"] and all(a == "127.0.0.1" for a, _ in t.details["listening"])


def _config_show(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDD_")}
    return subprocess.run(
        [sys.executable, "-m", "fraudd", "config", "show"],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_redshift_without_verified_tls_is_refused_by_the_cli() -> None:
    done = _config_show(
        {
            "FRAUDD_PROFILE": "aws",
            "FRAUDD_WAREHOUSE__DIALECT": "redshift",
            "FRAUDD_WAREHOUSE__SSLMODE": "require",
        }
    )
    assert done.returncode == EX_CONFIG
    assert "warehouse.sslmode" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_config_show_redacts_secrets() -> None:
    done = _config_show(
        {"FRAUDD_WAREHOUSE__PASSWORD": "pw-0b5e7c1d", "FRAUDD_AWS__SECRET_ACCESS_KEY": "sk-9f2a4c"}
    )
    assert done.returncode == 0, done.stderr
    assert "pw-0b5e7c1d" not in done.stdout and "sk-9f2a4c" not in done.stdout
    assert "**********" in done.stdout
