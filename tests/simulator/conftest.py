"""Shared simulator fixtures: the handbook's reference-size history is generated once."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest

from fraudd.simulator import Profiles, SimulationSpec, Timeline, generate_history

REFERENCE = SimulationSpec(
    origin=dt.date(2018, 4, 1), seed=42, customers=5000, terminals=10000, radius=5.0
)
REFERENCE_DAYS = 183


@pytest.fixture(scope="session")
def reference_history() -> tuple[pd.DataFrame, float]:
    """The handbook's dataset size (5,000 customers, 10,000 terminals, 183 days), build time."""
    spec = REFERENCE
    began = time.perf_counter()
    frame = generate_history(
        spec.origin, REFERENCE_DAYS, spec.customers, spec.terminals, spec.seed, spec.radius
    )
    return frame, time.perf_counter() - began


@pytest.fixture(scope="session")
def reference_profiles() -> Profiles:
    """Profiles of the reference history."""
    return Timeline(REFERENCE).profiles


@pytest.fixture
def small_spec() -> SimulationSpec:
    """A timeline small enough for exhaustive checks."""
    return SimulationSpec(
        origin=dt.date(2018, 4, 1), seed=7, customers=300, terminals=600, radius=10.0
    )
