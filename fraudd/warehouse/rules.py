"""The rules area: the fraud team's rule sets — drafts, published versions, which version is
live and which runs in shadow — and what the rules said about each decision.

Invariants:

* **A published version never changes.** ``rule_set_versions`` only grows: no statement of
  this area updates or deletes it (PostgreSQL also refuses both by trigger), and every read
  checks a version's text against the SHA-256 stored with it, so a text changed behind
  fraudd's back is refused (:class:`RuleSetAltered`) instead of deciding transactions.
* **Exactly one version is live** once one is activated: the state is the newest row of
  ``rule_set_activations`` per role, an append-only history (who activated what, when).
  Versions and activation numbers are ``max + 1`` under a table lock (Redshift does not
  enforce keys).
* Version 1 is today's ``[rules]`` settings (:meth:`RuleOps.first_rule_set`), written the first
  time fraudd finds no version, so an upgraded deployment decides exactly as before.

The dialects differ in the lock (statement) and in how a batch's results are inserted:
**PostgreSQL** one array insert; **Redshift** multi-row ``INSERT ... VALUES`` chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import structlog

from fraudd.warehouse.base import Row, WarehouseError
from fraudd.warehouse.common import values_chunks
from fraudd.warehouse.session import SessionBase

log = structlog.get_logger(__name__)
AREA = "rules"
Role = Literal["live", "shadow"]
DRAFT = "draft"
MAX_BODY_BYTES = 65535
"""Redshift's longest VARCHAR: the largest rule-set text a version or a draft may hold."""


class RuleSetAltered(WarehouseError):
    """A stored version's text no longer matches its checksum: it was changed outside fraudd."""

    def __init__(self, version: int) -> None:
        super().__init__(
            f"rule set version {version} was changed after it was published (its checksum "
            "differs): restore it from the audit trail or publish a new version",
            transient=False,
        )


class RuleSetDuplicate(ValueError):
    """The text is already published: a version is published once (activate it instead)."""

    def __init__(self, version: int) -> None:
        super().__init__(
            f"this text is already published as version {version}: change the draft, or make "
            f"version {version} live"
        )
        self.version = version


@dataclass(frozen=True)
class RuleSetVersion:
    """A published version, and whether it is live or in shadow now."""

    version: int
    body: str
    checksum: str
    published_at: dt.datetime
    published_by: str
    note: str
    live: bool = False
    shadow: bool = False


@dataclass(frozen=True)
class RuleDraft:
    """The rule set being edited."""

    body: str
    saved_at: dt.datetime
    saved_by: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What one rule-set version said about one decision: its decision, the rules that matched
    (names, in order of precedence), whether the version ran in shadow (never acted on), and
    the revision of the named lists it read (None: none kept, or decided before they were)."""

    tx_id: str
    version: int
    shadow: bool
    decision: str
    matched: tuple[str, ...]
    lists_revision: int | None = None


@dataclass(frozen=True, slots=True)
class ShadowCell:
    """How many transactions the live version decided ``live`` and the shadow ``shadow``, with
    their label as known now (None: not labelled yet)."""

    live: str
    shadow: str
    is_fraud: bool | None
    transactions: int


class RuleOps(Protocol):
    async def publish_rule_set(
        self, body: str, author: str, note: str = "", *, activate: bool = False
    ) -> RuleSetVersion:
        """Store ``body`` as the next version (immutable), optionally making it live;
        :class:`RuleSetDuplicate` when a version already holds the same text."""

    async def first_rule_set(self, body: str, author: str) -> RuleSetVersion:
        """The live version; when no version exists yet, ``body`` published as version 1 and
        made live (once, whoever asks first)."""

    async def activate_rule_set(self, version: int, author: str) -> None:
        """Make ``version`` the live one; KeyError if it does not exist."""

    async def shadow_rule_set(self, version: int | None, author: str) -> None:
        """Run ``version`` in shadow next to the live one (None: stop); KeyError if unknown."""

    async def live_rule_set(self) -> RuleSetVersion | None:
        """The live version, or None before the first activation."""

    async def shadow_rule_set_version(self) -> RuleSetVersion | None:
        """The version running in shadow, or None."""

    async def get_rule_set(self, version: int) -> RuleSetVersion | None:
        """One version, or None."""

    async def list_rule_sets(self) -> list[RuleSetVersion]:
        """Every version, oldest first."""

    async def save_rule_draft(self, body: str, author: str) -> None:
        """Replace the draft with ``body``."""

    async def rule_draft(self) -> RuleDraft | None:
        """The draft, or None."""

    async def record_rule_results(self, results: Sequence[RuleResult]) -> None:
        """Store a batch's rule results (inside the consumer's batch transaction)."""

    async def rule_results(self, tx_id: str) -> list[RuleResult]:
        """A decision's rule results: the live version's, then any shadow's."""

    async def shadow_comparison(self, version: int, since: dt.datetime) -> list[ShadowCell]:
        """The shadow run of ``version`` against the live decisions on the same transactions
        decided since ``since``: counts per (live, shadow, label)."""


