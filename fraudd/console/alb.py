"""Trust on AWS: the Application Load Balancer's signed ``x-amzn-oidc-data`` header, and nothing
else (``console.auth = "alb"``).

What AWS documents for an ALB with an ``authenticate-oidc`` / ``authenticate-cognito`` action
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html,
"User claims encoding and signature verification"): after logging the user in, the load
balancer adds ``x-amzn-oidc-data``, the user's claims as a JWT signed with ES256; its header
holds ``kid`` (the key id), ``signer`` (the load balancer's ARN) and ``exp``; the public key is
a PEM file at ``https://public-keys.auth.elb.<region>.amazonaws.com/<kid>``. The guide tells
applications to check the signature and the signer. So a request is refused unless:

* the header's ``alg`` is ES256 and its ``signer`` is exactly ``console.alb_signer_arn`` (a JWT
  signed by another load balancer, or by anyone with their own key, is worthless);
* the signature verifies with the key fetched by ``kid`` from ``console.alb_key_url`` (a kid is
  an id, never a URL or a path: it must match ``[A-Za-z0-9-]{1,128}``);
* ``exp`` is present, in the future, and no further away than ``console.alb_max_session_s``
  (at most 604,800 s: the ``SessionTimeout`` of the ALB's authenticate action defaults to, and
  is capped at, 7 days — a later expiry was not set by the load balancer);
* no claim holds a control character (C0/C1 controls, format characters such as bidi
  overrides, line and paragraph separators): a name or group with one would forge lines in
  logs and the audit trail, and the ALB passes the IdP's claims through unchanged.

Unknown kids cost nothing: a kid the key endpoint refused (a 4xx, or not a P-256 key; an outage
or a timeout is not remembered) is refused without asking again
for :data:`NEGATIVE_TTL_S` seconds (at most :data:`MAX_UNKNOWN` remembered), and fetches of kids
not yet known are rate-limited (:data:`FETCH_BURST`, then one per :data:`FETCH_REFILL_S`
seconds), so a stream of forged headers with fresh kids can neither hammer the endpoint nor
slow every request down by a fetch.

The role comes from the claim ``console.role_claim`` (a list, or a string of names separated by
commas or spaces): investigator if any name is in ``console.investigator_groups``, analyst if in
``console.analyst_groups``, viewer if in ``console.viewer_groups`` (the first that holds), else
the request is refused. The target group must accept traffic from the load balancer only (the
CloudFormation wiring's security group does), or anyone who can reach the instance could send a
header — which would still fail the signature check.
"""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from fraudd.console.auth import Unauthenticated, User
from fraudd.settings import Settings

HEADER = "x-amzn-oidc-data"
_KID = re.compile(r"^[A-Za-z0-9-]{1,128}$")
_SPLIT = re.compile(r"[\s,\[\]\"']+")
MAX_KEYS = 32
NEGATIVE_TTL_S = 300.0
MAX_UNKNOWN = 1024
FETCH_BURST = 5
FETCH_REFILL_S = 12.0
_CONTROL = frozenset({"Cc", "Cf", "Zl", "Zp"})


class NoRole(Unauthenticated):
    """Signed in, but in none of the console's groups."""


class UnknownKid(Unauthenticated):
    """The key endpoint answered, and not with a P-256 key for this kid (an outage or a timeout
    is not this: those are not remembered)."""


def key_base_url(settings: Settings) -> str:
    c = settings.console
    return c.alb_key_url or f"https://public-keys.auth.elb.{settings.aws.region}.amazonaws.com"


