"""The benchmark's producer process: ``fraudd``'s producer task at a fixed rate, alone in its
process, fed by the simulator continuing the loaded history.

It is what ``fraudd run --roles producer`` runs, with two differences a benchmark needs: a
source continuing the benchmark's history, and a limit (rate x seconds) after which it stops.
At exit it writes how many records Kinesis accepted in each wall-clock second.

    python -m bench.produce CONFIG --rate R --seconds S --spec JSON --out SUMMARY.json
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

from bench.source import SimulatorSource
from fraudd.deps import open_deps
from fraudd.logs import configure_logging
from fraudd.settings import load_settings
from fraudd.simulator import SimulationSpec
from fraudd.stream import Entry
from fraudd.tasks import producer
from fraudd.tasks.labels import LabelQueue

FIRST_SENT = "bench.producer_first_sent"


def spec_from_json(text: str) -> tuple[SimulationSpec, dt.datetime]:
    """The simulation and the moment live traffic starts, from ``--spec``."""
    raw = json.loads(text)
    spec = SimulationSpec(
        origin=dt.date.fromisoformat(raw["origin"]),
        seed=int(raw["seed"]),
        customers=int(raw["customers"]),
        terminals=int(raw["terminals"]),
    )
    return spec, spec.day_start(int(raw["days"]))


async def produce(config: Path, rate: float, seconds: float, spec_json: str) -> dict[str, object]:
    """Run the producer until ``rate * seconds`` swipes were taken and sent."""
    settings = load_settings(config)
    spec, start = spec_from_json(spec_json)
    per_second: Counter[int] = Counter()

    def sent(entries: list[Entry]) -> None:
        if not per_second:
            print(FIRST_SENT, flush=True)
        per_second[int(time.time())] += len(entries)

    p = settings.producer
    state = producer.ProducerState(
        SimulatorSource(spec, start),
        rate,
        producer.BlockCache(p.block_cache_ttl_s),
        LabelQueue(p.label_delay_days),
        limit=int(rate * seconds),
        on_sent=sent,
    )
    stop = asyncio.Event()
    async with AsyncExitStack() as stack:
        deps = await open_deps(settings, stack, ("producer",))

        async def until_done() -> None:
            # The producer's state has no event for "done": poll it.
            while not state.done:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            stop.set()

        watcher = asyncio.create_task(until_done())
        await producer.run(deps, stop, state)
        await watcher
    return {"taken": state.taken, "sent_per_second": sorted(per_second.items())}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.produce")
    parser.add_argument("config", type=Path)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--spec", required=True, help="JSON: origin, seed, customers, ...")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    configure_logging("json", "warning")
    summary = asyncio.run(produce(args.config, args.rate, args.seconds, args.spec))
    args.out.write_text(json.dumps(summary))


if __name__ == "__main__":
    main()
