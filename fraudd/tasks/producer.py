"""The producer: the card application. Swipes go to Kinesis at a target rate; blocked cards are
declined at the till and never reach the stream, and a simulated cardholder whose card is blocked
gets a new one (:mod:`fraudd.sources.cards`) after ``producer.reissue_days`` of simulated time.

Records that Kinesis keeps refusing stay in ``pending`` and are sent first on the next step:
nothing is dropped (invariant 3). The producer also plays the bank's back office for the
simulator: labels of live transactions reach the labels table after a (simulated) delay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from fraudd.columns import CURRENCY, DEFAULT_CURRENCY, TRANSACTION, names
from fraudd.deps import Deps
from fraudd.records import Swipe
from fraudd.sources.base import Draft, Source
from fraudd.sources.cards import CardRegister
from fraudd.stream import Entry, PutIncomplete
from fraudd.tasks.labels import LabelQueue
from fraudd.tasks.loop import Pass, poll_loop

log = structlog.get_logger(__name__)
TICK_S = 0.02
MAX_STEP_RECORDS = 2000
BATCH_WINDOW_S = 0.1
"""Swipes that are due go out at most this often, as the Kinesis Producer Library buffers them
by default (RecordMaxBufferedTime 100 ms): about 100 records per PutRecords at 1,000 tx/s
instead of about 15, which divides the per-call cost (signing, HTTP, the stream's own work).
Each swipe still carries the moment it was due as ``produced_at``, so the buffering counts in
the end-to-end latency."""


@dataclass
class BlockCache:
    """The set of blocked cards, re-read from the warehouse at most every ``ttl_s`` seconds."""

    ttl_s: float
    cards: frozenset[str] = frozenset()
    loaded_at: float = float("-inf")

    async def current(self, deps: Deps) -> frozenset[str]:
        if time.monotonic() - self.loaded_at >= self.ttl_s:
            async with deps.warehouse.session() as session:
                self.cards = await session.active_blocks()
            self.loaded_at = time.monotonic()
        return self.cards


@dataclass
class ProducerState:
    source: Source
    rate_tps: float
    blocks: BlockCache
    labels: LabelQueue
    started: float = field(default_factory=time.monotonic)
    taken: int = 0
    pending: list[Entry] = field(default_factory=list)
    sent_at: float = float("-inf")
    cards: CardRegister | None = None  # simulated cardholders: reissue blocked cards
    limit: int | None = None  # stop producing after this many swipes (benchmarks, tests)
    on_sent: Callable[[list[Entry]], None] | None = None  # sees every accepted batch (tests)

    @property
    def done(self) -> bool:
        """True once ``limit`` swipes were taken and nothing is left to send."""
        return self.limit is not None and self.taken >= self.limit and not self.pending


async def run(deps: Deps, stop: asyncio.Event, state: ProducerState | None = None) -> None:
    """Produce until stopped (or until ``state.limit`` swipes have been taken and sent)."""
    state = state or await default_state(deps)
    try:
        await poll_loop("producer", deps, stop, lambda: step(deps, state), TICK_S)
    finally:
        log.info("producer.stopped", taken=state.taken, unsent=len(state.pending))


async def default_state(deps: Deps) -> ProducerState:
    """The producer as configured: live mode continuing the simulated history stored in the
    warehouse (``fraudd simulate history``), else the small self-contained generator."""
    from fraudd.sources.live import live_source_from_warehouse
    from fraudd.sources.simple import SimpleSource

    p = deps.settings.producer
    live = await live_source_from_warehouse(deps.warehouse, deps.settings)
    source: Source = live or SimpleSource(p.customers, p.terminals, p.seed, deps.clock())
    if live is None:
        log.info("producer.simple_source", reason="no simulated history in the warehouse")
    # Both sources make card tokens with the card module from their seed: the register's too.
    seed = p.seed if live is None else live.spec.seed
    return ProducerState(
        source,
        p.rate_tps,
        BlockCache(p.block_cache_ttl_s),
        LabelQueue(p.label_delay_days),
        cards=CardRegister(seed, timedelta(days=p.reissue_days)),
    )


async def step(deps: Deps, state: ProducerState) -> Pass:
    """Send what is due by now; MORE when anything was sent or labelled (it paces itself)."""
    if state.pending:
        await _send(deps, state, state.pending)
    due = _due(state)
    labelled = await state.labels.flush(deps, state.source.clock())
    if due <= 0 or time.monotonic() - state.sent_at < BATCH_WINDOW_S:
        return Pass.MORE if labelled > 0 else Pass.IDLE
    # Blocks first: once drafts are taken from the source, nothing may fail before they are
    # pending, or a warehouse outage would silently lose them.
    blocked = await state.blocks.current(deps)
    drafts = state.source.take(due)
    stamps = _due_times(deps, state, len(drafts))
    state.taken += len(drafts)
    state.sent_at = time.monotonic()
    await _send(deps, state, _admit(deps, state, drafts, stamps, blocked))
    return Pass.MORE


async def _send(deps: Deps, state: ProducerState, entries: list[Entry]) -> None:
    """Put entries; whatever Kinesis did not accept stays pending for the next step."""
    assert deps.stream is not None
    state.pending = entries
    try:
        await deps.stream.put(entries)
    except PutIncomplete as exc:
        state.pending = exc.remaining
        _report_sent(state, entries, exc.remaining)
        raise
    state.pending = []
    _report_sent(state, entries, [])


def _report_sent(state: ProducerState, entries: list[Entry], remaining: list[Entry]) -> None:
    if state.on_sent is not None:
        left = {id(e) for e in remaining}
        state.on_sent([e for e in entries if id(e) not in left])


def _due(state: ProducerState) -> int:
    target = int((time.monotonic() - state.started) * state.rate_tps)
    if state.limit is not None:
        target = min(target, state.limit)
    return min(target - state.taken, MAX_STEP_RECORDS)


def _due_times(deps: Deps, state: ProducerState, n: int) -> list[datetime]:
    """Wall-clock moment each of the next ``n`` swipes was due at the target rate (never later
    than now): the production time they carry."""
    now, elapsed = deps.clock(), time.monotonic() - state.started
    return [
        now - timedelta(seconds=max(0.0, elapsed - (state.taken + i + 1) / state.rate_tps))
        for i in range(n)
    ]


def _admit(
    deps: Deps,
    state: ProducerState,
    drafts: list[Draft],
    stamps: list[datetime],
    blocked: frozenset[str],
) -> list[Entry]:
    """Decline swipes of blocked cards (reissuing them); stamp the rest with their due time."""
    entries = []
    cards = state.cards
    for draft, produced_at in zip(drafts, stamps, strict=True):
        state.labels.add(draft)
        d = draft if cards is None else cards.issued(draft)
        if d.card_token in blocked:
            _count_decline(deps, d)
            if cards is not None and cards.declined(d):
                deps.metrics.cards_reissued.inc()
            continue
        entries.append(Entry(to_swipe(d, produced_at).to_bytes(), d.card_token))
    return entries


def _count_decline(deps: Deps, draft: Draft) -> None:
    fraud = "unknown" if draft.is_fraud is None else str(draft.is_fraud).lower()
    deps.metrics.swipes_declined.labels(fraud=fraud).inc()
    deps.metrics.declined_amount.labels(fraud=fraud).inc(draft.amount)


_DRAFTED = tuple(name for name in names(TRANSACTION) if name != CURRENCY.name)
"""The columns a draft carries as they are (its currency may be left to the default)."""


def to_swipe(d: Draft, produced_at: datetime) -> Swipe:
    """The wire record: everything but the simulator's ground truth."""
    drafted = {name: getattr(d, name) for name in _DRAFTED}
    currency = d.currency or DEFAULT_CURRENCY
    return Swipe.model_construct(
        **drafted, currency=currency, produced_at=produced_at, schema_version=1
    )
