"""The console's aiohttp application: security headers, authentication, CSRF, templates.

Order of the middlewares (outermost first): security headers on every response; then who the
user is (or 401 with the login page and no data); then, on every state-changing method, the
CSRF token and the role (investigators act anywhere, analysts on the rules page only, viewers
nowhere). Handlers are in :mod:`fraudd.console.pages`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from fraudd.console import auth, sessions
from fraudd.console.alb import HEADER, AlbVerifier, NoRole
from fraudd.deps import Deps
from fraudd.pan import redact_pans

log = structlog.get_logger(__name__)
HERE = Path(__file__).resolve().parent
HTMX = "htmx-2.0.11.min.js"
PUBLIC = ("/login", "/static/", "/favicon.ico")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Console:
    """What every handler needs."""

    deps: Deps
    secret: bytes
    alb: AlbVerifier | None
    logins: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def secure_cookies(self) -> bool:
        """Cookies travel over HTTPS only, unless the console listens on loopback (a browser
        on the same host, plain HTTP to 127.0.0.1): behind the ALB, on a network address, or
        with TLS of its own."""
        c = self.deps.settings.console
        return self.alb is not None or not c.on_loopback or c.tls_cert_file is not None


CONSOLE = web.AppKey("console", Console)
USER = web.RequestKey("user", auth.User)
NONCE = web.RequestKey("nonce", str)


def current(request: web.Request) -> Console:
    return request.app[CONSOLE]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if isinstance(response, web.HTTPException):
        raise response
    return response


async def identify(request: web.Request) -> auth.User:
    """The user behind a request, by the one mechanism configured."""
    console = current(request)
    if console.alb is not None:
        header = request.headers.get(HEADER)
        if not header:
            raise auth.Unauthenticated(f"no {HEADER} header")
        return await console.alb.user(header)
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if not cookie:
        raise auth.Unauthenticated("no session cookie")
    user = auth.verify(console.secret, auth.SESSION_AUDIENCE, cookie, "console")
    await sessions.check_open(console.deps.warehouse, user)
    return user


def refuse(request: web.Request, status: int, reason: str, detail: str) -> web.Response:
    """A refusal that carries no data: the login page (401) or a short error page."""
    current(request).deps.metrics.console_refusals.labels(reason=reason).inc()
    path = redact_pans(request.path.encode()).decode()  # a URL may carry what was refused
    log.info("console.refused", path=path, status=status, reason=reason, detail=detail)
    template = "login.html" if status == 401 else "error.html"
    context = {"message": MESSAGES.get(reason, "refused"), "alb": current(request).alb}
    return render(template, request, context, status)


MESSAGES = {
    "unauthenticated": "Please log in.",
    "no_role": "Your account is in none of the console's groups.",
    "csrf": "This form has expired or did not come from the console. Reload the page.",
    "viewer": "Viewers may look but not act: ask for the investigator role.",
    "analyst": "Analysts edit rules and run backtests; cases and cards need the investigator role.",
}
RULES_PATHS = "/rules/"
"""Where an analyst may change something (the rules page's actions, fraudd.console.rules)."""


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(PUBLIC):
        return await handler(request)
    try:
        user = await identify(request)
    except NoRole as exc:
        return refuse(request, 403, "no_role", str(exc))
    except auth.Unauthenticated as exc:
        return refuse(request, 401, "unauthenticated", str(exc))
    request[USER] = user
    nonce = request.cookies.get(auth.NONCE_COOKIE)
    fresh = nonce is None
    request[NONCE] = nonce or auth.new_nonce()
    if request.method not in SAFE_METHODS:
        refused = await _check_change(request, user)
        if refused is not None:
            return refused
    response = await handler(request)
    if fresh:
        set_cookie(request, response, auth.NONCE_COOKIE, request[NONCE], None)
    return response


async def _check_change(request: web.Request, user: auth.User) -> web.Response | None:
    console = current(request)
    form = await request.post()
    sent = request.headers.get("X-CSRF-Token") or form.get("csrf")
    sent_text = sent if isinstance(sent, str) else None
    nonce = request.cookies.get(auth.NONCE_COOKIE)
    if not auth.csrf_ok(console.secret, user, nonce, sent_text):
        return refuse(request, 403, "csrf", "CSRF token missing or wrong")
    if request.path == "/logout" or user.role == "investigator":
        return None
    if user.role == "analyst" and request.path.startswith(RULES_PATHS):
        return None
    return refuse(request, 403, user.role, f"{user.name} is a {user.role}")


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="Strict",
        secure=current(request).secure_cookies,
    )  # fmt: skip


def template_globals(request: web.Request) -> dict[str, Any]:
    """What every page may use: the user, their CSRF token, the htmx file's name."""
    user = request.get(USER)
    token = ""
    if user is not None:
        token = auth.csrf_token(current(request).secret, user, request[NONCE])
    return {"user": user, "csrf": token, "htmx": HTMX}


def make_app(console: Console) -> web.Application:
    """The console application (routes from :mod:`fraudd.console.pages`)."""
    from fraudd.console import pages, rule_lists, rules

    app = web.Application(middlewares=[security_headers, authenticate], client_max_size=1 << 20)
    app[CONSOLE] = console
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    pages.register_filters(env)
    app.router.add_static("/static/", HERE / "static", append_version=False)
    pages.add_routes(app)
    rules.add_routes(app)
    rule_lists.add_routes(app)
    return app


def render(
    template: str, request: web.Request, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page with :func:`template_globals` (user, CSRF token) in its context."""
    full = {**template_globals(request), **context}
    return aiohttp_jinja2.render_template(template, request, full, status=status)
