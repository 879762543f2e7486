"""Redshift mode's pytest hooks: the isolation option, the parameters, the ``redshift`` marker.

``--redshift-isolation=snapshot|serializable|both`` (or ``FRAUDD_TEST_REDSHIFT_ISOLATION``),
default ``snapshot``, picks the levels; ``redshift_isolation`` gets one run per level and
``warehouse_implementation`` runs postgres, then Redshift mode at each level. The environments
themselves are tests/redshift/mode.py's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest

from tests.shim.redshift_shim import Isolation

OPTION = "--redshift-isolation"
ENV = "FRAUDD_TEST_REDSHIFT_ISOLATION"
LEVELS: tuple[Isolation, ...] = ("snapshot", "serializable")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        choices=[*LEVELS, "both"],
        default=None,
        help=f"isolation level(s) of Redshift-mode tests (default: ${ENV} or snapshot)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redshift: runs in Redshift mode (tests/redshift/mode.py)")


def isolation_levels(config: pytest.Config) -> list[Isolation]:
    """The levels asked for: the option, else the environment, else SNAPSHOT."""
    chosen = config.getoption(OPTION) or os.environ.get(ENV) or "snapshot"
    if chosen == "both":
        return list(LEVELS)
    if chosen not in LEVELS:
        raise pytest.UsageError(f"{ENV}={chosen!r}: expected snapshot, serializable or both")
    return [cast(Isolation, chosen)]


IMPLEMENTATION = "warehouse_implementation"


def implementations(config: pytest.Config) -> list[Any]:
    """``postgres``, then ``redshift-<level>`` for each level asked for (marked ``redshift``)."""
    return [pytest.param("postgres", id="postgres")] + [
        pytest.param(f"redshift-{level}", id=f"redshift-{level}", marks=pytest.mark.redshift)
        for level in isolation_levels(config)
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``redshift_isolation``: one run per level asked for. ``warehouse_implementation`` (for
    suites that run on both implementations): postgres and Redshift mode at those levels."""
    if "redshift_isolation" in metafunc.fixturenames:
        levels = isolation_levels(metafunc.config)
        metafunc.parametrize("redshift_isolation", levels, ids=levels, scope="session")
    if IMPLEMENTATION in metafunc.fixturenames:
        metafunc.parametrize(IMPLEMENTATION, implementations(metafunc.config))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in Redshift mode, and every test under tests/redshift/, ``redshift``."""
    here = Path(__file__).parent
    for item in items:
        in_mode = "redshift_isolation" in getattr(item, "fixturenames", ())
        if in_mode or here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.redshift)
