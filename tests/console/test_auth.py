"""Who is asking (fraudd.console.auth): login and session tokens, the console secret, login
URLs and CSRF tokens; through the real console, tokens that must not log anyone in."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import aiohttp
import jwt
import pytest
from pydantic import SecretStr

from fraudd.console import auth
from fraudd.settings import ConfigError, load_settings
from tests.console.conftest import BOTH_DIALECTS, Running

SECRET = b"s" * 40


@BOTH_DIALECTS
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


def test_a_minted_token_names_its_user_for_its_audience_only() -> None:
    token = auth.mint(SECRET, auth.LOGIN_AUDIENCE, "  ines@bank.example ", "investigator", 60)
    user = auth.verify(SECRET, auth.LOGIN_AUDIENCE, token, "console")
    assert user == auth.User("ines@bank.example", "investigator", "console")
    assert user.actor().name == "ines@bank.example" and user.actor().role == "investigator"
    with pytest.raises(auth.Unauthenticated, match="fraudd-console-session token refused"):
        auth.verify(SECRET, auth.SESSION_AUDIENCE, token, "console")
    with pytest.raises(auth.Unauthenticated):
        auth.verify(b"t" * 40, auth.LOGIN_AUDIENCE, token, "console")
    expired = auth.mint(SECRET, auth.LOGIN_AUDIENCE, "ines", "viewer", -1)
    with pytest.raises(auth.Unauthenticated, match="expired"):
        auth.verify(SECRET, auth.LOGIN_AUDIENCE, expired, "console")


def test_a_token_without_expiry_is_refused() -> None:
    claims = {"iss": "fraudd", "aud": auth.LOGIN_AUDIENCE, "sub": "eve", "role": "viewer",
              "iat": int(time.time())}  # fmt: skip
    forever = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(auth.Unauthenticated, match="exp"):
        auth.verify(SECRET, auth.LOGIN_AUDIENCE, forever, "console")


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("", "viewer", "1-200 printable characters"),
        ("a" * 201, "viewer", "1-200 printable characters"),
        ("eve\nadmin", "viewer", "1-200 printable characters"),
        ("eve", "admin", "role must be one of viewer, analyst, investigator"),
    ],
)
def test_no_token_is_minted_for_a_bad_name_or_role(name: str, role: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        auth.mint(SECRET, auth.LOGIN_AUDIENCE, name, role, 60)


def test_the_local_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    settings = load_settings(None, local={"state_dir": str(tmp_path / "state")})
    first = auth.console_secret(settings)
    path = tmp_path / "state" / auth.SECRET_FILE
    assert len(first) >= 48 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert auth.console_secret(settings) == first  # `fraudd console token` and the console agree
    configured = settings.derive(console={"token_secret": SecretStr("c" * 40)})
    assert auth.console_secret(configured) == b"c" * 40


def test_on_aws_the_secret_must_be_configured(tmp_path: Path) -> None:
    settings = load_settings(None, local={"state_dir": str(tmp_path)})
    # Valid without a secret (no console role here), so console_secret's own check is what refuses
    aws = settings.derive(profile="aws", roles=("consumer",))
    with pytest.raises(ConfigError, match=r"console\.token_secret: required on aws"):
        auth.console_secret(aws)
    assert not (tmp_path / auth.SECRET_FILE).exists()


def test_a_login_url_points_at_the_console_with_a_token_for_the_user(tmp_path: Path) -> None:
    settings = load_settings(
        None, local={"state_dir": str(tmp_path)}, console={"host": "127.0.0.2", "port": 9321}
    )
    url = auth.login_url(settings, "ines", "viewer")
    base, token = url.split("/login?token=")
    assert base == "http://127.0.0.2:9321"
    user = auth.verify(auth.console_secret(settings), auth.LOGIN_AUDIENCE, token, "console")
    assert (user.name, user.role) == ("ines", "viewer")
    public = settings.derive(console={"public_url": "https://console.bank.example/"})
    assert auth.login_url(public, "ines", "viewer").startswith(
        "https://console.bank.example/login?token="
    )


def test_a_csrf_token_is_of_one_user_in_one_browser() -> None:
    ines = auth.User("ines", "investigator", "console")
    nonce = auth.new_nonce()
    token = auth.csrf_token(SECRET, ines, nonce)
    assert auth.csrf_ok(SECRET, ines, nonce, token)
    assert not auth.csrf_ok(SECRET, ines, auth.new_nonce(), token)  # another browser
    assert not auth.csrf_ok(SECRET, auth.User("ines", "viewer", "console"), nonce, token)
    assert not auth.csrf_ok(SECRET, ines, nonce, None) and not auth.csrf_ok(
        SECRET, ines, None, token
    )
    assert not auth.csrf_ok(b"t" * 40, ines, nonce, token)
