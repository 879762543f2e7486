"""Who is asking: local login tokens, session cookies and CSRF tokens (all signed with
``console.token_secret``), and the role a user has.

Local login: ``fraudd console token --role investigator`` prints a short-lived token (a JWT,
HS256, audience ``fraudd-console-login``); ``GET /login?token=...`` exchanges it for a session
cookie (HS256, audience ``fraudd-console-session``, HttpOnly, SameSite=Strict, and Secure
unless the console listens on loopback). Every token carries an id (``jti``); the session
minted from a login token carries the login token's id, so one id names one login and the
session it opened. :mod:`fraudd.console.sessions` makes a login token single use and a logout
final, in the warehouse (shared by every console process). On AWS (``console.auth = "alb"``)
neither is accepted: only the load balancer's signed header is (:mod:`fraudd.console.alb`).

CSRF: every state-changing request must carry ``csrf`` (form field or ``X-CSRF-Token`` header)
equal to HMAC(secret, user + per-browser nonce); the nonce lives in an HttpOnly SameSite=Strict
cookie, so another site can neither read nor forge the token.

PyJWT (with cryptography, already locked for moto) verifies signatures, expiry and audience, and
ALB's ES256; hand-written JWT parsing is exactly where verification bugs live.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt

from fraudd.cases.service import USER_ROLES, Actor, UserRole
from fraudd.settings import ConfigError, Settings

LOGIN_AUDIENCE = "fraudd-console-login"
SESSION_AUDIENCE = "fraudd-console-session"
ISSUER = "fraudd"
SECRET_FILE = "console-secret"
SESSION_COOKIE = "fraudd_session"
NONCE_COOKIE = "fraudd_nonce"


class Unauthenticated(Exception):
    """No valid credentials; the message says which check failed (logged, not shown)."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: UserRole
    via: str
    session: str = field(default="", compare=False)
    """The token id (``jti``) of a local login's session; empty behind the ALB."""

    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.via)


def console_secret(settings: Settings) -> bytes:
    """``console.token_secret``, or on the local profile a random one kept in the state dir
    (created on first use, mode 0600) so that ``fraudd console token`` and the console agree."""
    configured = settings.console.token_secret
    if configured is not None:
        return configured.get_secret_value().encode()
    if settings.profile != "local":
        raise ConfigError("invalid configuration: console.token_secret: required on aws")
    path = Path(settings.local.state_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        if not path.read_text(encoding="utf-8").strip():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip().encode()


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not 0 < len(cleaned) <= 200 or any(not c.isprintable() for c in cleaned):
        raise ValueError("a user name is 1-200 printable characters")
    return cleaned


def _check_id(value: object) -> str:
    if not isinstance(value, str) or not 16 <= len(value) <= 64 or not value.isascii():
        raise ValueError("a token id is 16-64 ASCII characters")
    return value


def _check_role(role: str) -> UserRole:
    if role not in USER_ROLES:
        raise ValueError(f"role must be one of {', '.join(USER_ROLES)}")
    return role


def mint(secret: bytes, audience: str, name: str, role: str, ttl_s: float, **extra: str) -> str:
    """A signed token for ``name`` in ``role``, valid for ``ttl_s`` seconds, with a fresh id
    (``jti``) unless ``extra`` names one."""
    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": audience, "sub": _check_name(name), "role": _check_role(role),
        "iat": now, "exp": now + int(ttl_s), "jti": secrets.token_urlsafe(18), **extra,
    }  # fmt: skip
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(secret: bytes, audience: str, token: str, via: str) -> User:
    """The user a token names; :class:`Unauthenticated` if forged, expired or for elsewhere."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=audience, issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )  # fmt: skip
        session = _check_id(claims["jti"])
        return User(_check_name(claims["sub"]), _check_role(claims.get("role", "")), via, session)
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise Unauthenticated(f"{audience} token refused: {exc}") from None


def login_token(settings: Settings, name: str, role: str) -> str:
    """What ``fraudd console token`` prints."""
    secret = console_secret(settings)
    return mint(secret, LOGIN_AUDIENCE, name, role, settings.console.token_ttl_s)


def login_url(settings: Settings, name: str, role: str) -> str:
    """A short-lived login URL for the local console (``console.public_url`` or its address)."""
    c = settings.console
    base = c.public_url or f"http://{c.host}:{c.port}"
    return f"{base.rstrip('/')}/login?token={login_token(settings, name, role)}"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, user: User, nonce: str) -> str:
    """The CSRF token of this user in this browser."""
    mac = hmac.new(secret, f"csrf|{user.name}|{user.role}|{nonce}".encode(), hashlib.sha256)
    return mac.hexdigest()


def csrf_ok(secret: bytes, user: User, nonce: str | None, sent: str | None) -> bool:
    if not nonce or not sent:
        return False
    return hmac.compare_digest(csrf_token(secret, user, nonce), sent)
