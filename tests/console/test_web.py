"""The console's application (fraudd.console.web) over real HTTP: no data without credentials,
CSRF on every change, viewers look but do not act, security headers on every response, the
per-browser nonce, and refusals counted."""

from __future__ import annotations

import aiohttp
from structlog.testing import capture_logs
from yarl import URL

from fraudd.console import auth
from fraudd.console.web import CSP
from tests.console.conftest import BOTH_DIALECTS, POSTGRES, Running, log_in

PAGES = ["/", "/queue", "/cases/case-tx-a1", "/blocks", "/audit", "/overview", "/queue?page=2"]
CASE_DATA = ("case-tx", "card-tok", "1111", "480.00")


@BOTH_DIALECTS
async def test_without_credentials_every_page_is_401_and_shows_no_case_data(
    console: Running, client: aiohttp.ClientSession
) -> None:
    for path in PAGES:
        async with client.get(console.url + path, allow_redirects=False) as resp:
            body = await resp.text()
        assert resp.status == 401, path
        assert "Log in" in body
        assert not any(d in body for d in CASE_DATA), path
    async with client.post(
        f"{console.url}/cases/case-tx-a1/verdict", data={"outcome": "fraud"}
    ) as r:
        assert r.status == 401
    assert await console.env.rows("SELECT * FROM {schema}.verdicts") == []


@POSTGRES
async def test_a_refused_url_is_logged_with_its_card_numbers_masked(
    console: Running, client: aiohttp.ClientSession
) -> None:
    """Sends /cards/4111-1111-1111-1111/extend without credentials (main logged the path
    as sent: a card number in the daemon's log)."""
    with capture_logs() as logs:
        async with client.get(f"{console.url}/cards/4111-1111-1111-1111/extend") as resp:
            assert resp.status == 401
    [refused] = [e for e in logs if e["event"] == "console.refused"]
    assert refused["path"] == "/cards/****-****-****-1111/extend"


@BOTH_DIALECTS
async def test_a_change_without_the_csrf_token_is_refused(
    console: Running, client: aiohttp.ClientSession
) -> None:
    csrf = await log_in(client, console, "investigator")
    url = f"{console.url}/cases/case-tx-a1/verdict"
    for data in ({"outcome": "fraud"}, {"outcome": "fraud", "csrf": "0" * 64}):
        async with client.post(url, data=data, allow_redirects=False) as resp:
            assert resp.status == 403
    async with client.post(url, data={"outcome": "fraud"}, headers={"X-CSRF-Token": csrf[::-1]},
                           allow_redirects=False) as resp:  # fmt: skip
        assert resp.status == 403
    assert await console.env.rows("SELECT * FROM {schema}.verdicts") == []
    async with client.post(
        url, data={"outcome": "fraud", "csrf": csrf}, allow_redirects=False
    ) as r:
        assert r.status == 303 and r.headers["Location"] == "/cases/case-tx-a1?done=closed"
    assert len(await console.env.rows("SELECT * FROM {schema}.verdicts")) == 1


@BOTH_DIALECTS
async def test_a_viewer_cannot_act(console: Running, client: aiohttp.ClientSession) -> None:
    csrf = await log_in(client, console, "viewer")
    for path, data in (
        ("/cases/case-tx-a1/verdict", {"outcome": "fraud"}),
        ("/cards/card-tok-a/release", {"reason": "because"}),
        ("/cards/card-tok-a/extend", {"hours": "5"}),
    ):
        async with client.post(console.url + path, data={**data, "csrf": csrf}) as resp:
            assert resp.status == 403 and "Viewers may look" in await resp.text()
    audit = await console.env.rows("SELECT action FROM {schema}.audit_log")
    assert [a.action for a in audit] == ["session.opened"]  # the login, and no action
    assert len(await console.env.rows("SELECT * FROM {schema}.card_blocks")) == 1


@POSTGRES
async def test_every_response_carries_the_security_headers(
    console: Running, client: aiohttp.ClientSession
) -> None:
    async with client.get(f"{console.url}/queue") as refused:  # a 401 page
        assert refused.status == 401 and refused.headers["Cache-Control"] == "no-store"
    await log_in(client, console, "viewer")
    async with client.get(f"{console.url}/cases/case-nope") as missing:  # an HTTP exception
        assert missing.status == 404
    async with client.get(f"{console.url}/static/console.css") as static:
        assert static.status == 200
    for resp in (refused, missing, static):
        assert resp.headers["Content-Security-Policy"] == CSP
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "Cache-Control" not in static.headers  # static files may be cached; pages not
    assert missing.headers["Cache-Control"] == "no-store"


@POSTGRES
async def test_the_csrf_token_belongs_to_one_browser_and_works_as_a_header(
    console: Running, client: aiohttp.ClientSession
) -> None:
    csrf = await log_in(client, console, "investigator")
    assert await log_in(client, console, "investigator") != csrf  # a new login, a new nonce
    csrf = await log_in(client, console, "investigator")
    nonce = {c.key: c for c in client.cookie_jar}[auth.NONCE_COOKIE]
    assert nonce["httponly"] and nonce["samesite"] == "Strict" and not nonce["secure"]
    url = f"{console.url}/cases/case-tx-a1/assign"
    async with client.post(url, headers={"X-CSRF-Token": csrf}, allow_redirects=False) as r:
        assert r.status == 303 and r.headers["Location"] == "/cases/case-tx-a1?done=assigned"
    client.cookie_jar.clear(lambda cookie: cookie.key == auth.NONCE_COOKIE)  # another browser
    client.cookie_jar.update_cookies({auth.NONCE_COOKIE: auth.new_nonce()}, URL(console.url))
    async with client.post(url, data={"csrf": csrf}, allow_redirects=False) as r:
        assert r.status == 403 and "did not come from the console" in await r.text()


@POSTGRES
async def test_a_session_without_a_nonce_gets_one(
    console: Running, client: aiohttp.ClientSession
) -> None:
    await log_in(client, console, "viewer")
    session = {c.key: c.value for c in client.cookie_jar}[auth.SESSION_COOKIE]
    fresh = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=fresh) as other:
        other.cookie_jar.update_cookies({auth.SESSION_COOKIE: session})
        async with other.get(f"{console.url}/queue") as resp:
            assert resp.status == 200
            assert auth.NONCE_COOKIE in resp.cookies
        async with other.get(f"{console.url}/queue") as again:
            assert auth.NONCE_COOKIE not in again.cookies  # kept, not replaced on every page


@POSTGRES
async def test_a_viewer_may_still_log_out_and_refusals_are_counted(
    console: Running, client: aiohttp.ClientSession
) -> None:
    async with client.get(f"{console.url}/queue"):
        pass
    csrf = await log_in(client, console, "viewer")
    async with client.post(f"{console.url}/cases/case-tx-a1/assign", data={"csrf": csrf}):
        pass
    async with client.post(
        f"{console.url}/logout", data={"csrf": csrf}, allow_redirects=False
    ) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/login"
    registry = console.deps.metrics.registry
    for reason in ("unauthenticated", "viewer"):
        count = registry.get_sample_value("fraudd_console_refusals_total", {"reason": reason})
        assert count == 1, reason
