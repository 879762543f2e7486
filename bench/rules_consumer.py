"""The consumer's rules path with a live rule set of 1, 5 (version 1: today's settings) and 50
rules: CPU per decided transaction over batches of 1,000 swipes.

Measured, per batch, what :meth:`fraudd.scoring.engine.RulesEngine.decide` does in the
consumer's process: the swipes as columns (:func:`fraudd.rules.inputs.record_columns`), the live
version evaluated with the model's scores and thresholds (:meth:`Policy.run`), one verdict per
row with the matched rules in words, and the rule results as the columns the driver sends. Not
measured: the velocity query and the rule results' insert, which run in the warehouse (the
insert is one array statement per batch on PostgreSQL). The rules read only what the consumer
gives them (:attr:`fraudd.scoring.policy.Policy.schema`). Also measured, for comparison: the
fixed rules this replaces (:class:`fraudd.scoring.rules.Rules`, one call per swipe).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import numpy as np

from fraudd.records import Swipe
from fraudd.rules.inputs import record_columns
from fraudd.rules.legacy import rule_set_toml
from fraudd.scoring.base import ScoreResult
from fraudd.scoring.engine import ModelScores, verdicts
from fraudd.scoring.policy import Policy, compile_version
from fraudd.scoring.rules import Rules
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import RulesSettings, Settings
from fraudd.warehouse import RuleSetVersion
from fraudd.warehouse.rules import result_columns

BATCH = 1_000
SHAPES = (
    ("review", "amount >= {a}"),
    ("block", "card_token in @watch_cards and amount > {s}"),
    ("review", "merchant_category in ['5967', '7995', '{m}']"),
    ("review", "velocity > {v} and amount > {s}"),
    ("review", "channel == 'online' and amount > {a}"),
    ("review", "terminal_x > 9{v} and terminal_y < {s}"),
    ("review", "produced_at - tx_time > {h}h"),
    ("block", "terminal_id in @bad_terminals or score >= 0.9{v}"),
    ("review", "not (channel in ['pos', 'atm']) and currency != 'EUR'"),
    ("approve", "card_token in @trusted_cards and score < 0.{v}"),
)
LEGACY = RulesSettings(allow_cards=("card_00000001",), block_cards=("card_00000002",),
                       review_amount=500, block_amount=2000, velocity_max=5)  # fmt: skip


def rule_set_toml_of(count: int, rng: np.random.Generator) -> str:
    """``count`` rules over the consumer's inputs, cycling through :data:`SHAPES`."""
    lists = [_list("watch_cards", 1000, "card"), _list("bad_terminals", 200, "term"),
             _list("trusted_cards", 50, "card")]  # fmt: skip
    rules = []
    for i in range(count):
        outcome, when = SHAPES[i % len(SHAPES)]
        constants = {"a": int(rng.integers(200, 5000)), "s": int(rng.integers(0, 100)),
                     "m": int(rng.integers(1000, 9999)), "v": int(rng.integers(1, 9)),
                     "h": int(rng.integers(1, 48))}  # fmt: skip
        rules.append(
            f'[[rules]]\nname = "rule_{i}"\ndescription = "shape {i % len(SHAPES)}"\n'
            f"when = {json.dumps(when.format(**constants))}\noutcome = {json.dumps(outcome)}\n"
        )
    return "\n".join([*lists, *rules])


def _list(name: str, count: int, prefix: str) -> str:
    values = [f"{prefix}_{i:08d}" for i in range(count)]
    return f'[lists.{name}]\ntype = "string"\nvalues = {json.dumps(values)}\n'


def swipes(rng: np.random.Generator) -> tuple[list[Swipe], list[int], np.ndarray]:
    """A batch of swipes, their velocities and the model's scores."""
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    made = [_swipe(i, now, rng) for i in range(BATCH)]
    return made, rng.integers(1, 15, BATCH).tolist(), rng.beta(0.5, 8.0, BATCH)


def _swipe(i: int, now: dt.datetime, rng: np.random.Generator) -> Swipe:
    return Swipe(
        tx_id=f"tx-{i}",
        tx_time=now,
        card_token=f"card_{int(rng.integers(0, 4000)):08d}",
        last4="4242",
        customer_id=f"c{i}",
        terminal_id=f"term_{int(rng.integers(0, 2000)):08d}",
        amount=float(round(rng.gamma(2.0, 50.0), 2)),
        channel=str(rng.choice(["pos", "online", "atm"])),
        merchant_category=str(rng.choice(["5411", "5967", "7995"])),
        terminal_x=float(rng.uniform(0, 100)),
        terminal_y=float(rng.uniform(0, 100)),
        produced_at=now + dt.timedelta(seconds=float(rng.uniform(0, 9))),
    )


def _policy(text: str) -> Policy:
    policy = Policy(Settings())
    version = RuleSetVersion(1, text, "", dt.datetime.now(dt.UTC), "bench", "")
    policy.live = compile_version(version, policy.schema)
    return policy


def _path_cpu(policy: Policy, batch: tuple[list[Swipe], list[int], np.ndarray]) -> float:
    """One batch through the consumer's rules path: CPU seconds."""
    made, velocities, scores = batch
    model = ModelScores(ScoreResult(scores, [()] * len(scores)), Thresholds(0.5, 0.9), "m1")
    began = time.process_time()
    columns = record_columns(made, velocities, policy.settings.fields.declared)
    run = policy.run(columns, model.result.scores, model.decide)
    verdicts(run, run.outcomes.score, model.result.reasons, model.version)
    result_columns(run.results([s.tx_id for s in made]))
    return time.process_time() - began


def _fixed_rules_cpu(batch: tuple[list[Swipe], list[int], np.ndarray]) -> float:
    made, velocities, _ = batch
    rules = Rules(LEGACY)
    began = time.process_time()
    for swipe, velocity in zip(made, velocities, strict=True):
        rules.evaluate(swipe, velocity)
    return time.process_time() - began


def measure(min_seconds: float) -> dict[str, Any]:
    """CPU µs per transaction of each path, median batch."""
    rng = np.random.default_rng(25)
    batches = [swipes(rng) for _ in range(4)]
    paths = {"version_1_today": _policy(rule_set_toml(LEGACY)),
             **{f"rules_{n}": _policy(rule_set_toml_of(n, rng)) for n in (1, 50)}}  # fmt: skip
    out: dict[str, Any] = {}
    for name, policy in paths.items():
        out[name] = _median_us(lambda b, p=policy: _path_cpu(p, b), batches, min_seconds)
    out["fixed_rules_replaced"] = _median_us(_fixed_rules_cpu, batches, min_seconds)
    return out


def _median_us(one: Any, batches: list[Any], min_seconds: float) -> float:
    cpus: list[float] = []
    while sum(cpus) < min_seconds or len(cpus) < 3:
        cpus.append(one(batches[len(cpus) % len(batches)]))
    return round(float(np.median(cpus)) / BATCH * 1e6, 3)
