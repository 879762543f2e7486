"""Backtest time for a month: ``fraudd rules backtest`` over the last 30 days of a history at the
reference's rates (5,000 cards, 10,000 terminals: about 9,600 transactions a day).

The history is the smallest that holds a month whose features are complete: 30 days after the
features' longest look-back (37 days), so 67 days (``month`` in :data:`bench.context.HISTORIES`),
with the template's model active. The live set is today's ``[rules]`` settings; the draft adds
eight rules over the record, the features, the velocity and the score. Timed as the command runs
it: the point-in-time history read (training rows, record fields and velocities, the model's
scores), both replays, the judging; then each read again alone, to show where the time goes.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.common import Result, Target
from bench.context import Context
from fraudd.backtest.judge import batch_job, report
from fraudd.backtest.replay import READ_PARTS, compile_rules, read_history, replay
from fraudd.features import training_features_parallel
from fraudd.rules import load_rule_set
from fraudd.rules.legacy import rule_set_toml
from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse

HISTORY = "month"
DAYS = 30
TARGET_S = 60.0
DRAFT_RULES = (
    ("online_large", "review", "channel == 'online' and amount >= 1000"),
    ("risky_category", "review", "merchant_category in ['5967', '7995'] and amount > 300"),
    ("known_fraud_terminal", "review", "term_known_frauds_recent_7d >= 1"),
    ("unusual_amount", "review", "amount_ratio_30d > 5 and amount > 100"),
    ("burst", "review", "velocity > 5"),
    ("night_large", "review", "is_night == 1 and amount > 500"),
    ("model_and_amount", "block", "score >= 0.8 and amount > 500"),
    ("far_from_usual", "review", "amount_z_30d > 4 and cust_count_30d >= 5"),
)


def draft_toml(live: str) -> str:
    """Today's settings as rules plus :data:`DRAFT_RULES`."""
    extra = [
        f'[[rules]]\nname = "{name}"\ndescription = "bench: {name}"\nwhen = "{when}"\n'
        f'outcome = "{outcome}"\n'
        for name, outcome, when in DRAFT_RULES
    ]
    return "\n".join([live, *extra])


async def run(ctx: Context) -> Result:
    """One backtest of the month, timed by step."""
    loaded = await ctx.history(HISTORY)
    settings = batch_job(loaded.settings)
    end = loaded.spec.end().date() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=DAYS - 1)
    live_text = rule_set_toml(settings.rules)
    began = time.perf_counter()
    texts = (live_text, draft_toml(live_text))
    live, draft = (compile_rules(load_rule_set(t), settings) for t in texts)
    async with opened_warehouse(settings) as wh:
        read_at = time.perf_counter()
        history = await read_history(wh, settings, start, end)
    replay_at = time.perf_counter()
    outcomes = [replay(live, history), replay(draft, history)]
    judge_at = time.perf_counter()
    figures = report(history, outcomes[0], outcomes[1], {"live": "settings", "draft": "bench"})
    done = time.perf_counter()
    steps = {
        "compile_s": read_at - began,
        "read_s": replay_at - read_at,
        "replay_s": judge_at - replay_at,
        "judge_s": done - judge_at,
    }
    steps |= await _reads_alone(settings, start, end)
    return _result(loaded.spec, start, end, figures, steps, done - began)


async def _reads_alone(settings: Settings, start: dt.date, end: dt.date) -> dict[str, float]:
    """Where the read's time goes: each of its reads again, alone (after the timed run)."""
    first = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    after = first + dt.timedelta(days=(end - start).days + 1)
    async with opened_warehouse(settings) as wh:
        began = time.perf_counter()
        await training_features_parallel(wh, first, after, parts=READ_PARTS)
        features_at = time.perf_counter()
        async with wh.session() as session:
            await session.backtest_records(first, after, settings.rules.velocity_window_s)
        done = time.perf_counter()
    return {"alone_training_rows_s": features_at - began, "alone_records_s": done - features_at}


def _result(
    spec: Any,
    start: dt.date,
    end: dt.date,
    figures: dict[str, Any],
    steps: dict[str, float],
    total: float,
) -> Result:
    model = figures["model"]
    parameters = {
        "history": HISTORY,
        "customers": spec.customers,
        "terminals": spec.terminals,
        "history_days": spec.days,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "live_rules": len(figures["live"]["rules"]),
        "draft_rules": len(figures["draft"]["rules"]),
        "model_version": None if model is None else model["version"],
    }
    return Result(
        scenario="rules-backtest",
        parameters=parameters,
        figures={
            "transactions": figures["transactions"],
            "frauds": figures["frauds"],
            "total_s": round(total, 2),
            **{k: round(v, 2) for k, v in steps.items()},
            "us_per_tx": round(total / max(figures["transactions"], 1) * 1e6, 1),
            "live_alerts": figures["live"]["total"]["alerts"],
            "draft_alerts": figures["draft"]["total"]["alerts"],
            "changed_transactions": figures["changes"]["transactions"],
        },
        targets=[
            Target(
                f"backtest of {DAYS} days at the reference's rates",
                f"< {TARGET_S:.0f} s",
                round(total, 2),
                total < TARGET_S,
            )
        ],
        notes=[
            "timed as `fraudd rules backtest --from … --to … --draft …` runs it, without "
            "opening the pool and printing; one run on a freshly loaded history"
        ],
    )
