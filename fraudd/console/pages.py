"""The console's pages and actions. Reads are one session each; every action is one transaction
through :mod:`fraudd.cases.service` (which audits it), then a redirect back (POST-redirect-GET).
"""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import jinja2
from aiohttp import web

from fraudd.cases import service
from fraudd.cases.service import ActionRefused
from fraudd.console import auth, charts, sessions
from fraudd.console.web import USER, current, refuse, render, set_cookie
from fraudd.features import REASONS
from fraudd.pan import holds_pan
from fraudd.records import IDENT_PATTERN
from fraudd.rules.model import IDENTIFIER as RULE_NAME
from fraudd.warehouse import CaseFilter, Session

DECISIONS = ("review", "block")
MAX_PAGE = 10_000
_INTEGER = re.compile(r"[0-9]{1,9}")
_MCC = re.compile(r"[0-9]{4}")
_CASE_ID = re.compile(r"case-" + IDENT_PATTERN.strip("^$"))
AGES_H = {"1h": 1, "24h": 24, "7d": 24 * 7, "30d": 24 * 30}
NOTICES = {
    "verdict": "Verdict recorded.",
    "closed": "Verdict recorded and case closed.",
    "released": "Block released: the card application honours it within its cache TTL.",
    "not_blocked": "The card was not blocked.",
    "extended": "Block extended.",
    "assigned": "Case assigned.",
}


def session(request: web.Request) -> AbstractAsyncContextManager[Session]:
    return current(request).deps.warehouse.session()


def now(request: web.Request) -> datetime:
    return current(request).deps.clock()


routes = web.RouteTableDef()
"""Every page and action: each handler below declares its own method and path."""


def add_routes(app: web.Application) -> None:
    app.router.add_routes(routes)


def register_filters(env: jinja2.Environment) -> None:
    env.filters["when"] = lambda t: "" if t is None else t.strftime("%Y-%m-%d %H:%M:%S UTC")
    env.filters["money"] = lambda a: "" if a is None else f"{Decimal(a):,.2f}"
    env.filters["reason_kind"] = lambda code: "model" if code in REASONS else "rule"


