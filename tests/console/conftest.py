"""A running console on a free port over a seeded warehouse (PostgreSQL, or Redshift mode), for
HTTP and browser tests; ``client`` is a browser-like HTTP client (it keeps cookies) and
:func:`log_in` logs it in; ``ana``, ``ben`` (analysts), ``ines`` (an investigator) and ``vera``
(a viewer) are people logged in on clients of their own (:class:`User`); ``alb_keys`` is a local
stand-in for the ALB public-key endpoint."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from fraudd.console import auth
from fraudd.console.alb import AlbVerifier
from fraudd.console.auth import console_secret
from fraudd.console.web import Console, make_app
from fraudd.deps import Deps
from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.settings import Settings
from tests.cases.conftest import CasesEnv, cases_env, seeded  # noqa: F401  (fixtures)
from tests.cases.seed import block_card
from tests.conftest import free_ports
from tests.warehouse.conftest import pg_cluster, settings_for, shim  # noqa: F401  (fixtures)

SECRET = "test-console-secret-0123456789abcdef-xyz"
SIGNER = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/fraudd/50dc6c495c0c9188"
)

BOTH_DIALECTS = pytest.mark.parametrize("cases_env", ["postgres", "redshift"], indirect=True)
POSTGRES = pytest.mark.parametrize("cases_env", ["postgres"], indirect=True)


@dataclass
class AlbKeys:
    """An EC P-256 key pair whose public half is served at ``url/<kid>``."""

    url: str
    kid: str
    private: ec.EllipticCurvePrivateKey
    hits: list[str]


@dataclass
class Running:
    url: str
    settings: Settings
    deps: Deps
    env: CasesEnv

    def secret(self) -> bytes:
        return console_secret(self.settings)

    def login_url(self, name: str, role: str, seconds: int = 60) -> str:
        """The link that logs ``name`` in as ``role`` (its login token valid ``seconds``)."""
        token = auth.mint(self.secret(), auth.LOGIN_AUDIENCE, name, role, seconds)
        return f"{self.url}/login?token={token}"


@dataclass
class User:
    """A browser-like client logged in to a console, with the CSRF token its pages carry."""

    client: aiohttp.ClientSession
    csrf: str
    url: str

    async def post(self, path: str, **data: str) -> tuple[int, str]:
        """POST ``data`` (and the CSRF token) to ``path``, redirects not followed: the status and
        the page."""
        form = {"csrf": self.csrf, **data}
        async with self.client.post(self.url + path, data=form, allow_redirects=False) as resp:
            return resp.status, await resp.text()


async def serve(app: web.Application, stack: AsyncExitStack) -> str:
    port = free_ports(1)[0]
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def alb_keys() -> AsyncIterator[AlbKeys]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hits: list[str] = []

    async def key(request: web.Request) -> web.Response:
        hits.append(request.match_info["kid"])
        if request.match_info["kid"] != "kid-1":
            raise web.HTTPNotFound()
        return web.Response(body=pem, content_type="application/x-pem-file")

    app = web.Application()
    app.router.add_get("/{kid}", key)
    async with AsyncExitStack() as stack:
        yield AlbKeys(await serve(app, stack), "kid-1", private, hits)


async def start_console(env: CasesEnv, stack: AsyncExitStack, **console: Any) -> Running:
    options = {"token_secret": SecretStr(SECRET), **console}
    settings = env.settings.derive(**{"console": env.settings.console.derive(**options)})
    metrics = create_metrics()
    deps = Deps(settings, metrics, Health(metrics=metrics, timeout_s=30), env.warehouse)
    alb = None
    if settings.console.auth == "alb":
        http = await stack.enter_async_context(aiohttp.ClientSession())
        alb = AlbVerifier(settings, http)
    app = make_app(Console(deps, console_secret(settings), alb))
    return Running(await serve(app, stack), settings, deps, env)


async def open_cases(env: CasesEnv) -> None:
    from datetime import UTC, datetime

    async with env.session() as s, s.transaction():
        await s.intake_alerts(datetime(2000, 1, 1, tzinfo=UTC))


@pytest.fixture
async def console(seeded: CasesEnv) -> AsyncIterator[Running]:  # noqa: F811
    await open_cases(seeded)
    await block_card(seeded, "card-tok-a", "tx-a2")
    async with AsyncExitStack() as stack:
        yield await start_console(seeded, stack)


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        yield session


async def log_in(client: aiohttp.ClientSession, console: Running, role: str) -> str:
    """Log in as ``role``; return the page's CSRF token."""
    async with client.get(console.login_url(f"{role}@bank.example", role)) as resp:
        assert resp.status == 200 and resp.url.path == "/queue"
    async with client.get(f"{console.url}/cases/case-tx-a1") as resp:
        page = await resp.text()
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found, "the case page carries a CSRF token"
    return found.group(1)


async def log_in_as(console: Running, name: str, role: str, stack: AsyncExitStack) -> User:
    """A new client logged in to ``console`` as ``name`` in ``role`` (closed with ``stack``), with
    the rules page's CSRF token."""
    client = await stack.enter_async_context(
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    )
    async with client.get(console.login_url(name, role)) as resp:
        assert resp.status == 200
    async with client.get(f"{console.url}/rules") as resp:
        page = await resp.text()
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found, "the rules page carries a CSRF token"
    return User(client, found.group(1), console.url)


@pytest.fixture
async def clients() -> AsyncIterator[AsyncExitStack]:
    """Closes the clients the people's fixtures log in."""
    async with AsyncExitStack() as stack:
        yield stack


def _person(name: str, role: str) -> Any:
    """The fixture ``name``: ``name@bank.example`` logged in to ``console`` as ``role``."""

    async def logged_in(console: Running, clients: AsyncExitStack) -> User:
        return await log_in_as(console, f"{name}@bank.example", role, clients)

    return pytest.fixture(name=name)(logged_in)


ana = _person("ana", "analyst")
ben = _person("ben", "analyst")
ines = _person("ines", "investigator")
vera = _person("vera", "viewer")


async def rules_audited(console: Running) -> list[tuple[str, str, str]]:
    """The audit log's rules entries (action, actor, subject), in the order they were written."""
    rows = await console.env.rows(
        "SELECT action, actor, subject FROM {schema}.audit_log "
        "WHERE action LIKE 'rules.%%' ORDER BY acted_at, action"
    )
    return [(r[0], r[1], r[2]) for r in rows]
