"""The rules page's named lists (cards, terminals, merchant categories, countries …): shown to
everyone, edited by analysts and investigators (one value per line replaces a list's values; a
new list gives its name and type). Each change goes through :mod:`fraudd.cases.rulelists` (role,
checks, audit) in one transaction, then back to the page; consumers read it at their next
refresh, without a new rule-set version.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from fraudd.cases import rulelists
from fraudd.cases.service import Actor
from fraudd.console.rules import _act, _form
from fraudd.rules.lists import ListEdit
from fraudd.warehouse import Session

routes = web.RouteTableDef()


def add_routes(app: web.Application) -> None:
    app.router.add_routes(routes)


def _edit(form: dict[str, str]) -> tuple[str, str | None, ListEdit]:
    """The form's list name, type (a new list's) and values, one per line (a browser sends a
    textarea's lines with CRLF; blank lines are skipped)."""
    lines = form.get("values", "").replace("\r\n", "\n").split("\n")
    values = [v.strip() for v in lines if v.strip()]
    kind = form.get("type") or None
    seen = form.get("revision", "")
    edit = ListEdit(
        values, description=form.get("description"), seen=int(seen) if seen.isdigit() else None
    )
    return form.get("name", "").strip(), kind, edit


@routes.post("/rules/lists")
async def change(request: web.Request) -> web.StreamResponse:
    """Replace a list's values with the form's, or create a new list; back to the page."""
    name, kind, edit = _edit(await _form(request))

    async def work(s: Session, actor: Actor, at: dt.datetime) -> str:
        await rulelists.change_list(s, actor, name, kind, edit, at)
        return "list_changed"

    return await _act(request, work)
