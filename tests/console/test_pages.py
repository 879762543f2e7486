"""The console's pages and actions (fraudd.console.pages) over real HTTP, and in a real headless
browser (Debian's chromium, driven by playwright-core from tests/console/browser/), where the
pages' script matters: log in with a token, filter the queue, open a case, release the block,
confirm fraud, read the audit log; a viewer is refused. Then the warehouse is checked.

Screenshots go to ``test-artifacts/console/`` (or ``$FRAUDD_TEST_ARTIFACTS/console``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import jinja2
import pytest

from fraudd.console import auth
from fraudd.console.pages import NOTICES, _decimal, register_filters
from tests.cases.conftest import CasesEnv
from tests.cases.seed import SeedAlert, block_card, seed_alerts
from tests.console.conftest import (
    BOTH_DIALECTS,
    POSTGRES,
    Running,
    log_in,
    open_cases,
    start_console,
)

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


async def _journey_as_an_investigator_then_a_viewer(
    console: Running, secret: bytes, shots: Path, profiles: Path
) -> dict[str, Any]:
    def login(role: str) -> str:
        token = auth.mint(secret, auth.LOGIN_AUDIENCE, f"{role}@bank.example", role, 120)
        return f"{console.url}/login?token={token}"

    return await run_journey({
        "url": console.url, "investigator": login("investigator"), "viewer": login("viewer"),
        "caseId": "case-tx-a0", "viewerCard": "card-tok-b", "shots": str(shots),
        "profiles": str(profiles),
    })  # fmt: skip


async def _assert_the_warehouse_kept_the_investigators_actions_only(env: CasesEnv) -> None:
    audit = await env.rows(
        "SELECT action, actor, subject FROM {schema}.audit_log "
        "WHERE action NOT LIKE 'session.%%' ORDER BY action"
    )
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


@POSTGRES
async def test_an_investigator_works_a_case_in_the_browser(
    browser_console: Running, tmp_path: Path
) -> None:
    console, secret = browser_console, browser_console.secret()
    shots = artefacts()
    seen = await _journey_as_an_investigator_then_a_viewer(console, secret, shots, tmp_path)
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
    await _assert_the_warehouse_kept_the_investigators_actions_only(console.env)


@BOTH_DIALECTS
async def test_logged_in_the_queue_and_case_show_the_data(
    console: Running, client: aiohttp.ClientSession
) -> None:
    await log_in(client, console, "viewer")
    async with client.get(f"{console.url}/queue") as resp:
        body = await resp.text()
        headers = resp.headers
    assert "case-tx-a1" in body and "case-tx-b1" in body and "•••• 1111" in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    async with client.get(f"{console.url}/queue", params={"decision": "review"},
                          headers={"HX-Request": "true"}) as resp:  # fmt: skip
        partial = await resp.text()
    assert "case-tx-b1" in partial and "case-tx-a1" not in partial and "<html" not in partial
    async with client.get(f"{console.url}/cases/case-tx-a1") as resp:
        case = await resp.text()
    assert "amount 480.00 is unusually high" in case and "local-1" in case and "blocked" in case
    assert "Rule set version 2: mcc_watch (merchant category under investigation)" in case
    assert "rule set v2, lists r5" in case


@pytest.fixture
async def one_per_page(seeded: CasesEnv) -> AsyncIterator[Running]:
    """The seeded console showing one case per queue page."""
    await open_cases(seeded)
    await block_card(seeded, "card-tok-a", "tx-a2")
    async with AsyncExitStack() as stack:
        yield await start_console(seeded, stack, page_size=1)


async def _page(client: aiohttp.ClientSession, url: str, **params: str) -> str:
    async with client.get(url, params=params) as resp:
        assert resp.status == 200, url
        return await resp.text()


def _cases(page: str) -> list[str]:
    return re.findall(r'<a href="/cases/(case-[^"]+)">', page)


@POSTGRES
async def test_the_queue_filters_and_pages(
    one_per_page: Running, client: aiohttp.ClientSession
) -> None:
    console = one_per_page
    await log_in(client, console, "viewer")
    queue = f"{console.url}/queue"
    first = await _page(client, queue)
    assert _cases(first) == ["case-tx-a1"] and "2 open cases" in first
    assert 'href="/queue?page=2">next →' in first and "← previous" not in first
    second = await _page(client, queue, page="2")
    assert _cases(second) == ["case-tx-b1"] and "next →" not in second
    assert 'href="/queue?page=1">← previous' in second
    assert _cases(await _page(client, queue, min_amount="100")) == ["case-tx-a1"]
    grocery = await _page(client, queue, mcc="5411", decision="review", age="24h")
    assert _cases(grocery) == ["case-tx-b1"] and 'value="5411"' in grocery
    assert "No open case matches." in await _page(client, queue, age="1h", min_amount="1000")
    by_rule = await _page(client, queue, rule="cnp_large_amount")  # no rule matched these alerts
    assert "No open case matches." in by_rule and 'value="cnp_large_amount"' in by_rule


@POSTGRES
async def test_unknown_filter_values_are_ignored_not_echoed(
    console: Running, client: aiohttp.ClientSession
) -> None:
    await log_in(client, console, "viewer")
    junk = {"decision": "<b>block</b>", "mcc": "12ab", "min_amount": "NaN", "age": "forever",
            "page": "-3"}  # fmt: skip
    page = await _page(client, f"{console.url}/queue", **junk)
    assert _cases(page) == ["case-tx-a1", "case-tx-b1"] and "page 1" in page
    assert not any(value in page for value in ("12ab", "NaN", "forever", "&lt;b&gt;"))


def test_amounts_are_finite_non_negative_and_below_a_trillion() -> None:
    assert _decimal("12.50") == Decimal("12.50") and _decimal("0") == Decimal(0)
    for text in ("", "abc", "NaN", "Infinity", "-1", "1e12", "sNaN"):
        assert _decimal(text) is None, text


def test_the_template_filters() -> None:
    env = jinja2.Environment(autoescape=True)
    register_filters(env)
    when, money, kind = (env.filters[name] for name in ("when", "money", "reason_kind"))
    assert when(datetime(2026, 12, 1, 9, 5, 3, tzinfo=UTC)) == "2026-12-01 09:05:03 UTC"
    assert when(None) == "" and money(None) == ""
    assert money(Decimal("1234567.5")) == "1,234,567.50" and money("0.1") == "0.10"
    assert kind("amount_ratio_30d") == "model" and kind("velocity_rule") == "rule"


@POSTGRES
async def test_root_favicon_and_a_missing_case(
    console: Running, client: aiohttp.ClientSession
) -> None:
    async with client.get(f"{console.url}/favicon.ico") as resp:
        assert resp.status == 204  # without logging in: browsers ask before anything
    await log_in(client, console, "viewer")
    async with client.get(f"{console.url}/", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/queue"
    async with client.get(f"{console.url}/cases/case-tx-zz") as resp:
        assert resp.status == 404 and "no such case" in await resp.text()


async def _post(client: aiohttp.ClientSession, url: str, data: dict[str, str]) -> tuple[int, str]:
    async with client.post(url, data=data, allow_redirects=False) as resp:
        return resp.status, resp.headers.get("Location") or await resp.text()


@POSTGRES
async def test_each_action_redirects_back_with_its_notice(
    console: Running, client: aiohttp.ClientSession
) -> None:
    csrf = await log_in(client, console, "investigator")
    base = console.url
    case, card = f"{base}/cases/case-tx-a1", f"{base}/cards/card-tok-a"
    assert await _post(client, f"{case}/assign", {"csrf": csrf}) == (
        303,
        "/cases/case-tx-a1?done=assigned",
    )
    page = await _page(client, case, done="assigned")
    assert NOTICES["assigned"] in page and "investigator@bank.example" in page
    assert await _post(client, f"{card}/extend", {"csrf": csrf, "hours": "5"}) == (
        303,
        "/blocks?done=extended",
    )  # from the blocks page (no case): back there
    released = {"csrf": csrf, "reason": "customer called", "case_id": "case-tx-a1"}
    assert await _post(client, f"{card}/release", released) == (
        303,
        "/cases/case-tx-a1?done=released",
    )
    assert await _post(client, f"{card}/release", released) == (
        303,
        "/cases/case-tx-a1?done=not_blocked",
    )
    assert NOTICES["not_blocked"] in await _page(client, case, done="not_blocked")
    assert 'id="notice"' not in await _page(client, case, done="<i>junk</i>")
    actions = await console.env.rows(
        "SELECT action FROM {schema}.audit_log WHERE action NOT LIKE 'session.%%' "
        "ORDER BY acted_at"
    )
    assert [r[0] for r in actions] == ["case.assigned", "block.extended", "block.released"]
    audit = await _page(client, f"{base}/audit")
    assert all(a in audit for a in ("case.assigned", "block.extended", "block.released"))


@POSTGRES
async def test_a_refused_action_shows_why_and_changes_nothing(
    console: Running, client: aiohttp.ClientSession
) -> None:
    csrf = await log_in(client, console, "investigator")
    status, page = await _post(
        client, f"{console.url}/cases/case-tx-a1/verdict", {"csrf": csrf, "outcome": "maybe"}
    )
    assert status == 409 and "outcome must be one of" in page and "Not done" in page
    status, page = await _post(
        client, f"{console.url}/cards/card-tok-a/extend", {"csrf": csrf, "hours": "abc"}
    )
    assert status == 409 and "hours must be between 0 and 8760" in page
    assert await console.env.rows("SELECT * FROM {schema}.verdicts") == []
    audit = await console.env.rows("SELECT action FROM {schema}.audit_log")
    assert [a.action for a in audit] == ["session.opened"]  # the login, and no action


@POSTGRES
async def test_query_parameters_are_parsed_strictly(
    console: Running, client: aiohttp.ClientSession
) -> None:
    """Sends page=² (str.isdigit accepts it, int refuses it: a 500 on main), other non-ASCII
    digits, a 20-digit page, mcc=²²²² and rule names no rule may have: each is ignored, the
    first page is shown."""
    await log_in(client, console, "viewer")
    for junk in ({"page": "²"}, {"page": "١٢"}, {"page": "9" * 20}, {"page": " 2"},
                 {"page": "1e3"}, {"mcc": "²²²²"}, {"rule": "Velocity'--"},
                 {"rule": "r" * 65}):  # fmt: skip
        page = await _page(client, f"{console.url}/queue", **junk)
        assert _cases(page) == ["case-tx-a1", "case-tx-b1"] and "page 1" in page, junk


@POSTGRES
async def test_url_segments_hold_to_the_wire_shapes_and_nothing_is_stored(
    console: Running, client: aiohttp.ClientSession
) -> None:
    """Sends card numbers (plain and separated) and a 100-character token as the card token of
    /cards/…/extend and /release, and as a case id (main: the extension created a card_blocks
    row for /cards/4111111111111111/extend and for the 100-character token)."""
    csrf = await log_in(client, console, "investigator")
    form = {"csrf": csrf, "hours": "5", "reason": "x"}
    for token in ("4111111111111111", "4111-1111-1111-1111", "4111_1111_1111_1111",
                  "tok4111111111111111", "x" * 100):  # fmt: skip
        for action in ("extend", "release"):
            status, _ = await _post(client, f"{console.url}/cards/{token}/{action}", form)
            assert status == 404, (token, action)
    for case_id in ("case-4111111111111111", "case-4111.1111.1111.1111"):
        async with client.get(f"{console.url}/cases/{case_id}") as resp:
            assert resp.status == 404
        verdict = {"csrf": csrf, "outcome": "fraud"}
        assert (await _post(client, f"{console.url}/cases/{case_id}/verdict", verdict))[0] == 404
    blocked = await console.env.rows("SELECT card_token FROM {schema}.card_blocks")
    assert [r[0] for r in blocked] == ["card-tok-a"]
    audit = await console.env.rows("SELECT action FROM {schema}.audit_log")
    assert [a.action for a in audit] == ["session.opened"]  # the login, and no action


@POSTGRES
async def test_a_card_number_or_an_oversized_text_in_a_form_is_refused_in_one_line(
    console: Running, client: aiohttp.ClientSession
) -> None:
    """Sends a separated PAN as a verdict note, a release reason and an extension reason
    (main stored each in verdicts or card_blocks and audit_log, and showed it on the pages),
    and a 2,000-character note of 'é' (4,000 bytes: Redshift's VARCHAR(2048) overflows)."""
    csrf = await log_in(client, console, "investigator")
    case, card = f"{console.url}/cases/case-tx-a1", f"{console.url}/cards/card-tok-a"
    attempts = [
        (f"{case}/verdict", {"outcome": "fraud", "note": "card 4111 1111 1111 1111"}),
        (f"{card}/release", {"reason": "card 4111-1111-1111-1111"}),
        (f"{card}/extend", {"hours": "5", "reason": "5500:0000:0000:0004"}),
    ]
    for url, data in attempts:
        status, page = await _post(client, url, {"csrf": csrf, **data})
        assert status == 409 and "holds 13-19 digits that pass the card-number" in page
        assert "1111 1111" not in page and "1111-1111" not in page and ":0004" not in page
    status, page = await _post(client, f"{case}/verdict",
                               {"csrf": csrf, "outcome": "fraud", "note": "é" * 2000})  # fmt: skip
    assert status == 409 and "the note is 4000 bytes long in UTF-8; at most 2048 fit" in page
    assert await console.env.rows("SELECT * FROM {schema}.verdicts") == []
    audit = await console.env.rows("SELECT action FROM {schema}.audit_log")
    assert [a.action for a in audit] == ["session.opened"]  # the login, and no action


@POSTGRES
async def test_blocks_and_overview_pages(console: Running, client: aiohttp.ClientSession) -> None:
    await log_in(client, console, "viewer")
    blocks = await _page(client, f"{console.url}/blocks")
    assert "card-tok-a" in blocks and "card-tok-b" not in blocks
    overview = await _page(client, f"{console.url}/overview")
    assert overview.count("<svg") == 4 and "2 open" in overview


@POSTGRES
async def test_logging_out_drops_the_cookies(
    console: Running, client: aiohttp.ClientSession
) -> None:
    csrf = await log_in(client, console, "viewer")
    async with client.post(
        f"{console.url}/logout", data={"csrf": csrf}, allow_redirects=False
    ) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/login"
        dropped = {name: morsel["max-age"] for name, morsel in resp.cookies.items()}
    assert dropped == {auth.SESSION_COOKIE: "0", auth.NONCE_COOKIE: "0"}
    async with client.get(f"{console.url}/queue") as resp:
        assert resp.status == 401
