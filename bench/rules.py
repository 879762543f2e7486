"""Rule evaluation: CPU per transaction per rule, with 1, 10 and 50 rules over batches of 1,000.

Pure computation (no stack): a rule set of the given size is compiled from ten shapes analysts
write (amount limits, named lists of 1,000 cards and 200 terminals, literal lists, velocity,
a feature ratio with missing values, timestamps, the model's score, ``is missing``), and
:meth:`CompiledRuleSet.evaluate` — the call the consumer will make once per batch, with the
model's scores and thresholds — runs repeatedly over synthetic batches of 1,000 rows (columns as
numpy arrays, strings as object arrays, a tenth of the feature values missing). The target: 50
rules add at most 10 % to the consumer's CPU per decided transaction (``bench/results/cost.json``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from bench import rules_consumer
from bench.common import RESULTS_DIR, Result, Target
from fraudd.rules import CompiledRuleSet, Type, load_rule_set
from fraudd.scoring.decision import decide
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Decision

BATCH = 1_000
RULE_COUNTS = (1, 10, 50)
MIN_SECONDS = 1.0
QUICK_SECONDS = 0.2
SHARE_OF_CONSUMER = 0.10
SCHEMA = {
    "card_token": Type.STRING,
    "terminal_id": Type.STRING,
    "merchant_category": Type.STRING,
    "channel": Type.STRING,
    "amount": Type.NUMBER,
    "velocity": Type.NUMBER,
    "amount_avg_30d": Type.NUMBER,
    "card_age_days": Type.NUMBER,
    "tx_time": Type.TIMESTAMP,
    "card_first_seen": Type.TIMESTAMP,
}
SHAPES = (
    ("review", "amount >= {a}"),
    ("block", "card_token in @watch_cards and amount > {s}"),
    ("review", "merchant_category in ['5967', '7995', '{m}']"),
    ("review", "velocity > {v} and amount > {s}"),
    ("review", "channel == 'online' and amount / (amount_avg_30d + 1) > {r}"),
    ("review", "amount_avg_30d is missing and amount > {a}"),
    ("review", "tx_time - card_first_seen < {h}h and amount > {s}"),
    ("block", "terminal_id in @bad_terminals or score >= 0.9{v}"),
    ("review", "not (channel in ['pos', 'atm']) and card_age_days < {v}"),
    ("approve", "card_token in @trusted_cards and score < 0.{v}"),
)


def rule_set_toml(count: int, rng: np.random.Generator) -> str:
    """``count`` rules cycling through :data:`SHAPES`, each with its own constants."""
    lists = [_list("watch_cards", _tokens("card", 1000)), _list("bad_terminals",
             _tokens("term", 200)), _list("trusted_cards", _tokens("card", 50))]  # fmt: skip
    rules = []
    for i in range(count):
        outcome, when = SHAPES[i % len(SHAPES)]
        constants = {"a": int(rng.integers(200, 5000)), "s": int(rng.integers(0, 100)),
                     "m": int(rng.integers(1000, 9999)), "v": int(rng.integers(1, 9)),
                     "r": int(rng.integers(2, 20)), "h": int(rng.integers(1, 48))}  # fmt: skip
        rules.append(
            f'[[rules]]\nname = "rule_{i}"\ndescription = "shape {i % len(SHAPES)}"\n'
            f"when = {json.dumps(when.format(**constants))}\noutcome = {json.dumps(outcome)}\n"
        )
    return "\n".join([*lists, *rules])


def _tokens(prefix: str, count: int) -> list[str]:
    return [f"{prefix}_{i:08d}" for i in range(count)]


def _list(name: str, values: list[str]) -> str:
    return f'[lists.{name}]\ntype = "string"\nvalues = {json.dumps(values)}\n'


def batch(rng: np.random.Generator) -> tuple[dict[str, Any], np.ndarray]:
    """One batch of :data:`BATCH` rows and the model's scores."""
    avg = rng.gamma(2.0, 40.0, BATCH)
    avg[rng.random(BATCH) < 0.1] = np.nan  # a tenth of the cards have no 30-day history
    now = 1.8e9 + rng.uniform(0, 86400, BATCH)
    columns = {
        "card_token": np.array(_tokens("card", 4000), dtype=object)[rng.integers(0, 4000, BATCH)],
        "terminal_id": np.array(_tokens("term", 2000), dtype=object)[rng.integers(0, 2000, BATCH)],
        "merchant_category": np.array(["5411", "5967", "7995", "5812"], dtype=object)[
            rng.integers(0, 4, BATCH)
        ],
        "channel": np.array(["pos", "online", "atm"], dtype=object)[rng.integers(0, 3, BATCH)],
        "amount": rng.gamma(2.0, 50.0, BATCH).round(2),
        "velocity": rng.integers(1, 15, BATCH).astype(np.float64),
        "amount_avg_30d": avg,
        "card_age_days": rng.uniform(0, 2000, BATCH),
        "tx_time": now,
        "card_first_seen": now - rng.uniform(0, 3e7, BATCH),
    }
    return columns, rng.beta(0.5, 8.0, BATCH)


