"""The rule sets the consumer decides with: the live version and, when one is set, a version in
shadow, read from the warehouse's rules area and compiled once per version.

* Version 1 is today's ``[rules]`` settings (:func:`fraudd.rules.legacy.rule_set_toml`): the
  first consumer (or ``fraudd migrate``) that finds no version publishes it, so an upgraded
  deployment decides exactly as before. After that the settings no longer change the rules:
  publish a new version (``fraudd rules publish``).
* The versions are re-read every ``scoring.model_poll_s``, outside the batch's transaction
  (:meth:`Policy.refresh`); a newly activated version is picked up by itself, and so is a change
  of the named lists kept apart from the rules (:mod:`fraudd.rules.lists`): both versions are
  compiled again with the lists' newest revision, without a new version.
* Every decision records the rule-set version *and* the lists revision it read
  (:class:`fraudd.warehouse.RuleResult`): the pair says exactly which rules and which list
  values decided (the lists as of a revision are kept: ``fraudd rules lists --at``).
* Both versions are evaluated vectorised over the batch; the live one's outcome is the
  decision, the shadow's is recorded (:class:`fraudd.warehouse.RuleResult`) and never acted on.

A rule reads the record's fields (the declared ones included), the configured catalog's
features, ``velocity`` and the model's ``score`` (:func:`fraudd.rules.inputs.rule_schema`). A
version that reads a name the configuration no longer has (a field or feature removed) is
refused: at start (:mod:`fraudd.service.startup`, exit 78) and, for a version activated while
running, here — logged once, the current version kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import structlog

from fraudd.rules import CompiledRuleSet, Outcomes, RuleSetError, load_rule_set
from fraudd.rules.check import Schema
from fraudd.rules.inputs import feature_inputs, names_read, rule_schema
from fraudd.rules.legacy import rule_set_toml
from fraudd.rules.lists import kept_lists
from fraudd.rules.model import NamedList
from fraudd.scoring.verdict import Decision, Reason
from fraudd.settings import Settings
from fraudd.warehouse import RuleResult, RuleSetVersion, Session

log = structlog.get_logger(__name__)
FIRST_AUTHOR = "fraudd"


async def live_or_first(session: Session, settings: Settings) -> RuleSetVersion:
    """The live version; when none was ever published, today's ``[rules]`` settings published
    as version 1 and made live (an upgraded deployment's first start or ``fraudd migrate``)."""
    live = await session.live_rule_set()
    if live is None:
        live = await session.first_rule_set(rule_set_toml(settings.rules), FIRST_AUTHOR)
    return live


@dataclass(frozen=True)
class LoadedRuleSet:
    """A published version compiled for batches with the lists of revision ``lists_revision``
    (None: no kept list), with each rule's reason (name, description) and the names its rules
    read."""

    version: int
    compiled: CompiledRuleSet
    reasons: Mapping[str, Reason]
    reads: frozenset[str] = frozenset()
    lists_revision: int | None = None

    def reasons_of(self, matched: Sequence[str]) -> tuple[Reason, ...]:
        """The matched rules, in words."""
        return tuple(self.reasons[name] for name in matched)


def compile_version(
    version: RuleSetVersion,
    schema: Schema,
    kept: Mapping[str, NamedList] | None = None,
    lists_revision: int | None = None,
) -> LoadedRuleSet:
    """A published version compiled against ``schema`` (:func:`rule_schema` of the settings)
    with the ``kept`` lists (of ``lists_revision``); :class:`RuleSetError` if refused, the
    message naming the version."""
    try:
        rule_set = load_rule_set(version.body).with_lists(kept or {})
        compiled = CompiledRuleSet(rule_set, schema)
    except RuleSetError as e:
        raise RuleSetError(f"rule set version {version.version}: {e}") from None
    reasons = {r.name: Reason(r.name, r.description) for r in rule_set.rules}
    return LoadedRuleSet(
        version.version, compiled, reasons, names_read(rule_set), lists_revision
    )


@dataclass(frozen=True)
class RuleRun:
    """A batch evaluated by the live version and, when one runs, by the shadow version."""

    live: LoadedRuleSet
    outcomes: Outcomes
    shadow: tuple[LoadedRuleSet, Outcomes] | None

    def results(self, tx_ids: Sequence[str]) -> list[RuleResult]:
        """What each version said about each transaction, as the warehouse records it."""
        runs = [(self.live, self.outcomes, False)]
        if self.shadow is not None:
            runs.append((*self.shadow, True))
        return [
            RuleResult(tx_id, loaded.version, shadow, decision, matched, loaded.lists_revision)
            for loaded, outcomes, shadow in runs
            for tx_id, decision, matched in zip(
                tx_ids, outcomes.decisions, _matched(outcomes, len(tx_ids)), strict=True
            )
        ]


def _matched(outcomes: Outcomes, size: int) -> list[tuple[str, ...]]:
    return outcomes.matched if size else []


class Policy:
    """The live and shadow rule sets of one consumer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.schema = rule_schema(settings)
        self.features = feature_inputs(settings)
        self.live: LoadedRuleSet | None = None
        self.shadow: LoadedRuleSet | None = None
        self.kept: dict[str, NamedList] = {}
        self.lists_revision: int | None = None
        self.checked_at = float("-inf")
        self.refused: set[tuple[int, int | None]] = set()

    @property
    def features_read(self) -> tuple[str, ...]:
        """The catalog's features the live or the shadow version reads, in catalog order:
        the consumer computes them for the batch even when no model scores."""
        loaded = [v for v in (self.live, self.shadow) if v is not None]
        return tuple(f for f in self.features if any(f in v.reads for v in loaded))

    async def refresh(self, session: Session) -> None:
        """Load the live and shadow versions at start and re-check every
        ``scoring.model_poll_s``; runs outside the batch's transaction (it may publish
        version 1)."""
        if time.monotonic() - self.checked_at < self.settings.scoring.model_poll_s:
            return
        await self._refresh_lists(session)
        live = await live_or_first(session, self.settings)
        self.live = self._compiled(live, self.live) or self.live
        shadow = await session.shadow_rule_set_version()
        self.shadow = None if shadow is None else self._compiled(shadow, self.shadow)
        self.checked_at = time.monotonic()
        if self.live is None:
            raise RuntimeError("no usable live rule set: activate a valid version")

    async def _refresh_lists(self, session: Session) -> None:
        """The kept lists, read again only when their revision moved (one cheap query)."""
        revision = await session.rule_lists_revision() or None
        if revision != self.lists_revision:
            state = await session.rule_lists(revision)
            self.kept, self.lists_revision = kept_lists(state), state.revision or None
            log.info("rules.lists_loaded", revision=revision, lists=len(self.kept))

    def _compiled(
        self, version: RuleSetVersion, current: LoadedRuleSet | None
    ) -> LoadedRuleSet | None:
        """``version`` compiled with the kept lists, or ``current`` if it is that version with
        those lists; None if refused (it reads a field or feature this configuration lacks),
        logged once per version and lists revision."""
        if current is not None and (current.version, current.lists_revision) == (
            version.version,
            self.lists_revision,
        ):
            return current
        if (version.version, self.lists_revision) in self.refused:
            return None
        try:
            loaded = compile_version(version, self.schema, self.kept, self.lists_revision)
        except RuleSetError as e:
            self.refused.add((version.version, self.lists_revision))
            log.error("rules.version_refused", version=version.version, error=str(e))
            return None
        log.info(
            "rules.version_loaded",
            version=version.version, live=version.live, lists_revision=self.lists_revision,
        )  # fmt: skip
        return loaded

    def run(
        self,
        columns: Mapping[str, Any],
        scores: np.ndarray | None = None,
        thresholds: Callable[[np.ndarray], Sequence[Decision]] | None = None,
    ) -> RuleRun:
        """Both versions over the batch's ``columns`` (:attr:`schema`), with the model's
        ``scores`` and ``thresholds`` when a model scores."""
        if self.live is None:
            raise RuntimeError("the rule sets are not loaded: call refresh() first")
        outcomes = self.live.compiled.evaluate(columns, scores, thresholds)
        shadow = None
        if self.shadow is not None and self.shadow.version != self.live.version:
            shadow = (self.shadow, self.shadow.compiled.evaluate(columns, scores, thresholds))
        return RuleRun(self.live, outcomes, shadow)
