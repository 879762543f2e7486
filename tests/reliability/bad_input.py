"""Bad input through the running loop: hostile records are written straight into the stream
between the producer's good ones; each must be quarantined with its reason and its raw bytes
(card numbers masked), counted in the metric, and the daemon must keep deciding the rest."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from fraudd.pan import find_pans, redact_pans
from tests.e2e.harness import fetch_all
from tests.reliability.hostile import Hostile, corpus, duplicate_pair, generated, put_hostile
from tests.reliability.inprocess import Run, run_scenario
from tests.reliability.ledger import Tally
from tests.reliability.scale import Scale

CHUNKS = 4  # hostile records go in this many bursts, spread over the production


async def bad_input(stack: Any, scale: Scale) -> Tally:
    """The corpus, a duplicate pair and ``scale.hostile_examples`` hypothesis records."""
    records = [*corpus(), *generated(scale.hostile_examples)]
    chunks = [records[part::CHUNKS] for part in range(CHUNKS)]
    chunks[-1] += duplicate_pair("h-dup-1")  # one request, one partition key: stays in order
    written: list[tuple[Hostile, str, int]] = []

    async def script(run: Run) -> None:
        run.notes["hostile_written"] = sum(len(c) for c in chunks)
        for part, chunk in enumerate(chunks):
            await run.wait_produced((part + 1) / (CHUNKS + 1))
            written.extend(await asyncio.to_thread(put_hostile, run.env.settings, chunk))
            run.extra_records += len(chunk)

    async def figures(t: Tally, run: Run) -> None:
        await _check_quarantine(t, run, written)
        await _check_metric(t, run, written)

    return await run_scenario(
        stack,
        scale,
        "bad input (corpus + hypothesis)",
        script,
        scale.fault_records,
        figures=figures,
        busy_s=scale.fault_records / scale.rate_tps + 2,
    )


async def _check_quarantine(t: Tally, run: Run, written: list[tuple[Hostile, str, int]]) -> None:
    """Each hostile record: the expected outcome at its exact stream position."""
    assert run.env.warehouse is not None
    rows = await fetch_all(
        run.env.warehouse,
        f"SELECT shard_id, sequence_number, reason, detail, raw FROM {run.env.schema}.dead_letters",
    )
    dead = {(r.shard_id, int(r.sequence_number)): r for r in rows}
    decided = {
        (r.shard_id, int(r.sequence_number))
        for r in await fetch_all(
            run.env.warehouse, f"SELECT shard_id, sequence_number FROM {run.env.schema}.decisions"
        )
    }
    wrong: list[str] = []
    for hostile, shard, seq in written:
        row = dead.get((shard, seq))
        if hostile.reason is None:
            if (shard, seq) not in decided:
                wrong.append(f"{hostile.name}: valid but not decided")
        elif row is None:
            wrong.append(f"{hostile.name}: not quarantined")
        elif row.reason != hostile.reason or not row.detail:
            wrong.append(f"{hostile.name}: reason {row.reason!r}, expected {hostile.reason!r}")
        elif bytes(row.raw) != redact_pans(hostile.data):
            wrong.append(f"{hostile.name}: raw bytes differ from the (PAN-masked) record")
    pans = [(shard, seq) for h, shard, seq in written if h.reason and find_pans(h.data)]
    masked = [bytes(dead[p].raw) for p in pans if p in dead]
    t.details["pan_records"] = len(pans)
    t.details["pan_records_masked"] = sum(1 for raw in masked if not find_pans(raw))
    t.details["hostile_bad"] = sum(1 for h, _, _ in written if h.reason is not None)
    t.details["hostile_valid"] = sum(1 for h, _, _ in written if h.reason is None)
    t.details["quarantine_mismatches"] = wrong


async def _check_metric(t: Tally, run: Run, written: list[tuple[Hostile, str, int]]) -> None:
    """``fraudd_records_dead_lettered_total{reason}`` scraped from /metrics equals what was sent."""
    expected = Counter(h.reason for h, _, _ in written if h.reason is not None)
    scraped: Counter[str] = Counter()
    for family in text_string_to_metric_families(run.metrics_text):
        for sample in family.samples:
            if sample.name == "fraudd_records_dead_lettered_total":
                scraped[sample.labels["reason"]] += int(sample.value)
    t.details["dead_letters_expected_by_reason"] = dict(sorted(expected.items()))
    t.details["dead_letters_metric_by_reason"] = dict(sorted(scraped.items()))
