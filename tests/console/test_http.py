"""The console over real HTTP: no data without credentials, tokens, CSRF, roles, escaping."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

import aiohttp
import jwt
import pytest

from fraudd.console import auth
from tests.console.conftest import Running

pytestmark = pytest.mark.parametrize("cases_env", ["postgres", "redshift"], indirect=True)
PAGES = ["/", "/queue", "/cases/case-tx-a1", "/blocks", "/audit", "/overview", "/queue?page=2"]
CASE_DATA = ("case-tx", "card-tok", "1111", "480.00")


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        yield session


async def log_in(client: aiohttp.ClientSession, console: Running, role: str) -> str:
    """Log in as ``role``; return the page's CSRF token."""
    token = auth.mint(console.secret(), auth.LOGIN_AUDIENCE, f"{role}@bank.example", role, 60)
    async with client.get(f"{console.url}/login", params={"token": token}) as resp:
        assert resp.status == 200 and resp.url.path == "/queue"
    async with client.get(f"{console.url}/cases/case-tx-a1") as resp:
        page = await resp.text()
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found, "the case page carries a CSRF token"
    return found.group(1)


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


async def test_forged_expired_or_misdirected_tokens_are_refused(
    console: Running, client: aiohttp.ClientSession
) -> None:
    now = int(time.time())
    good = {"iss": "fraudd", "sub": "eve", "role": "investigator", "iat": now, "exp": now + 60}
    tokens = [
        jwt.encode({**good, "aud": auth.LOGIN_AUDIENCE}, b"x" * 40, algorithm="HS256"),  # forged
        jwt.encode({**good, "aud": auth.LOGIN_AUDIENCE, "exp": now - 1}, console.secret()),
        jwt.encode({**good, "aud": auth.SESSION_AUDIENCE}, console.secret()),  # wrong audience
        jwt.encode({**good, "aud": auth.LOGIN_AUDIENCE, "role": "admin"}, console.secret()),
        "not-a-token",
    ]
    for token in tokens:
        async with client.get(f"{console.url}/login", params={"token": token}) as resp:
            assert resp.status == 401
        async with client.get(f"{console.url}/queue", allow_redirects=False) as resp:
            assert resp.status == 401
    # a login token is not a session cookie either
    login = jwt.encode({**good, "aud": auth.LOGIN_AUDIENCE}, console.secret())
    client.cookie_jar.update_cookies({auth.SESSION_COOKIE: login})
    async with client.get(f"{console.url}/queue") as resp:
        assert resp.status == 401


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


async def test_a_viewer_cannot_act(console: Running, client: aiohttp.ClientSession) -> None:
    csrf = await log_in(client, console, "viewer")
    for path, data in (
        ("/cases/case-tx-a1/verdict", {"outcome": "fraud"}),
        ("/cards/card-tok-a/release", {"reason": "because"}),
        ("/cards/card-tok-a/extend", {"hours": "5"}),
    ):
        async with client.post(console.url + path, data={**data, "csrf": csrf}) as resp:
            assert resp.status == 403 and "Viewers may look" in await resp.text()
    assert await console.env.rows("SELECT * FROM {schema}.audit_log") == []
    assert len(await console.env.rows("SELECT * FROM {schema}.card_blocks")) == 1
