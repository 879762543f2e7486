"""What people do to the fraud team's rule sets, for the web console: edit the draft, publish
it, make a version live, run one in shadow — each checked against the actor's role and the
maker-checker rule, done and audited in ONE transaction (the caller's: DESIGN.md invariant 10),
the audit entry holding the text before and after.

Roles: viewers look; analysts edit the draft and run backtests; investigators may do all of it.
Maker-checker (``console.rules_maker_checker``, on by default): an analyst may not publish the
draft they last saved, nor make live a version they published themselves — a second analyst or
an investigator must. Shadow runs are never acted on, so any analyst may start or stop one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fraudd.cases.service import ActionRefused, Actor, Forbidden, NotFound, audit_entry
from fraudd.rules import CompiledRuleSet, RuleSetError, load_rule_set
from fraudd.rules.check import Schema
from fraudd.rules.inputs import rule_schema
from fraudd.rules.lists import kept_lists
from fraudd.rules.model import NamedList
from fraudd.warehouse import RuleSetDuplicate, RuleSetVersion
from fraudd.warehouse import Session as RulesOps

SUBJECT = "rule-set"
"""The audit subject of every rule-set action (``rule-set`` and, for a version, ``:v<n>``)."""
AUDIT_TEXT_BYTES = 65535
"""Redshift's longest VARCHAR, which ``JSON_PARSE`` of an audit state reads: a rule set whose
text, as JSON, is longer cannot be audited, so it is refused before anything is stored."""
EDITORS = ("analyst", "investigator")


@dataclass(frozen=True)
class Published:
    version: RuleSetVersion
    live: bool


def check_text(text: str, schema: Schema, kept: Mapping[str, NamedList] | None = None) -> str:
    """One line: what the consumer would say about ``text`` as a rule set with the ``kept``
    lists (``ok: ...``), or the refusal (where and why); ``schema``: what a rule may read
    (:func:`fraudd.rules.inputs.rule_schema` of the settings). Never raises for bad text."""
    try:
        rule_set = load_rule_set(text).with_lists(kept or {})
        CompiledRuleSet(rule_set, schema)
    except RuleSetError as exc:
        return str(exc)
    return f"ok: {len(rule_set.rules)} rule(s), {len(rule_set.lists)} list(s)"


def checked_text(
    text: str, schema: Schema, kept: Mapping[str, NamedList] | None = None
) -> str:
    """``text`` if the consumer would accept it (``schema``, ``kept``: as :func:`check_text`)
    and its audit fits, else :class:`ActionRefused` with the one-line refusal."""
    verdict = check_text(text, schema, kept)
    if not verdict.startswith("ok: "):
        raise ActionRefused(f"the rule set is refused: {verdict}")
    if len(json.dumps({"text": text}).encode("utf-8")) > AUDIT_TEXT_BYTES:
        raise ActionRefused(
            f"the rule set is longer than its audit entry may hold ({AUDIT_TEXT_BYTES} bytes as "
            "JSON): split it or shorten its lists"
        )
    return text


def require_editor(actor: Actor) -> None:
    if actor.role not in EDITORS:
        raise Forbidden(
            f"{actor.name} is a {actor.role}: only analysts and investigators change rules"
        )


def _state(version: RuleSetVersion | None) -> dict[str, Any]:
    if version is None:
        return {"version": None, "text": None}
    return {"version": version.version, "text": version.body}


async def save_draft(ops: RulesOps, actor: Actor, text: str, at: datetime) -> None:
    """Replace the draft with ``text`` (checked as the consumer compiles it), audited
    ``rules.draft_saved`` with the previous draft's text and the new one."""
    require_editor(actor)
    checked_text(text, rule_schema(ops.settings), kept_lists(await ops.rule_lists()))
    before = await ops.rule_draft()
    await ops.save_rule_draft(text, actor.name)
    await ops.append_audit(audit_entry(
        actor, at, "rules.draft_saved", SUBJECT, detail="draft saved",
        before={"text": None if before is None else before.body}, after={"text": text},
    ))  # fmt: skip


