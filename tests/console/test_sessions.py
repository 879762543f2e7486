"""Local sessions an issuer's security review signs off: a login token works once (in every
console process: the record is in the warehouse), a logout ends the session on the server, and
cookies are Secure unless the console listens on loopback."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import aiohttp
import pytest

from fraudd.console import auth
from tests.console.conftest import BOTH_DIALECTS, POSTGRES, Running, log_in, start_console


def _login_token(console: Running, role: str = "investigator") -> str:
    return auth.mint(console.secret(), auth.LOGIN_AUDIENCE, "ines@bank.example", role, 60)


async def _log_in_with(console: Running, token: str) -> tuple[int, str | None]:
    """GET /login?token=... in a fresh browser: the status and the session cookie it got."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        url = f"{console.url}/login"
        async with http.get(url, params={"token": token}, allow_redirects=False) as resp:
            cookie = resp.cookies.get(auth.SESSION_COOKIE)
            return resp.status, cookie.value if cookie else None


async def _queue_with(console: Running, cookie: str) -> int:
    """GET /queue sending only this session cookie, as a copied cookie would be sent."""
    headers = {"Cookie": f"{auth.SESSION_COOKIE}={cookie}"}
    async with aiohttp.ClientSession() as http, http.get(f"{console.url}/queue",
                                                         headers=headers) as resp:  # fmt: skip
        return resp.status


@BOTH_DIALECTS
async def test_a_login_token_opens_one_session_in_any_console_process(console: Running) -> None:
    """Sends one login token to this console twice, then to a second console (another process's
    memory, the same warehouse): only the first use gets a session."""
    token = _login_token(console)
    status, cookie = await _log_in_with(console, token)
    assert status == 303 and cookie
    assert await _log_in_with(console, token) == (401, None)
    async with AsyncExitStack() as stack:
        other = await start_console(console.env, stack)
        assert await _log_in_with(other, token) == (401, None)
    assert await _queue_with(console, cookie) == 200


@POSTGRES
async def test_two_consoles_racing_with_one_token_open_one_session(console: Running) -> None:
    """Sends the same token to two consoles at once, ten times: one session each time (the
    unique index of migration 0006 decides between processes)."""
    async with AsyncExitStack() as stack:
        other = await start_console(console.env, stack)
        for _ in range(10):
            token = _login_token(console)
            results = await asyncio.gather(
                _log_in_with(console, token), _log_in_with(other, token)
            )
            assert sorted(status for status, _ in results) == [303, 401]


@BOTH_DIALECTS
async def test_logout_ends_the_session_on_the_server(
    console: Running, client: aiohttp.ClientSession
) -> None:
    """Logs in, keeps the session cookie, logs out, then sends the kept cookie: refused."""
    csrf = await log_in(client, console, "investigator")
    [cookie] = [c.value for c in client.cookie_jar if c.key == auth.SESSION_COOKIE]
    assert await _queue_with(console, cookie) == 200
    async with client.post(f"{console.url}/logout", data={"csrf": csrf}) as resp:
        assert resp.status == 200 and resp.url.path == "/login"
    assert await _queue_with(console, cookie) == 401
    actions = await console.env.rows("SELECT action FROM {schema}.audit_log ORDER BY action")
    assert [a.action for a in actions] == ["session.closed", "session.opened"]


@POSTGRES
@pytest.mark.parametrize(
    ("host", "secure"), [("127.0.0.1", False), ("::1", False), ("0.0.0.0", True)]
)
async def test_cookies_are_secure_unless_the_console_listens_on_loopback(
    console: Running, host: str, secure: bool
) -> None:
    """Logs in to a console configured to listen on ``host``: Secure on every cookie set."""
    async with AsyncExitStack() as stack:
        served = await start_console(console.env, stack, host=host)
        async with aiohttp.ClientSession() as http:
            url = f"{served.url}/login"
            params = {"token": _login_token(served)}
            async with http.get(url, params=params, allow_redirects=False) as resp:
                cookies = resp.headers.getall("Set-Cookie")
    assert {auth.SESSION_COOKIE, auth.NONCE_COOKIE} <= {c.split("=")[0] for c in cookies}
    assert all(("; Secure" in c) is secure for c in cookies), cookies
