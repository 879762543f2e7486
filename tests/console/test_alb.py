"""auth = alb: only a valid ``x-amzn-oidc-data`` header from the pinned signer gets in.

The key endpoint is a local aiohttp stub serving the public half of an EC key made here
(``console.alb_key_url`` points at it); tokens are signed as the ALB signs them (ES256, kid and
signer in the JWT header).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fraudd.console import auth
from fraudd.console.alb import FETCH_BURST, HEADER
from tests.cases.conftest import CasesEnv
from tests.console.conftest import SIGNER, AlbKeys, Running, open_cases, start_console

pytestmark = pytest.mark.parametrize("cases_env", ["postgres"], indirect=True)


@pytest.fixture
async def alb_console(seeded: CasesEnv, alb_keys: AlbKeys) -> AsyncIterator[Running]:
    await open_cases(seeded)
    async with AsyncExitStack() as stack:
        yield await start_console(
            seeded, stack, auth="alb", alb_signer_arn=SIGNER, alb_key_url=alb_keys.url
        )


def alb_token(
    keys: AlbKeys,
    key: Any = None,
    *,
    exp_in: float = 60,
    claims: dict[str, Any] | None = None,
    **header: Any,
) -> str:
    claims = {
        "sub": "1234-abcd",
        "email": "ines@bank.example",
        "exp": int(time.time() + exp_in),
        "groups": ["staff", "fraudd-investigators"],
        "iss": "https://idp.example",
        **(claims or {}),
    }
    head = {"kid": keys.kid, "signer": SIGNER, "client": "console", **header}
    return jwt.encode(claims, key or keys.private, algorithm="ES256", headers=head)


async def status(console: Running, token: str | None, path: str = "/queue") -> tuple[int, str]:
    headers = {HEADER: token} if token is not None else {}
    async with aiohttp.ClientSession() as http, http.get(console.url + path, headers=headers) as r:
        return r.status, await r.text()


async def test_a_valid_header_logs_the_user_in_with_the_group_role(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    code, body = await status(alb_console, alb_token(alb_keys))
    assert code == 200 and "case-tx-a1" in body and "ines@bank.example · investigator" in body
    code, _ = await status(alb_console, alb_token(alb_keys))
    assert alb_keys.hits == ["kid-1"]  # the key is fetched once per kid


async def test_the_analysts_group_gives_the_analyst_role_below_investigators(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    analyst = alb_token(alb_keys, claims={"groups": ["fraudd-analysts", "fraudd-viewers"]})
    code, body = await status(alb_console, analyst, "/rules")
    assert code == 200 and "ines@bank.example · analyst" in body and 'id="draft-form"' in body
    both = alb_token(alb_keys, claims={"groups": ["fraudd-analysts", "fraudd-investigators"]})
    assert "ines@bank.example · investigator" in (await status(alb_console, both))[1]


async def test_forged_expired_or_foreign_headers_are_refused(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    refused = {
        "missing": None,
        "garbage": "not.a.jwt",
        "wrong key": alb_token(alb_keys, other),
        "expired": alb_token(alb_keys, exp_in=-5),
        "other signer": alb_token(alb_keys, signer=SIGNER.replace("fraudd", "evil")),
        "unknown kid": alb_token(alb_keys, kid="kid-2"),
        "path as kid": alb_token(alb_keys, kid="../kid-1"),
        "hs256": jwt.encode(
            {"sub": "x", "exp": int(time.time()) + 60},
            "k" * 32,
            headers={"kid": "kid-1", "signer": SIGNER},
        ),
        "a local session": auth.mint(
            alb_console.secret(), auth.SESSION_AUDIENCE, "x", "investigator", 60
        ),
    }
    for name, token in refused.items():
        code, body = await status(alb_console, token)
        assert code == 401, name
        assert "case-tx" not in body, name
    assert "../kid-1" not in alb_keys.hits  # never sent to the key endpoint


async def test_a_user_in_no_console_group_is_forbidden(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    claims = {"email": "bob@bank.example", "exp": int(time.time()) + 60, "groups": "staff"}
    token = jwt.encode(claims, alb_keys.private, algorithm="ES256",
                       headers={"kid": alb_keys.kid, "signer": SIGNER})  # fmt: skip
    code, body = await status(alb_console, token)
    assert code == 403 and "case-tx" not in body
    viewer = dict(claims, groups="staff,fraudd-viewers")
    token = jwt.encode(viewer, alb_keys.private, algorithm="ES256",
                       headers={"kid": alb_keys.kid, "signer": SIGNER})  # fmt: skip
    code, body = await status(alb_console, token)
    assert code == 200 and "bob@bank.example · viewer" in body


async def test_local_login_tokens_do_not_work_behind_the_alb(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    token = auth.mint(alb_console.secret(), auth.LOGIN_AUDIENCE, "x", "investigator", 60)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{alb_console.url}/login", params={"token": token}) as r:
            assert r.status == 200 and auth.SESSION_COOKIE not in r.cookies
        async with http.get(f"{alb_console.url}/queue") as r:
            assert r.status == 401


async def test_an_unknown_kid_is_asked_for_once_then_refused_from_memory(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    """Sends the same header with kid "kid-2" (the endpoint answers 404) ten times: one fetch."""
    for _ in range(10):
        code, _ = await status(alb_console, alb_token(alb_keys, kid="kid-2"))
        assert code == 401
    assert alb_keys.hits.count("kid-2") == 1


async def test_fetches_of_new_kids_are_rate_limited_and_known_keys_still_work(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    """Logs in once (kid-1 fetched), then sends 20 headers each with a fresh unknown kid: at
    most FETCH_BURST of them reach the key endpoint, and kid-1's header still gets in."""
    assert (await status(alb_console, alb_token(alb_keys)))[0] == 200
    for n in range(20):
        assert (await status(alb_console, alb_token(alb_keys, kid=f"forged-{n}")))[0] == 401
    fetched = [kid for kid in alb_keys.hits if kid.startswith("forged-")]
    assert 1 <= len(fetched) <= FETCH_BURST
    assert (await status(alb_console, alb_token(alb_keys)))[0] == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "ines@bank.example\nINFO console.logged_in user=admin"},
        {"email": "ines@bank.example\x1b[2J"},
        {"email": "\u202eelpmaxe.knab@sseni"},  # right-to-left override
        {"groups": ["staff", "fraudd-investigators\u2028"]},
        {"exp": int(time.time()) + 10 * 365 * 86400},  # ten years
        {"exp": int(time.time()) + 604800 + 3600},  # beyond the ALB's 7-day maximum
    ],
    ids=["newline", "escape", "bidi", "line-separator", "ten-years", "eight-days"],
)
async def test_claims_with_control_characters_or_a_far_expiry_are_refused(
    alb_console: Running, alb_keys: AlbKeys, claims: dict[str, Any]
) -> None:
    """Sends a correctly signed header whose claims the ALB would never produce: 401, no data."""
    code, body = await status(alb_console, alb_token(alb_keys, claims=claims))
    assert code == 401 and "case-tx" not in body


async def test_an_expiry_within_the_configured_session_is_accepted(
    alb_console: Running, alb_keys: AlbKeys
) -> None:
    assert (await status(alb_console, alb_token(alb_keys, exp_in=6 * 86400)))[0] == 200

