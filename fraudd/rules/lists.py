"""Named lists kept apart from the rule sets (the warehouse's ``rule_lists``): what a list's
values may be, and an edit — values replaced, added or removed — checked as the rule language
checks a list declared inline (:class:`fraudd.rules.model.NamedList`: values of the list's type,
none that looks like a card number).

A kept list replaces, in every rule set, a list the document declares inline under the same name
(:meth:`fraudd.rules.model.RuleSet.with_lists`): version 1 declares today's allow and block
lists inline, and decides with those values until the fraud team first edits the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from fraudd.pan import holds_pan, refusal
from fraudd.rules.model import IDENTIFIER, LIST_TYPES, PAN_ADVICE, NamedList, RuleSetError
from fraudd.settings import describe
from fraudd.warehouse import ListsState


def kept_lists(state: ListsState) -> dict[str, NamedList]:
    """The warehouse's lists as the rule language reads them."""
    return {
        name: NamedList(
            type=lst.type,  # type: ignore[arg-type]  # the warehouse stores what edit() checked
            description=lst.description,
            values=_typed(lst.type, lst.values),
        )
        for name, lst in state.lists.items()
    }


def _typed(list_type: str, values: Iterable[str | float]) -> tuple[str | float, ...]:
    # JSON gives a whole number back as an int; a number list's values are floats.
    return tuple(float(v) if list_type == "number" else v for v in values)


@dataclass(frozen=True)
class ListEdit:
    """A change to one list: its values replaced (``values`` not None), then ``add`` added and
    ``remove`` removed; values as typed (a number list's parsed from text). ``seen``: the
    revision the editor saw (0: the list was not kept yet; None: apply to the newest)."""

    values: Sequence[str] | None = None
    add: Sequence[str] = ()
    remove: Sequence[str] = ()
    description: str | None = None
    seen: int | None = None


def check_name(name: str) -> str:
    """``name`` if it may name a list (as a rule writes ``@name``); else RuleSetError."""
    if not IDENTIFIER.match(name):
        raise RuleSetError(
            f"list name {name!r}: lower-case letters, digits and _, starting with a letter"
        )
    return name


def edited(
    name: str, current: NamedList | None, list_type: str | None, edit: ListEdit
) -> NamedList:
    """``current`` (None: a new list, of ``list_type``) changed by ``edit``, checked; a
    refusal is one line (:class:`RuleSetError`). A list's type never changes: the rules that
    read it were checked against it."""
    check_name(name)
    kind = _kind(name, current, list_type)
    values = list(current.values if current and edit.values is None else ())
    for value in [*(edit.values or ()), *edit.add]:
        typed = _parsed(name, kind, value)
        if typed not in values:
            values.append(typed)
    gone = {_parsed(name, kind, v) for v in edit.remove}
    description = (
        edit.description
        if edit.description is not None
        else (current.description if current else "")
    )
    try:
        return NamedList(
            type=kind,  # type: ignore[arg-type]  # checked by _kind
            description=description,
            values=tuple(v for v in values if v not in gone),
        )
    except ValidationError as e:
        raise RuleSetError(f"lists.{name}.{describe(e)}") from None


def _kind(name: str, current: NamedList | None, list_type: str | None) -> str:
    if current is None and list_type is None:
        raise RuleSetError(f"@{name} is a new list: give its type (string or number)")
    if list_type is not None and list_type not in LIST_TYPES:
        raise RuleSetError(f"list type {list_type!r}: a list holds strings or numbers")
    if current is not None and list_type is not None and list_type != current.type:
        raise RuleSetError(
            f"@{name} is a {current.type} list and stays one (the rules reading it were checked "
            "against it): make a new list"
        )
    return current.type if current is not None else str(list_type)


def _parsed(name: str, kind: str, text: str) -> str | float:
    value = text.strip()
    if not value:
        raise RuleSetError(f"lists.{name}: an empty value: remove the blank line")
    if holds_pan(value):  # before anything echoes the value
        raise RuleSetError(f"lists.{name}: " + refusal("a value", PAN_ADVICE))
    if kind == "string":
        return value
    try:
        return float(value)
    except ValueError:
        raise RuleSetError(f"lists.{name}: {value!r} is not a number") from None