def _thresholds(scores: np.ndarray) -> list[Decision]:
    return decide(scores, Thresholds(review=0.5, block=0.9))


def measure(count: int, min_seconds: float) -> dict[str, Any]:
    """Evaluate ``count`` rules over batches of :data:`BATCH` for at least ``min_seconds``."""
    rng = np.random.default_rng(count)
    compiled = CompiledRuleSet(load_rule_set(rule_set_toml(count, rng)), SCHEMA)
    batches = [batch(rng) for _ in range(8)]
    cpus: list[float] = []
    matched = 0
    while sum(cpus) < min_seconds or len(cpus) < 3:
        columns, scores = batches[len(cpus) % len(batches)]
        began = time.process_time()
        outcome = compiled.evaluate(columns, scores, _thresholds)
        cpus.append(time.process_time() - began)
        matched += int(outcome.masks.sum())
    per_batch = float(np.median(cpus))
    return {
        "rules": count,
        "batch": BATCH,
        "repeats": len(cpus),
        "cpu_us_per_batch": round(per_batch * 1e6, 1),
        "cpu_us_per_tx": round(per_batch / BATCH * 1e6, 3),
        "cpu_us_per_tx_per_rule": round(per_batch / BATCH / count * 1e6, 4),
        "matches_per_tx": round(matched / len(cpus) / BATCH, 3),
    }


def _consumer_us() -> float | None:
    """The consumer's CPU per decided transaction in the last cost benchmark, if there is one."""
    path = RESULTS_DIR / "cost.json"
    if not path.is_file():
        return None
    value = json.loads(path.read_text())["figures"]["cpu_us_per_decided"]["consumer"]
    return float(value)


def _target(figures: dict[str, Any]) -> Target:
    fifty = next(r for r in figures["runs"] if r["rules"] == max(RULE_COUNTS))
    consumer = _consumer_us()
    wanted = f"<= {SHARE_OF_CONSUMER * 100:.0f} %"
    if consumer is None:
        return Target("50 rules per transaction", wanted, fifty["cpu_us_per_tx"], None,
                      "no bench/results/cost.json to compare with")  # fmt: skip
    share = fifty["cpu_us_per_tx"] / consumer
    note = f"{fifty['cpu_us_per_tx']} µs of the consumer's {consumer} µs, cost.json"
    return Target("50 rules, share of the consumer's CPU per transaction", wanted,
                  round(share * 100, 2), share <= SHARE_OF_CONSUMER, note)  # fmt: skip


def _consumer_target(path: dict[str, Any]) -> Target:
    """What 50 rules add to the consumer per transaction, against what it spent on the fixed
    rules they replace, as a share of its CPU in the cost benchmark."""
    consumer = _consumer_us()
    added = round(path["rules_50"] - path["fixed_rules_replaced"], 3)
    wanted = f"<= {SHARE_OF_CONSUMER * 100:.0f} %"
    note = (
        f"the consumer's rules path with 50 rules {path['rules_50']} µs/tx, with version 1 "
        f"{path['version_1_today']} µs/tx; the fixed rules it replaces "
        f"{path['fixed_rules_replaced']} µs/tx; consumer {consumer} µs/tx (cost.json)"
    )
    if consumer is None:
        return Target("50 rules added to the consumer", wanted, added, None, note)
    share = added / consumer
    return Target("50 rules, CPU added to the consumer per transaction", wanted,
                  round(share * 100, 2), share <= SHARE_OF_CONSUMER, note)  # fmt: skip


def run(quick: bool = False) -> Result:
    """The figures for each rule count, and the consumer's whole rules path."""
    seconds = QUICK_SECONDS if quick else MIN_SECONDS
    figures: dict[str, Any] = {"runs": [measure(n, seconds) for n in RULE_COUNTS]}
    figures["consumer_path_cpu_us_per_tx"] = rules_consumer.measure(seconds)
    return Result(
        scenario="rules",
        parameters={"batch": BATCH, "rule_counts": list(RULE_COUNTS), "shapes": len(SHAPES),
                    "min_seconds": seconds, "clock": "process CPU time, median batch"},
        figures=figures,
        targets=[_target(figures), _consumer_target(figures["consumer_path_cpu_us_per_tx"])],
        notes=["runs: CompiledRuleSet.evaluate alone (column conversion, every rule, the "
               "combination with the model's decisions)",
               "consumer_path_cpu_us_per_tx: bench/rules_consumer.py, what the consumer does "
               "per batch for its rules (columns from the swipes, the live version, verdicts "
               "with the matched rules, rule results); not measured: the velocity query and "
               "the rule results' one-statement insert, which run in the warehouse"],
    )  # fmt: skip
