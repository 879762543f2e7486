"""Fixtures of the reliability suite. Sizes come from ``FRAUDD_RELIABILITY_SCALE`` (quick by
default, so ``make test`` runs the reduced versions; ``make reliability`` runs the full ones)."""

from __future__ import annotations

import pytest

from tests.reliability.scale import Scale, current_scale


@pytest.fixture(scope="session")
def scale() -> Scale:
    return current_scale()