class FetchBudget:
    """A token bucket: ``burst`` fetches at once, then one more every ``refill_s`` seconds."""

    def __init__(self, burst: int, refill_s: float, clock: Callable[[], float]) -> None:
        self.burst, self.refill_s, self.clock = burst, refill_s, clock
        self.tokens = float(burst)
        self.at = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) / self.refill_s)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class AlbVerifier:
    """Verifies ``x-amzn-oidc-data``; public keys are fetched once per kid and kept, kids the
    endpoint refused are remembered for a while, and fetches are rate-limited."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.http = http
        self.base = key_base_url(settings).rstrip("/")
        self.keys: dict[str, EllipticCurvePublicKey] = {}
        self.unknown: OrderedDict[str, float] = OrderedDict()
        self.budget = FetchBudget(FETCH_BURST, FETCH_REFILL_S, clock)
        self.clock = clock
        self.lock = asyncio.Lock()

    async def user(self, token: str) -> User:
        header = _unverified_header(token)
        c = self.settings.console
        if header.get("alg") != "ES256":
            raise Unauthenticated(f"ALB header: alg {header.get('alg')!r} is not ES256")
        if header.get("signer") != c.alb_signer_arn:
            raise Unauthenticated("ALB header: signed by another signer than alb_signer_arn")
        kid = header.get("kid")
        if not isinstance(kid, str) or not _KID.fullmatch(kid):
            raise Unauthenticated("ALB header: missing or malformed kid")
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token, key, algorithms=["ES256"],
                options={"require": ["exp"], "verify_aud": False},
            )  # fmt: skip
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"ALB header refused: {exc}") from None
        self._check_claims(claims)
        return User(_name(claims), self._role(claims), "alb")

    def _check_claims(self, claims: dict[str, Any]) -> None:
        """No control character anywhere; an expiry the load balancer could have set."""
        if _has_control(claims):
            raise Unauthenticated("ALB header: a claim holds a control character")
        horizon = time.time() + self.settings.console.alb_max_session_s
        if not isinstance(claims["exp"], int | float) or claims["exp"] > horizon:
            raise Unauthenticated("ALB header: exp beyond console.alb_max_session_s")

    def _role(self, claims: dict[str, Any]) -> Any:
        c = self.settings.console
        groups = _groups(claims.get(c.role_claim))
        if groups & set(c.investigator_groups):
            return "investigator"
        if groups & set(c.analyst_groups):
            return "analyst"
        if groups & set(c.viewer_groups):
            return "viewer"
        raise NoRole(f"no console group in claim {c.role_claim!r}")

    async def _key(self, kid: str) -> EllipticCurvePublicKey:
        if kid in self.keys:
            return self.keys[kid]
        async with self.lock:
            if kid not in self.keys:
                self.keys[kid] = await self._fetch_new(kid)
                if len(self.keys) > MAX_KEYS:
                    self.keys.pop(next(iter(self.keys)))
        return self.keys[kid]

    async def _fetch_new(self, kid: str) -> EllipticCurvePublicKey:
        """Fetch a kid not yet known, unless it was refused lately or the budget is spent."""
        refused_at = self.unknown.get(kid)
        if refused_at is not None and self.clock() - refused_at < NEGATIVE_TTL_S:
            raise Unauthenticated(f"ALB key {kid}: refused by the key endpoint lately")
        if not self.budget.take():
            raise Unauthenticated(f"ALB key {kid}: key fetches rate-limited")
        try:
            key = await self._fetch(kid)
        except UnknownKid:
            self.unknown[kid] = self.clock()
            self.unknown.move_to_end(kid)
            if len(self.unknown) > MAX_UNKNOWN:
                self.unknown.popitem(last=False)
            raise
        self.unknown.pop(kid, None)
        return key

    async def _fetch(self, kid: str) -> EllipticCurvePublicKey:
        url = f"{self.base}/{kid}"
        try:
            timeout = aiohttp.ClientTimeout(total=5)
            async with self.http.get(url, timeout=timeout) as resp:
                if 400 <= resp.status < 500:
                    raise UnknownKid(f"ALB key {kid}: HTTP {resp.status} from {url}")
                if resp.status != 200:
                    raise Unauthenticated(f"ALB key {kid}: HTTP {resp.status} from {url}")
                pem = await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unauthenticated(f"ALB key {kid}: cannot fetch ({type(exc).__name__})") from None
        try:
            key = load_pem_public_key(pem)
        except ValueError:
            raise UnknownKid(f"ALB key {kid}: not a PEM public key") from None
        if not isinstance(key, EllipticCurvePublicKey) or not isinstance(key.curve, SECP256R1):
            raise UnknownKid(f"ALB key {kid}: not a P-256 key")
        return key


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return dict(jwt.get_unverified_header(token))
    except jwt.InvalidTokenError:
        raise Unauthenticated("ALB header: not a JWT") from None


def _name(claims: dict[str, Any]) -> str:
    for key in ("email", "preferred_username", "username", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and 0 < len(value.strip()) <= 200:
            return value.strip()
    raise Unauthenticated("ALB header: no user name claim")


def _has_control(value: object) -> bool:
    """True if any string in ``value`` (keys and items of nested claims too) holds a control,
    format or line/paragraph-separator character."""
    if isinstance(value, str):
        return any(unicodedata.category(c) in _CONTROL for c in value)
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control(v) for v in value)
    return False


def _groups(value: object) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    if isinstance(value, str):
        return {part for part in _SPLIT.split(value) if part}
    return set()
