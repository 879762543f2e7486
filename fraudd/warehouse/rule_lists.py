"""The rule lists area: the named lists rules read (cards, terminals, merchant categories,
countries …), kept apart from the rule sets so that the fraud team edits them the same day
without publishing a version.

Invariants:

* **A list's history never changes.** ``rule_lists`` only grows: a change is a new row, and
  no statement of this area updates or deletes one (PostgreSQL also refuses both by trigger;
  on Redshift the console's user holds only INSERT).
* **No lost change.** A change names the revision it was based on; under the lock, a list
  changed meanwhile is refused (:class:`RuleListChanged`), so two people editing one list
  never silently drop each other's values.
* **One revision counter over all lists.** Revisions are ``max + 1`` under the rules area's
  lock, so the lists *as of* revision R — each list's newest row at or below R — are exactly
  what a decision recorded with R read (``rule_results.lists_revision``).

What a value may be (its type, no card number) is the rule language's to say
(:mod:`fraudd.rules.lists`): this area stores a list's values as a JSON array and gives them
back as they were stored. Both dialects run the same statements.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase

log = structlog.get_logger(__name__)
AREA = "rule_lists"
LATEST = 2**31 - 1
"""A revision above every stored one: the lists as they are now."""
MAX_VALUES_BYTES = 65535
"""Redshift's longest VARCHAR: the largest JSON text of one list's values."""


class RuleListChanged(ValueError):
    """The list changed since the revision a change was based on."""

    def __init__(self, name: str, revision: int | None) -> None:
        super().__init__(
            f"@{name} changed meanwhile (it is at revision {revision}): reload it and edit again"
        )


@dataclass(frozen=True)
class RuleList:
    """One named list as of a revision: its type (``string`` or ``number``), values, and
    the revision, time and person of its last change."""

    name: str
    type: str
    description: str
    values: tuple[str | float, ...]
    revision: int
    changed_at: dt.datetime
    changed_by: str


@dataclass(frozen=True)
class ListsState:
    """Every kept list as of ``revision`` (0: no list was ever kept)."""

    revision: int
    lists: dict[str, RuleList]


class RuleListOps(Protocol):
    async def rule_lists(self, as_of: int | None = None) -> ListsState:
        """Every kept list now, or as of revision ``as_of``."""

    async def rule_lists_revision(self) -> int:
        """The newest revision (0: none): cheap, for a consumer's poll."""

    async def set_rule_list(
        self,
        name: str,
        list_type: str,
        description: str,
        values: Sequence[str | float],
        author: str,
        based_on: int | None,
    ) -> RuleList:
        """Store ``values`` as list ``name``'s next revision and return it;
        :class:`RuleListChanged` unless the list's newest revision is ``based_on`` (None: the
        list was never kept)."""


def values_json(values: Sequence[str | float]) -> str:
    """A list's values as stored; ValueError in one line when they do not fit."""
    text = json.dumps(list(values), ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_VALUES_BYTES:
        raise ValueError(
            f"a list holds at most {MAX_VALUES_BYTES} bytes of values as JSON: split it in two"
        )
    return text


def _list(row: Row) -> RuleList:
    values = tuple(json.loads(str(row[4])))
    return RuleList(
        str(row[1]), str(row[2]), str(row[3] or ""), values, int(row[0]), row[5], str(row[6])
    )


class RuleLists(SessionBase):
    """:class:`RuleListOps`, the same in both dialects."""

    async def rule_lists(self, as_of: int | None = None) -> ListsState:
        async with self.atomic():  # one snapshot: the revision and the rows agree
            revision = await self.rule_lists_revision()
            at = revision if as_of is None else min(as_of, revision)
            rows = await self.conn.fetch(self.sql(AREA, "lists_as_of"), at)
        return ListsState(at, {r.name: r for r in map(_list, rows)})

    async def rule_lists_revision(self) -> int:
        return int(await self.conn.fetchval(self.sql(AREA, "lists_revision")))

    async def set_rule_list(
        self,
        name: str,
        list_type: str,
        description: str,
        values: Sequence[str | float],
        author: str,
        based_on: int | None,
    ) -> RuleList:
        stored, now = values_json(values), dt.datetime.now(dt.UTC)
        async with self.atomic():
            await self.conn.execute(self.sql("rules", "lock"))
            newest = await self.conn.fetchval(self.sql(AREA, "list_revision"), name)
            if (None if newest is None else int(newest)) != based_on:
                raise RuleListChanged(name, newest)
            revision = int(await self.conn.fetchval(self.sql(AREA, "next_list_revision")))
            await self.conn.execute(
                self.sql(AREA, "insert_list"),
                revision, name, list_type, description, stored, now, author,
            )  # fmt: skip
        log.info("rules.list_changed", name=name, revision=revision, author=author)
        return RuleList(name, list_type, description, tuple(values), revision, now, author)
