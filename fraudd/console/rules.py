"""The rules page: the published versions (live, shadow), the draft's editor (checked on the
server as it is typed, by ``static/rules.js``: the CSP forbids inline script), a backtest of the
draft against the live version over days the user picks, and the shadow run's comparison.

Changes go through :mod:`fraudd.cases.rulesets` (role, maker-checker, audit) in one transaction,
then a redirect back (POST-redirect-GET). A backtest reads weeks of history and replays them:
it runs in a worker thread on a warehouse of its own (never on the console's event loop), one at
a time per console process, over at most ``console.backtest_max_days`` days.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from fraudd.backtest import judge
from fraudd.backtest.replay import compile_rules
from fraudd.cases import rulelists, rulesets
from fraudd.cases.service import ActionRefused, Actor
from fraudd.console import auth
from fraudd.console.web import USER, current, render
from fraudd.features import CatalogMismatch
from fraudd.rules import RuleSetError, load_rule_set
from fraudd.rules.inputs import rule_schema
from fraudd.rules.legacy import rule_set_toml
from fraudd.rules.lists import kept_lists
from fraudd.scoring.policy import live_or_first
from fraudd.settings import Settings
from fraudd.warehouse import RuleSetVersion, Session, WarehouseError

log = structlog.get_logger(__name__)
SHADOW_DAYS = 7
"""How far back the shadow comparison reads."""
SETTINGS_SOURCE = "today's [rules] settings"
NOTICES = {
    "saved": "Draft saved.",
    "published": "Draft published.",
    "activated": "Version made live: consumers pick it up within scoring.model_poll_s.",
    "shadowed": "Shadow run changed.",
    "list_changed": "List changed: consumers read it within scoring.model_poll_s.",
}
BACKTESTS = web.AppKey("backtests", asyncio.Lock)
routes = web.RouteTableDef()
Work = Callable[[Session, Actor, dt.datetime], Awaitable[str]]


def add_routes(app: web.Application) -> None:
    app[BACKTESTS] = asyncio.Lock()
    app.router.add_routes(routes)


def _now(request: web.Request) -> dt.datetime:
    return current(request).deps.clock()


def _maker_checker(request: web.Request) -> bool:
    return current(request).deps.settings.console.rules_maker_checker


def _refused(request: web.Request, exc: ActionRefused) -> web.Response:
    return render("error.html", request, {"message": str(exc), "alb": None}, exc.status)


async def _form(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


async def _text(request: web.Request) -> str:
    """The editor's text with the line ends a file has: a browser sends a textarea's with CRLF
    (HTML's form encoding), which would make every saved version differ from its file."""
    return (await _form(request)).get("text", "").replace("\r\n", "\n")


async def _act(request: web.Request, work: Work) -> web.StreamResponse:
    """Run ``work(session, actor, at)`` in one transaction; back to the page, or say why not."""
    user: auth.User = request[USER]
    try:
        async with current(request).deps.warehouse.session() as s, s.transaction():
            notice = await work(s, user.actor(), _now(request))
    except ActionRefused as exc:
        return _refused(request, exc)
    raise web.HTTPSeeOther(f"/rules?done={notice}")


def _version(request: web.Request) -> int:
    text = request.match_info["version"]
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise web.HTTPNotFound(text="no such version")
    return int(text)


# --- reading ------------------------------------------------------------------------------------
async def _page(
    request: web.Request,
    backtest: dict[str, Any] | None = None,
    days: tuple[dt.date, dt.date] | None = None,
) -> web.Response:
    settings = current(request).deps.settings
    async with current(request).deps.warehouse.session() as s:
        versions = list(reversed(await s.list_rule_sets()))
        draft = await s.rule_draft()
        shadow = next((v for v in versions if v.shadow), None)
        since = _now(request) - dt.timedelta(days=SHADOW_DAYS)
        cells = [] if shadow is None else await s.shadow_comparison(shadow.version, since)
        subjects = [rulesets.SUBJECT] + [f"{rulesets.SUBJECT}:v{v.version}" for v in versions]
        lists_revision, lists = await rulelists.shown_lists(s)
        subjects += [f"{rulelists.SUBJECT}:{shown.name}" for shown in lists]
        audit = await s.audit_entries(subjects, 50)
        kept = kept_lists(await s.rule_lists())
    live = next((v for v in versions if v.live), None)
    text = draft.body if draft else (live.body if live else rule_set_toml(settings.rules))
    today = _now(request).date()
    context = {
        "versions": versions, "draft": draft, "live": live, "shadow": shadow, "text": text,
        "cells": cells, "shadow_days": SHADOW_DAYS, "audit": audit, "backtest": backtest,
        "check": rulesets.check_text(text, rule_schema(settings), kept),
        "editor": request[USER].role in rulesets.EDITORS,
        "maker_checker": settings.console.rules_maker_checker,
        "notice": NOTICES.get(request.query.get("done", ""), ""),
        "first_day": str(days[0] if days else today - dt.timedelta(days=6)),
        "last_day": str(days[1] if days else today),
        "max_days": settings.console.backtest_max_days,
        "lists": lists, "lists_revision": lists_revision,
    }  # fmt: skip
    return render("rules.html", request, context)


@routes.get("/rules")
async def rules_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/rules/check")
async def check(request: web.Request) -> web.StreamResponse:
    """The editor's text as the consumer would take it: ``{"ok": bool, "message": one line}``."""
    text, schema = await _text(request), rule_schema(current(request).deps.settings)
    async with current(request).deps.warehouse.session() as s:
        kept = kept_lists(await s.rule_lists())
    try:
        rulesets.checked_text(text, schema, kept)
    except ActionRefused as exc:
        return web.json_response({"ok": False, "message": str(exc)})
    return web.json_response({"ok": True, "message": rulesets.check_text(text, schema, kept)})


# --- changing -----------------------------------------------------------------------------------
@routes.post("/rules/draft")
async def save(request: web.Request) -> web.StreamResponse:
    text = await _text(request)

    async def work(s: Session, actor: Actor, at: dt.datetime) -> str:
        await rulesets.save_draft(s, actor, text, at)
        return "saved"

    return await _act(request, work)


@routes.post("/rules/publish")
async def publish(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    note, live = form.get("note", "")[:500], form.get("activate") == "1"

    async def work(s: Session, actor: Actor, at: dt.datetime) -> str:
        # version 1 stays today's [rules] settings, as on the command line
        await live_or_first(s, current(request).deps.settings)
        await rulesets.publish_draft(s, actor, note, live, _maker_checker(request), at)
        return "published"

    return await _act(request, work)


@routes.post("/rules/versions/{version}/activate")
async def activate(request: web.Request) -> web.StreamResponse:
    version = _version(request)

    async def work(s: Session, actor: Actor, at: dt.datetime) -> str:
        await rulesets.activate(s, actor, version, _maker_checker(request), at)
        return "activated"

    return await _act(request, work)


@routes.post("/rules/versions/{version}/shadow")
async def shadow(request: web.Request) -> web.StreamResponse:
    version = _version(request)
    return await _act(request, lambda s, actor, at: _shadow(s, actor, version, at))


@routes.post("/rules/shadow/stop")
async def shadow_stop(request: web.Request) -> web.StreamResponse:
    return await _act(request, lambda s, actor, at: _shadow(s, actor, None, at))


async def _shadow(s: Session, actor: Actor, version: int | None, at: dt.datetime) -> str:
    await rulesets.shadow(s, actor, version, at)
    return "shadowed"


# --- backtest -----------------------------------------------------------------------------------
def _days(form: dict[str, str], max_days: int) -> tuple[dt.date, dt.date]:
    """The form's first and last day, both included; ActionRefused in one line otherwise."""
    try:
        first = dt.date.fromisoformat(form.get("from", ""))
        last = dt.date.fromisoformat(form.get("to", ""))
    except ValueError:
        raise ActionRefused("give the first and the last day as YYYY-MM-DD") from None
    if first > last:
        raise ActionRefused(f"the first day {first} is after the last day {last}")
    if (last - first).days + 1 > max_days:
        raise ActionRefused(
            f"a backtest reads at most {max_days} days (console.backtest_max_days): "
            "choose a shorter range"
        )
    return first, last


async def _sets(request: web.Request) -> tuple[dict[str, Any], dict[str, str]]:
    """The live version and the saved draft, compiled for a backtest with the lists as they
    are now."""
    async with current(request).deps.warehouse.session() as s:
        live: RuleSetVersion | None = await s.live_rule_set()
        draft = await s.rule_draft()
        kept = kept_lists(await s.rule_lists())
    if draft is None:
        raise ActionRefused("there is no saved draft to backtest: save the draft first")
    settings = current(request).deps.settings
    live_text = live.body if live else rule_set_toml(settings.rules)
    sources = {
        "live": f"published version {live.version}" if live else SETTINGS_SOURCE,
        "draft": f"the draft saved by {draft.saved_by}",
    }
    try:
        sets = {
            name: compile_rules(load_rule_set(text).with_lists(kept), settings)
            for name, text in (("live", live_text), ("draft", draft.body))
        }
    except RuleSetError as exc:
        raise ActionRefused(f"the rule set cannot be backtested: {exc}") from None
    return sets, sources


def _run(settings: Settings, first: dt.date, last: dt.date, *sets: Any) -> dict[str, Any] | None:
    """The backtest on this worker thread's own event loop; a warehouse failure (a statement
    timeout over too many days, say) is one line for the page."""
    try:
        return asyncio.run(judge.backtest(settings, first, last, *sets))
    except WarehouseError as exc:
        log.warning("console.backtest_failed", error=str(exc))
        raise ActionRefused(f"the backtest failed: {exc}: try fewer days") from None
    except CatalogMismatch as exc:  # the active model cannot be replayed under this catalog
        raise ActionRefused(f"the backtest cannot replay the model: {exc}") from None


@routes.post("/rules/backtest")
async def backtest(request: web.Request) -> web.StreamResponse:
    """The saved draft against the live version over the chosen days, with the active model."""
    settings = current(request).deps.settings
    lock = request.app[BACKTESTS]
    try:
        first, last = _days(await _form(request), settings.console.backtest_max_days)
        sets, sources = await _sets(request)
        if lock.locked():
            raise ActionRefused("a backtest is running already: try again when it finishes")
        async with lock:
            figures = await asyncio.to_thread(_run, settings, first, last, sets, sources)
    except ActionRefused as exc:
        return _refused(request, exc)
    if figures is None:
        figures = {"empty": True, "from": str(first), "to": str(last)}
    return await _page(request, figures, (first, last))
