"""The benchmark's producer process: fraudd's producer task at a fixed rate, alone in its process.

It is what ``fraudd run --roles producer`` runs — the same state (``producer.default_state``:
live mode continuing the simulated history stored in the warehouse) — with what a benchmark
adds: the rate given on the command line, a limit (rate x seconds) after which it stops, and, at
exit, how many records Kinesis accepted in each wall-clock second.

    python -m bench.produce CONFIG --rate R --seconds S --out SUMMARY.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

from fraudd.deps import open_deps
from fraudd.logs import configure_logging
from fraudd.settings import load_settings
from fraudd.sources.live import LiveSource
from fraudd.stream import Entry
from fraudd.tasks import producer

FIRST_SENT = "bench.producer_first_sent"


async def produce(config: Path, rate: float, seconds: float) -> dict[str, object]:
    """Run the producer for ``seconds`` (or until ``rate * seconds`` swipes were sent)."""
    settings = load_settings(config)
    per_second: Counter[int] = Counter()
    taken_at: dict[int, int] = {}

    def sent(entries: list[Entry]) -> None:
        if not per_second:
            print(FIRST_SENT, flush=True)
        per_second[int(time.time())] += len(entries)

    stop = asyncio.Event()
    async with AsyncExitStack() as stack:
        deps = await open_deps(settings, stack, ("producer",))
        state = await producer.default_state(deps)
        if not isinstance(state.source, LiveSource):
            raise RuntimeError("no simulated history in the warehouse to continue")
        state.rate_tps, state.limit, state.on_sent = rate, int(rate * seconds), sent

        deadline = time.monotonic() + seconds
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

        async def until_done() -> None:
            # Done when every swipe is sent, or when the time is up even if the producer fell
            # behind the rate (the summary then shows it); SIGTERM also ends the run cleanly.
            while not (state.done or stop.is_set() or time.monotonic() > deadline):
                taken_at[int(time.time())] = state.taken
                await asyncio.sleep(0.05)
            stop.set()

        watcher = asyncio.create_task(until_done())
        await producer.run(deps, stop, state)
        await watcher
    taken_at[int(time.time())] = state.taken
    return {
        "taken": state.taken,
        "sent_per_second": sorted(per_second.items()),
        "taken_at": sorted(taken_at.items()),  # swipes taken so far, last seen in each second
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.produce")
    parser.add_argument("config", type=Path)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    configure_logging("json", "info")
    summary = asyncio.run(produce(args.config, args.rate, args.seconds))
    args.out.write_text(json.dumps(summary))


if __name__ == "__main__":
    main()
