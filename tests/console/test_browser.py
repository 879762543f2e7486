"""The console in a real headless browser (Debian's chromium, driven by playwright-core from
tests/console/browser/): log in with a token, filter the queue, open a case, release the block,
confirm fraud, read the audit log; a viewer is refused. Then the warehouse is checked.

Screenshots go to ``test-artifacts/console/`` (or ``$FRAUDD_TEST_ARTIFACTS/console``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from fraudd.console import auth
from tests.cases.conftest import CasesEnv
from tests.cases.seed import SeedAlert, block_card, seed_alerts
from tests.console.conftest import Running, open_cases, start_console

pytestmark = pytest.mark.parametrize("cases_env", ["postgres"], indirect=True)
HERE = Path(__file__).resolve().parent / "browser"
ROOT = Path(__file__).resolve().parents[2]
XSS = "<script>window.__xss=1</script>"
CHROMIUM = Path("/usr/bin/chromium")


def artefacts() -> Path:
    base = Path(os.environ.get("FRAUDD_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    folder = base / "console"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
async def browser_console(seeded: CasesEnv) -> AsyncIterator[Running]:
    hostile = SeedAlert("tx-a0", "card-tok-a", "1111", "99.00", 0.60, "review", XSS, 25)
    await seed_alerts(seeded, (hostile,), history=False)
    await open_cases(seeded)
    await block_card(seeded, "card-tok-a", "tx-a2")
    await block_card(seeded, "card-tok-b", "tx-b1")
    async with AsyncExitStack() as stack:
        yield await start_console(seeded, stack)


def require_browser() -> None:
    if not CHROMIUM.exists() or not (HERE / "node_modules" / "playwright-core").exists():
        pytest.fail("chromium or playwright-core missing: run `make browser` (or .ci/run)")


async def run_journey(config: dict[str, Any]) -> dict[str, Any]:
    require_browser()
    proc = await asyncio.create_subprocess_exec(
        "node", str(HERE / "journey.mjs"), json.dumps(config), cwd=HERE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    assert proc.returncode == 0, err.decode()[-3000:]
    return dict(json.loads(out))


async def test_an_investigator_works_a_case_in_the_browser(
    browser_console: Running, tmp_path: Path
) -> None:
    console, secret = browser_console, browser_console.secret()

    def login(role: str) -> str:
        token = auth.mint(secret, auth.LOGIN_AUDIENCE, f"{role}@bank.example", role, 120)
        return f"{console.url}/login?token={token}"

    shots = artefacts()
    seen = await run_journey({
        "url": console.url, "investigator": login("investigator"), "viewer": login("viewer"),
        "caseId": "case-tx-a0", "viewerCard": "card-tok-b", "shots": str(shots),
        "profiles": str(tmp_path),
    })  # fmt: skip
    assert seen["errors"] == [] and seen["console"] == []  # no script error, no CSP violation
    assert seen["queueRows"] == 2
    assert "case-tx-b1" in seen["filteredText"] and "mcc=5411" in seen["filteredUrl"]
    assert XSS in seen["merchantCells"] and seen["xssRan"] is False  # shown as text, not run
    assert "case closed" in seen["afterVerdict"] and "blocked until" in seen["blockAfterVerdict"]
    assert "Block released" in seen["afterRelease"] and "not blocked" in seen["blockState"]
    assert "block.released" in seen["auditOnCase"] and "verdict.recorded" in seen["auditOnCase"]
    assert "investigator@bank.example" in seen["auditPage"]
    assert seen["overviewSvgs"] == 4
    assert seen["viewerButtons"] == 0 and seen["viewerPost"] == 403 and seen["viewerPostSaid"]
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "1-queue.png", "2-case.png", "3-case-closed.png", "4-audit.png", "5-overview.png",
        "6-viewer.png",
    ]  # fmt: skip
    env = console.env
    audit = await env.rows("SELECT action, actor, subject FROM {schema}.audit_log ORDER BY action")
    assert [tuple(r) for r in audit] == [
        ("block.released", "investigator@bank.example", "card-tok-a"),
        ("case.closed", "investigator@bank.example", "case-tx-a0"),
        ("verdict.recorded", "investigator@bank.example", "case-tx-a0"),
    ]
    labels = await env.rows("SELECT tx_id, is_fraud, source FROM {schema}.labels ORDER BY tx_id")
    assert [tuple(r) for r in labels] == [
        ("tx-a0", True, "verdict"), ("tx-a1", True, "verdict"), ("tx-a2", True, "verdict"),
    ]  # fmt: skip
    blocks = await env.rows("SELECT card_token FROM {schema}.card_blocks")
    assert [r[0] for r in blocks] == ["card-tok-b"]  # the viewer's release was refused
