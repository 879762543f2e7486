"""What people do to the named lists rules read (cards, terminals, merchant categories,
countries …): look at them, and change one — checked against the actor's role, done and
audited in ONE transaction (the caller's: DESIGN.md invariant 10), the audit entry holding the
list before and after.

Lists are kept apart from the rule sets (:mod:`fraudd.warehouse.rule_lists`) so that the fraud
team reacts the same day without publishing a version: consumers pick a change up at their next
refresh (``scoring.model_poll_s``). Analysts and investigators edit lists; viewers only look.
Maker-checker does not apply: a list change widens or narrows what the *published* rules already
say (and is audited with both states), whereas a new version changes what the rules say; fraud
teams add a stolen card within minutes, not after a second person's review. A change that would
make the live or the shadow version refused (a list whose type a rule cannot read) is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fraudd.cases.rulesets import AUDIT_TEXT_BYTES, require_editor
from fraudd.cases.service import ActionRefused, Actor, audit_entry
from fraudd.rules import RuleSetError, load_rule_set
from fraudd.rules.check import Schema
from fraudd.rules.inputs import rule_schema
from fraudd.rules.lists import ListEdit, edited, kept_lists
from fraudd.rules.model import NamedList
from fraudd.scoring.policy import compile_version
from fraudd.warehouse import RuleList, RuleSetVersion
from fraudd.warehouse import Session as ListOps

SUBJECT = "rule-list"
"""The audit subject of a list's changes: ``rule-list:<name>``."""


@dataclass(frozen=True)
class ShownList:
    """A list as people see it: kept in the warehouse (``revision``), or still declared inline
    by the live version (``revision`` None: the first edit keeps it apart)."""

    name: str
    list: NamedList
    revision: int | None
    changed_by: str
    source: str


async def shown_lists(ops: ListOps) -> tuple[int, list[ShownList]]:
    """The lists revision now, and every list rules read now: the kept ones, then those the
    live version still declares inline."""
    state = await ops.rule_lists()
    shown = [
        ShownList(name, lst, state.lists[name].revision, state.lists[name].changed_by, "kept")
        for name, lst in kept_lists(state).items()
    ]
    live = await ops.live_rule_set()
    source = "" if live is None else f"declared in version {live.version}"
    try:
        inline = {} if live is None else load_rule_set(live.body).lists
    except RuleSetError:  # a version this fraudd refuses never runs (policy): none to show
        inline = {}
    shown += [
        ShownList(n, lst, None, "", source) for n, lst in inline.items() if n not in state.lists
    ]
    return state.revision, sorted(shown, key=lambda s: s.name)


def _state(lst: NamedList, revision: int | None) -> dict[str, Any]:
    return {"revision": revision, "type": lst.type, "values": list(lst.values)}


async def change_list(
    ops: ListOps, actor: Actor, name: str, list_type: str | None, edit: ListEdit, at: datetime
) -> RuleList:
    """Store list ``name`` changed by ``edit`` as the next revision, audited
    ``rules.list_changed`` with its values before and after; :class:`ActionRefused` in one line
    for a bad value, a type change, or a change the live or shadow version cannot read."""
    require_editor(actor)
    current = await _current(ops, name, edit)
    try:
        after = edited(name, current.list if current else None, list_type, edit)
    except RuleSetError as e:
        raise ActionRefused(f"the list is refused: {e}") from None
    await _still_readable(ops, name, after)
    based_on = None if current is None else current.revision
    before = None if current is None else _state(current.list, based_on)
    _fits(before, _state(after, None))
    try:
        stored = await ops.set_rule_list(
            name, after.type, after.description, after.values, actor.name, based_on
        )
    except ValueError as e:  # changed meanwhile (RuleListChanged), or too long to store
        raise ActionRefused(str(e)) from None
    await ops.append_audit(audit_entry(
        actor, at, "rules.list_changed", f"{SUBJECT}:{name}", detail=_detail(name, before, after),
        before=before, after=_state(after, stored.revision),
    ))  # fmt: skip
    return stored


async def _current(ops: ListOps, name: str, edit: ListEdit) -> ShownList | None:
    """The list as rules read it now (None: a new one); refused if it changed since the
    editor saw it (``edit.seen``)."""
    _revision, shown = await shown_lists(ops)
    current = next((s for s in shown if s.name == name), None)
    revision = None if current is None else current.revision
    if edit.seen is not None and edit.seen != (revision or 0):
        raise ActionRefused(f"@{name} changed since you opened it: reload it and edit again")
    return current


async def _still_readable(ops: ListOps, name: str, after: NamedList) -> None:
    """Refuse a change that the live or shadow version could not compile with."""
    kept = {**kept_lists(await ops.rule_lists()), name: after}
    for version in (await ops.live_rule_set(), await ops.shadow_rule_set_version()):
        if version is not None:
            _compiles(version, rule_schema(ops.settings), kept)


def _compiles(version: RuleSetVersion, schema: Schema, kept: dict[str, NamedList]) -> None:
    try:
        compile_version(version, schema, kept)
    except RuleSetError as e:
        raise ActionRefused(f"the change is refused: {e}") from None


def _fits(*states: dict[str, Any] | None) -> None:
    for state in states:
        if len(json.dumps(state).encode("utf-8")) > AUDIT_TEXT_BYTES:
            raise ActionRefused(
                f"the list is longer than its audit entry may hold ({AUDIT_TEXT_BYTES} bytes as "
                "JSON): split it in two lists"
            )


def _detail(name: str, before: dict[str, Any] | None, after: NamedList) -> str:
    old = set(before["values"]) if before else set()
    new = set(after.values)
    return f"@{name}: {len(new - old)} value(s) added, {len(old - new)} removed"