async def publish_draft(
    ops: RulesOps, actor: Actor, note: str, activate: bool, maker_checker: bool, at: datetime
) -> Published:
    """Publish the draft as the next (immutable) version, live at once when ``activate``;
    audited ``rules.published`` with the live version's text before and the new one's after."""
    require_editor(actor)
    draft = await ops.rule_draft()
    if draft is None:
        raise NotFound("there is no draft to publish: save one first")
    if maker_checker and actor.role == "analyst" and draft.saved_by == actor.name:
        raise Forbidden(
            f"maker-checker: {actor.name} saved this draft, so another analyst or an "
            "investigator must publish it"
        )
    return await _publish(ops, actor, draft.body, note, activate, at, draft.saved_by)


async def publish_text(
    ops: RulesOps, actor: Actor, text: str, note: str, activate: bool, at: datetime
) -> Published:
    """Publish ``text`` (a file's, ``fraudd rules publish``) as the next version: an
    investigator's action (it has no draft another person wrote), audited as
    :func:`publish_draft`."""
    actor.require_investigator()
    return await _publish(ops, actor, text, note, activate, at, actor.name)


async def _publish(
    ops: RulesOps, actor: Actor, text: str, note: str, activate: bool, at: datetime, by: str
) -> Published:
    checked_text(text, rule_schema(ops.settings), kept_lists(await ops.rule_lists()))
    live = await ops.live_rule_set()
    try:
        version = await ops.publish_rule_set(text, actor.name, note, activate=activate)
    except RuleSetDuplicate as e:  # a version is published once: activate it instead
        raise ActionRefused(f"nothing to publish: {e}") from None
    after = {**_state(version), "live": activate, "drafted_by": by, "note": note}
    await ops.append_audit(audit_entry(
        actor, at, "rules.published", f"{SUBJECT}:v{version.version}",
        detail=f"version {version.version} published" + (" and made live" if activate else ""),
        before=_state(live), after=after,
    ))  # fmt: skip
    return Published(version, activate)


async def _stored(ops: RulesOps, version: int) -> RuleSetVersion:
    stored = await ops.get_rule_set(version)
    if stored is None:
        raise NotFound(f"no rule set version {version}")
    verdict = check_text(stored.body, rule_schema(ops.settings), kept_lists(await ops.rule_lists()))
    if not verdict.startswith("ok: "):  # a version this fraudd cannot compile never runs
        raise ActionRefused(f"rule set version {version} is refused: {verdict}")
    return stored


async def activate(
    ops: RulesOps, actor: Actor, version: int, maker_checker: bool, at: datetime
) -> None:
    """Make ``version`` live; audited ``rules.activated`` with the texts of the live version
    before and after."""
    require_editor(actor)
    target = await _stored(ops, version)
    if maker_checker and actor.role == "analyst" and target.published_by == actor.name:
        raise Forbidden(
            f"maker-checker: {actor.name} published version {version}, so another analyst or "
            "an investigator must make it live"
        )
    before = await ops.live_rule_set()
    await ops.activate_rule_set(version, actor.name)
    await ops.append_audit(audit_entry(
        actor, at, "rules.activated", f"{SUBJECT}:v{version}", detail=f"version {version} live",
        before=_state(before), after=_state(target),
    ))  # fmt: skip


async def shadow(ops: RulesOps, actor: Actor, version: int | None, at: datetime) -> None:
    """Run ``version`` in shadow (None: stop); audited ``rules.shadowed`` with the texts of the
    shadow version before and after."""
    require_editor(actor)
    target = None if version is None else await _stored(ops, version)
    before = await ops.shadow_rule_set_version()
    await ops.shadow_rule_set(version, actor.name)
    detail = "shadow run stopped" if version is None else f"version {version} in shadow"
    await ops.append_audit(audit_entry(
        actor, at, "rules.shadowed", SUBJECT if version is None else f"{SUBJECT}:v{version}",
        detail=detail, before=_state(before), after=_state(target),
    ))  # fmt: skip
