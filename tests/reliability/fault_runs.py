"""One function per fault scenario: inject, clear, measure recovery and readiness, tally."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import free_ports
from tests.reliability import faults
from tests.reliability.driver import first_progress_after, until
from tests.reliability.inprocess import Run, run_scenario
from tests.reliability.ledger import Tally
from tests.reliability.scale import Scale

Stack = tuple[Any, Any]


async def put_records_faults(stack: Stack, scale: Scale) -> Tally:
    """10 % of PutRecords entries fail (HTTP 200, FailedRecordCount), every 7th call is
    throttled and every 5th successful call loses its reply after Kinesis stored the records
    (the producer must resend them: the copies are quarantined as duplicate_tx_id, never
    decided twice)."""

    async def script(run: Run) -> None:
        assert run.deps.stream is not None
        client = run.deps.stream.client
        hook = faults.put_records_faults(client, 0.10, 11, throttle_every=7, lose_reply_every=5)
        await run.wait_produced(1.0)
        await _until_sent(run)
        hook.remove()
        run.notes["injected"] = dict(hook.counts)

    name = "PutRecords 10% failed, throttled, lost replies"
    return await run_scenario(stack, scale, name, script, scale.fault_records)


async def _until_sent(run: Run) -> None:
    await until(lambda: _true(run.prod.done), timeout_s=600, every_s=0.05)


async def _true(value: bool) -> bool:
    return value


async def get_records_faults(stack: Stack, scale: Scale) -> Tally:
    """20 % of GetRecords calls throttled, 10 % answered with ExpiredIteratorException."""

    async def script(run: Run) -> None:
        assert run.deps.stream is not None
        hook = faults.get_records_faults(run.deps.stream.client, 0.20, 0.10, seed=12)
        await run.wait_produced(1.0)
        await asyncio.sleep(2.0)  # keep reading under faults until the backlog is in
        hook.remove()
        run.notes["injected"] = dict(hook.counts)

    name = "GetRecords throttled + expired"
    return await run_scenario(stack, scale, name, script, scale.fault_records)


async def postgres_restart(stack: Stack, scale: Scale) -> Tally:
    """Backends killed with pg_terminate_backend, then PostgreSQL stopped and started again."""

    async def script(run: Run) -> None:
        await run.wait_produced(0.3)
        run.notes["backends_terminated"] = await faults.terminate_backends(run.env)
        await run.wait_produced(0.5)
        run.watch.mark("down")
        await faults.stop_postgres(run.info)
        await asyncio.sleep(scale.pg_outage_s)
        await faults.start_postgres(run.info)
        run.watch.mark("up")

    name = "PostgreSQL restarted + backends killed"
    return await run_scenario(
        stack,
        scale,
        name,
        script,
        scale.fault_records,
        figures=_outage_figures("decided"),
        busy_s=(scale.pg_outage_s + 3) * 1.5,
        # Short timeouts: waiting for a connection fails within the outage, so every task's
        # error path runs (with the defaults, 35 s, tasks would just wait the outage out). The
        # heartbeat timeout is shorter than that wait, as in production (30 s < 35 s): a task
        # waiting for the warehouse must not look stuck (/healthz, systemd's watchdog).
        warehouse={"statement_timeout_s": 3.0, "connect_timeout_s": 2.0},
        http={"port": free_ports(1)[0], "heartbeat_timeout_s": 4.0},
    )


async def sns_outage(stack: Stack, scale: Scale) -> Tally:
    """SNS unreachable (connection refused) for ``scale.sns_outage_s`` while alerts keep coming;
    before and after, 10 % of PublishBatch entries fail (reported under ``Failed``)."""

    async def script(run: Run) -> None:
        partial = faults.publish_batch_faults(run.deps.sns, 0.10, seed=13)
        await run.wait_produced(0.2)
        hook = faults.sns_unreachable(run.deps.sns)
        run.watch.mark("down")
        await asyncio.sleep(scale.sns_outage_s)
        hook.remove()
        run.watch.mark("up")
        await run.wait_produced(1.0)
        partial.remove()
        run.notes["injected"] = dict(hook.counts) | {
            f"publish_{k}": v for k, v in partial.counts.items()
        }

    name = f"SNS down {scale.sns_outage_s:.0f}s"
    return await run_scenario(
        stack,
        scale,
        name,
        script,
        scale.fault_records,
        figures=_outage_figures("published"),
        busy_s=scale.sns_outage_s * 1.5,
        fraud_share=SNS_FRAUD_SHARE,
    )


async def slow_warehouse(stack: Stack, scale: Scale) -> Tally:
    """Decision inserts slowed (0.5 s each), then stalled past the statement timeout, then fast."""

    async def script(run: Run) -> None:
        await run.wait_produced(0.2)
        await faults.slow_inserts(run.env, 0.5)
        run.watch.mark("slow")
        await asyncio.sleep(scale.slow_s)
        await faults.slow_inserts(run.env, STALL_S)
        run.watch.mark("down")
        await asyncio.sleep(scale.slow_s)
        await faults.fast_inserts(run.env)
        run.watch.mark("up")

    async def figures(t: Tally, run: Run) -> None:
        await _outage_figures("decided")(t, run)
        t.details["decided_while_slow"] = await _decided_between(run, "slow", "down")

    return await run_scenario(
        stack,
        scale,
        "slow, then stalled warehouse",
        script,
        scale.fault_records,
        figures=figures,
        busy_s=scale.slow_s * 3,
        warehouse={"statement_timeout_s": STATEMENT_TIMEOUT_S},
    )


SNS_FRAUD_SHARE = 0.05  # enough alerts to pile up in the outbox while SNS is down
STATEMENT_TIMEOUT_S = 2.0
STALL_S = 3.0  # longer than the statement timeout: every decision batch is cancelled


def _outage_figures(progress: str) -> Callable[[Tally, Run], Awaitable[None]]:
    """Recovery (first progress after the fault cleared) and what /readyz said meanwhile."""

    async def figures(t: Tally, run: Run) -> None:
        down, up = run.watch.marks["down"], run.watch.marks["up"]
        t.recovery_s = await first_progress_after(run.env, up, progress)
        t.details["outage_s"] = round(up - down, 1)
        t.details["catch_up_s"] = round(run.watch.marks.get("settled", up) - up, 1)
        t.details["not_ready_after_s"] = run.readiness.not_ready_after(down, up)
        t.details["ready_again_s"] = run.readiness.ready_after(up)
        t.details["not_live_answers_during_outage"] = run.readiness.not_live_within(down, up)

    return figures


async def _decided_between(run: Run, start: str, end: str) -> int:
    from tests.e2e.harness import scalar

    value = await scalar(
        run.env,
        "SELECT count(*) FROM {schema}.decisions "
        "WHERE decided_at BETWEEN to_timestamp(%s) AND to_timestamp(%s)",
        run.watch.marks[start],
        run.watch.marks[end],
    )
    return int(value)
