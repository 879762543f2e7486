"""How big the reliability scenarios are: ``quick`` for ``make test``, ``full`` for
``make reliability``. Chosen by ``FRAUDD_RELIABILITY_SCALE`` (read when asked, never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Literal

ScaleName = Literal["quick", "full"]
SCALE_VAR = "FRAUDD_RELIABILITY_SCALE"


@dataclass(frozen=True)
class Scale:
    name: ScaleName
    crash_records: int  # records the producer writes in the crash-recovery run
    crash_kills: int  # SIGKILLs in that run (crash points included)
    fault_records: int  # records per fault scenario
    rate_tps: float  # producer rate
    sns_outage_s: float  # how long SNS is unreachable
    pg_outage_s: float  # how long PostgreSQL is stopped
    slow_s: float  # how long the warehouse is slow, then stalled
    hostile_examples: int  # hypothesis-generated hostile records per run
    fraud_share: float  # share of big-amount fraud (each becomes an SNS alert)


QUICK = Scale(
    name="quick",
    crash_records=3_000,
    crash_kills=4,
    fault_records=2_000,
    rate_tps=1_000.0,
    sns_outage_s=8.0,
    pg_outage_s=8.0,
    slow_s=4.0,
    hostile_examples=150,
    fraud_share=0.01,
)
FULL = Scale(
    name="full",
    crash_records=50_000,
    crash_kills=12,
    fault_records=20_000,
    rate_tps=1_500.0,
    sns_outage_s=30.0,
    pg_outage_s=15.0,
    slow_s=15.0,
    hostile_examples=1_000,
    fraud_share=0.005,
)


def current_scale(name: str | None = None, **overrides: float) -> Scale:
    """The scale named (or ``$FRAUDD_RELIABILITY_SCALE``, default quick), with overrides."""
    chosen = name or os.environ.get(SCALE_VAR, "quick")
    if chosen not in ("quick", "full"):
        raise ValueError(f"{SCALE_VAR} must be quick or full, not {chosen!r}")
    base = FULL if chosen == "full" else QUICK
    return replace(base, **overrides)  # type: ignore[arg-type]
