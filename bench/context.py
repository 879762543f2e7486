"""What scenarios share within one ``python -m bench`` run: the stack, a work directory, and
the expensive starting points (the trained template, the large histories), each made once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Stack, environment
from bench.history import HistorySpec, Loaded, load_history
from bench.stages import StreamFiller
from bench.template import Template, copy_models, prepare
from fraudd.settings import Settings
from fraudd.sources.live import LiveSource

HISTORIES = {
    # Same per-customer and per-terminal rates (2 terminals per customer, ~1.9 swipes per
    # customer-day) and windows full in both: only the size of the history differs.
    "100k": HistorySpec(customers=880, terminals=1760, days=60),
    "1.75M": HistorySpec(customers=5000, terminals=10000, days=183),
    # the reference's rates for a month after the features' 37-day look-back (rules-backtest)
    "month": HistorySpec(customers=5000, terminals=10000, days=67),
}


@dataclass
class LoadedHistory:
    """A schema holding one of :data:`HISTORIES`, with the template's model copied in, and the
    live traffic continuing it (shared, so that no scenario replays another's tx ids)."""

    name: str
    settings: Settings
    spec: HistorySpec
    loaded: Loaded
    filler: StreamFiller


@dataclass
class Context:
    stack: Stack
    workdir: Path
    quick: bool = False
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _template: Template | None = None
    _histories: dict[str, LoadedHistory] = field(default_factory=dict)
    _pg_version: str | None = None

    async def template(self) -> Template:
        """The 60-day history with its trained model (made on first use)."""
        if self._template is None:
            self._template = await prepare(self.stack)
        return self._template

    async def history(self, name: str) -> LoadedHistory:
        """History ``name`` of :data:`HISTORIES`, loaded on first use, with a model."""
        if name not in self._histories:
            template = await self.template()
            spec = HISTORIES[name]
            settings = (await environment(self.stack, shards=4, stream=False)).settings
            loaded = await load_history(settings, spec)
            await copy_models(template, settings)
            filler = StreamFiller(LiveSource(spec.simulation(), spec.end()))
            self._histories[name] = LoadedHistory(name, settings, spec, loaded, filler)
        return self._histories[name]

    async def postgres_version(self) -> str:
        if self._pg_version is None:
            self._pg_version = await self.stack.postgres_version()
        return self._pg_version