def body_checksum(body: str) -> str:
    """The SHA-256 a version's text is stored and checked with."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _fits(body: str) -> str:
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValueError(f"a rule set holds at most {MAX_BODY_BYTES} bytes of text")
    return body


def _version(row: Row, state: dict[str, int | None]) -> RuleSetVersion:
    version, body, checksum = int(row[0]), str(row[1]), str(row[2]).strip()
    if body_checksum(body) != checksum:
        raise RuleSetAltered(version)
    return RuleSetVersion(
        version, body, checksum, row[3], str(row[4]), str(row[5] or ""),
        live=state.get("live") == version, shadow=state.get("shadow") == version,
    )  # fmt: skip


def _result(row: Row) -> RuleResult:
    matched = tuple(str(row[4]).split(",")) if row[4] else ()
    lists = None if row[5] is None else int(row[5])
    return RuleResult(str(row[0]), int(row[1]), bool(row[2]), str(row[3]), matched, lists)


def result_columns(results: Sequence[RuleResult]) -> list[list[object]]:
    """A batch's results as the columns of ``rule_results`` (tx_id, version, shadow, decision,
    matched, lists_revision), in order."""
    return [
        [r.tx_id for r in results],
        [r.version for r in results],
        [r.shadow for r in results],
        [r.decision for r in results],
        [",".join(r.matched) for r in results],
        [r.lists_revision for r in results],
    ]


class RuleSets(SessionBase):
    """:class:`RuleOps` but the insert of results, the same in both dialects."""

    async def publish_rule_set(
        self, body: str, author: str, note: str = "", *, activate: bool = False
    ) -> RuleSetVersion:
        now = dt.datetime.now(dt.UTC)
        async with self.atomic():
            await self.conn.execute(self.sql(AREA, "lock"))
            version = await self._insert_rule_set(body, author, note, now)
            if activate:
                await self._activate_rule_set("live", version, author, now)
        log.info("rules.published", version=version, author=author, live=activate)
        published = await self.get_rule_set(version)
        assert published is not None  # just inserted
        return published

    async def first_rule_set(self, body: str, author: str) -> RuleSetVersion:
        async with self.atomic():
            await self.conn.execute(self.sql(AREA, "lock"))
            if not await self._rule_set_state():
                now = dt.datetime.now(dt.UTC)
                version = await self._insert_rule_set(body, author, "today's [rules] settings", now)
                await self._activate_rule_set("live", version, author, now)
                log.info("rules.first_version_published", version=version)
        live = await self.live_rule_set()
        assert live is not None  # activated above or before
        return live

    async def activate_rule_set(self, version: int, author: str) -> None:
        await self._switch_rule_set("live", version, author)

    async def shadow_rule_set(self, version: int | None, author: str) -> None:
        await self._switch_rule_set("shadow", version, author)

    async def _switch_rule_set(self, role: Role, version: int | None, author: str) -> None:
        async with self.atomic():
            await self.conn.execute(self.sql(AREA, "lock"))
            if version is not None and await self._rule_set_row(version) is None:
                raise KeyError(f"no rule set version {version}")
            await self._activate_rule_set(role, version, author, dt.datetime.now(dt.UTC))
        log.info("rules.activated", role=role, version=version, author=author)

    async def _insert_rule_set(self, body: str, author: str, note: str, now: dt.datetime) -> int:
        same = await self.conn.fetchval(self.sql(AREA, "version_of_checksum"), body_checksum(body))
        if same is not None:  # under the lock: two publications of one draft cannot both pass
            raise RuleSetDuplicate(int(same))
        version = int(await self.conn.fetchval(self.sql(AREA, "next_version")))
        await self.conn.execute(
            self.sql(AREA, "insert_version"),
            version, _fits(body), body_checksum(body), now, author, note,
        )  # fmt: skip
        return version

    async def _activate_rule_set(
        self, role: Role, version: int | None, author: str, now: dt.datetime
    ) -> None:
        seq = int(await self.conn.fetchval(self.sql(AREA, "next_activation")))
        await self.conn.execute(
            self.sql(AREA, "insert_activation"), seq, role, version, now, author
        )

    async def _rule_set_state(self) -> dict[str, int | None]:
        rows = await self.conn.fetch(self.sql(AREA, "state"))
        return {str(r[0]): None if r[1] is None else int(r[1]) for r in rows}

    async def _rule_set_row(self, version: int) -> Row | None:
        return await self.conn.fetchrow(self.sql(AREA, "one"), version)

    async def _rule_set_in_role(self, role: Role) -> RuleSetVersion | None:
        state = await self._rule_set_state()
        version = state.get(role)
        return None if version is None else await self.get_rule_set(version)

    async def live_rule_set(self) -> RuleSetVersion | None:
        return await self._rule_set_in_role("live")

    async def shadow_rule_set_version(self) -> RuleSetVersion | None:
        return await self._rule_set_in_role("shadow")

    async def get_rule_set(self, version: int) -> RuleSetVersion | None:
        row = await self._rule_set_row(version)
        return None if row is None else _version(row, await self._rule_set_state())

    async def list_rule_sets(self) -> list[RuleSetVersion]:
        state = await self._rule_set_state()
        return [_version(r, state) for r in await self.conn.fetch(self.sql(AREA, "all"))]

    async def save_rule_draft(self, body: str, author: str) -> None:
        async with self.atomic():
            await self.conn.execute(self.sql(AREA, "lock"))
            await self.conn.execute(self.sql(AREA, "delete_draft"), DRAFT)
            await self.conn.execute(
                self.sql(AREA, "insert_draft"), DRAFT, _fits(body), dt.datetime.now(dt.UTC), author
            )
        log.info("rules.draft_saved", author=author)

    async def rule_draft(self) -> RuleDraft | None:
        row = await self.conn.fetchrow(self.sql(AREA, "draft"), DRAFT)
        return None if row is None else RuleDraft(str(row[1]), row[2], str(row[3]))

    async def rule_results(self, tx_id: str) -> list[RuleResult]:
        return [_result(r) for r in await self.conn.fetch(self.sql(AREA, "results"), tx_id)]

    async def shadow_comparison(self, version: int, since: dt.datetime) -> list[ShadowCell]:
        rows = await self.conn.fetch(self.sql(AREA, "shadow_comparison"), version, since)
        return [
            ShadowCell(str(r[0]), str(r[1]), None if r[2] is None else bool(r[2]), int(r[3]))
            for r in rows
        ]


class PostgresRuleSets(RuleSets):
    async def record_rule_results(self, results: Sequence[RuleResult]) -> None:
        if results:
            await self.conn.execute(self.sql(AREA, "insert_results"), *result_columns(results))


class RedshiftRuleSets(RuleSets):
    async def record_rule_results(self, results: Sequence[RuleResult]) -> None:
        head, row = self.sql(AREA, "insert_results"), self.sql(AREA, "insert_results_row")
        rows = zip(*result_columns(results), strict=True)
        for sql, params in values_chunks(head, row, rows):
            await self.conn.execute(sql, *params)