@routes.get("/favicon.ico")
async def favicon(_: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


@routes.get("/")
async def root(_: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/queue")


# --- login ------------------------------------------------------------------------------------
@routes.get("/login")
async def login(request: web.Request) -> web.StreamResponse:
    """``/login?token=...``: a login token becomes a session cookie (local auth only)."""
    console = current(request)
    token = request.query.get("token")
    if console.alb is not None or not token:
        return render("login.html", request, {"message": "", "alb": console.alb})
    try:
        user = auth.verify(console.secret, auth.LOGIN_AUDIENCE, token, "console")
        await sessions.open_session(console.deps.warehouse, console.logins, user, now(request))
    except auth.Unauthenticated as exc:
        return refuse(request, 401, "unauthenticated", str(exc))
    ttl = console.deps.settings.console.session_ttl_s
    cookie = auth.mint(
        console.secret, auth.SESSION_AUDIENCE, user.name, user.role, ttl, jti=user.session
    )
    response = web.HTTPSeeOther("/queue")
    set_cookie(request, response, auth.SESSION_COOKIE, cookie, int(ttl))
    set_cookie(request, response, auth.NONCE_COOKIE, auth.new_nonce(), None)
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session here and in every console process (a copied cookie stops working)."""
    user = request[USER]
    if user.session:
        await sessions.close_session(current(request).deps.warehouse, user, now(request))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    response.del_cookie(auth.NONCE_COOKIE, path="/")
    return response


# --- reading ----------------------------------------------------------------------------------
def queue_filter(request: web.Request) -> tuple[CaseFilter, dict[str, str], int]:
    """The queue's filters from the query string; unknown values are ignored, not echoed."""
    q, size = request.query, current(request).deps.settings.console.page_size
    shown: dict[str, str] = {}
    decision = q.get("decision") if q.get("decision") in DECISIONS else None
    age = q.get("age") if q.get("age") in AGES_H else None
    since = now(request) - timedelta(hours=AGES_H[age]) if age else None
    min_amount = _decimal(q.get("min_amount", ""))
    mcc = q.get("mcc", "")
    mcc_value = mcc if _MCC.fullmatch(mcc) else None
    rule = q.get("rule", "")
    rule_value = rule if RULE_NAME.fullmatch(rule) else None
    page = max(1, min(_integer(q.get("page", "")) or 1, MAX_PAGE))
    for key, value in (("decision", decision), ("age", age), ("mcc", mcc_value),
                       ("rule", rule_value)):  # fmt: skip
        if value:
            shown[key] = value
    if min_amount is not None:
        shown["min_amount"] = str(min_amount)
    query = CaseFilter(
        decision=decision, opened_since=since, min_amount=min_amount,
        merchant_category=mcc_value, rule=rule_value, limit=size + 1, offset=(page - 1) * size,
    )  # fmt: skip
    return query, shown, page


def _integer(text: str) -> int | None:
    """A query parameter as an integer: ASCII digits only (``str.isdigit`` accepts ``²``,
    which ``int`` refuses), at most 9 of them; anything else is None."""
    return int(text) if _INTEGER.fullmatch(text) else None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and 0 <= value < 10**12 else None


@routes.get("/queue")
async def queue(request: web.Request) -> web.StreamResponse:
    query, shown, page = queue_filter(request)
    async with session(request) as s:
        cases = await s.list_cases(query)
        open_count = await s.open_case_count()
    size = query.limit - 1
    context = {
        "cases": cases[:size], "filters": shown, "page": page, "more": len(cases) > size,
        "open_count": open_count, "decisions": DECISIONS, "ages": list(AGES_H),
    }  # fmt: skip
    partial = request.headers.get("HX-Request") == "true"
    template = "_queue_rows.html" if partial else "queue.html"
    return render(template, request, context)


def case_segment(request: web.Request) -> str:
    """The URL's case id: ``case-`` and a wire-shaped transaction id holding no card number,
    else 404 before anything is read or stored."""
    case_id = request.match_info["case_id"]
    if not _CASE_ID.fullmatch(case_id) or holds_pan(case_id):
        raise web.HTTPNotFound(text="no such case")
    return case_id


def card_segment(request: web.Request) -> str:
    """The URL's card token, held to the wire record's token checks, else 404."""
    try:
        return service.checked_card(request.match_info["card_token"])
    except ActionRefused:
        raise web.HTTPNotFound(text="no such card") from None


@routes.get("/cases/{case_id}")
async def case_page(request: web.Request) -> web.StreamResponse:
    case_id = case_segment(request)
    rows = current(request).deps.settings.console.history_rows
    async with session(request) as s:
        case = await s.get_case(case_id)
        if case is None:
            raise web.HTTPNotFound(text="no such case")
        alerts = await s.case_alerts(case_id)
        top = alerts[0].alert_id if alerts else ""
        context = {
            "case": case, "alerts": alerts,
            "history": await s.card_history(case.card_token, top, rows) if top else [],
            "verdicts": await s.card_verdicts(case.card_token),
            "block": await s.get_block(case.card_token),
            "audit": await s.audit_entries([case_id, case.card_token], 50),
            "notice": NOTICES.get(request.query.get("done", ""), ""),
            "extend_hours": current(request).deps.settings.console.extend_hours,
        }  # fmt: skip
    return render("case.html", request, context)


@routes.get("/blocks")
async def blocks(request: web.Request) -> web.StreamResponse:
    async with session(request) as s:
        found = await s.list_blocks(500)
    return render("blocks.html", request, {"blocks": found})


@routes.get("/audit")
async def audit(request: web.Request) -> web.StreamResponse:
    async with session(request) as s:
        entries = await s.audit_entries([], 200)
    return render("audit.html", request, {"entries": entries})


@routes.get("/overview")
async def overview(request: web.Request) -> web.StreamResponse:
    at = now(request)
    async with session(request) as s:
        data = await s.overview(at - timedelta(hours=1), at - timedelta(hours=24))
        open_count = await s.open_case_count()
    context = {"plots": charts.overview_plots(data, at), "open_count": open_count}
    return render("overview.html", request, context)


# --- acting -----------------------------------------------------------------------------------
async def _form(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


async def _act(request: web.Request, back: str, work: Any) -> web.StreamResponse:
    """Run ``work(ops, actor, at)`` in one transaction; redirect to ``back`` or show why not."""
    user: auth.User = request[USER]
    at = now(request)
    try:
        async with session(request) as s, s.transaction():
            notice, done = await work(s, user.actor(), at)
    except ActionRefused as exc:
        context = {"message": str(exc), "alb": None}
        return render("error.html", request, context, status=exc.status)
    if done is not None:
        service.count(current(request).deps.metrics, done, at)
    raise web.HTTPSeeOther(f"{back}?done={notice}")


@routes.post("/cases/{case_id}/verdict")
async def verdict(request: web.Request) -> web.StreamResponse:
    case_id = case_segment(request)
    form = await _form(request)

    async def work(s: Any, actor: service.Actor, at: datetime) -> tuple[str, Any]:
        done = await service.record_verdict(
            s, actor, case_id, form.get("outcome", ""), form.get("note", ""), at,
            block_hours=current(request).deps.settings.actions.block_hours,
        )  # fmt: skip
        return ("closed" if done.closed else "verdict"), done

    return await _act(request, f"/cases/{case_id}", work)


@routes.post("/cases/{case_id}/assign")
async def assign(request: web.Request) -> web.StreamResponse:
    case_id = case_segment(request)
    form = await _form(request)
    user: auth.User = request[USER]
    assignee = user.name if form.get("take", "1") == "1" else None

    async def work(s: Any, actor: service.Actor, at: datetime) -> tuple[str, Any]:
        await service.assign(s, actor, case_id, assignee, at)
        return "assigned", None

    return await _act(request, f"/cases/{case_id}", work)


def _back(form: dict[str, str]) -> str:
    case_id = form.get("case_id", "")
    wellformed = _CASE_ID.fullmatch(case_id) and not holds_pan(case_id)
    return f"/cases/{case_id}" if wellformed else "/blocks"


@routes.post("/cards/{card_token}/release")
async def release(request: web.Request) -> web.StreamResponse:
    card = card_segment(request)
    form = await _form(request)

    async def work(s: Any, actor: service.Actor, at: datetime) -> tuple[str, Any]:
        ok = await service.release_block(s, actor, card, form.get("reason", ""), at)
        return ("released" if ok else "not_blocked"), None

    return await _act(request, _back(form), work)


@routes.post("/cards/{card_token}/extend")
async def extend(request: web.Request) -> web.StreamResponse:
    card = card_segment(request)
    form = await _form(request)
    hours = _decimal(form.get("hours", ""))

    async def work(s: Any, actor: service.Actor, at: datetime) -> tuple[str, Any]:
        await service.extend_block(
            s, actor, card, form.get("tx_id", ""), float(hours or 0), form.get("reason", ""), at
        )
        return "extended", None

    return await _act(request, _back(form), work)
