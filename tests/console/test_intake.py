"""The console's case intake: the first pass reads console.intake_days, later passes only the
alerts since the previous pass (minus a look-back), and the open-cases gauge follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fraudd.console import LOOKBACK, Intake, intake
from fraudd.deps import Deps
from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.tasks.loop import Pass
from tests.cases.conftest import CasesEnv
from tests.cases.seed import SeedAlert, seed_alerts

pytestmark = pytest.mark.parametrize("cases_env", ["postgres", "redshift"], indirect=True)


async def test_intake_passes_and_the_gauge(seeded: CasesEnv) -> None:
    metrics = create_metrics()
    deps = Deps(seeded.settings, metrics, Health(metrics=metrics, timeout_s=30), seeded.warehouse)
    state = Intake()
    assert await intake(deps, state) == Pass.CAUGHT_UP
    assert metrics.registry.get_sample_value("fraudd_cases_open") == 2
    assert await intake(deps, state) == Pass.IDLE
    late = SeedAlert("tx-c1", "card-tok-c", "3333", "900.00", 0.99, "block", "5999", 1)
    ancient = SeedAlert("tx-d1", "card-tok-d", "4444", "900.00", 0.99, "block", "5999", 86400)
    # created_at is the insert time, so an alert 20 minutes "old" cannot appear after a pass in
    # production; here it shows that later passes scan only the look-back, not 30 days
    backdated = SeedAlert("tx-e1", "card-tok-e", "5555", "900.00", 0.99, "block", "5999", 20)
    await seed_alerts(seeded, (late, ancient, backdated), history=False)
    assert state.last_pass is not None and LOOKBACK > timedelta(minutes=1)
    assert await intake(deps, state) == Pass.CAUGHT_UP
    async with seeded.session() as s:
        cases = await s.open_case_count()
    assert cases == 3  # the 60-day-old alert is past console.intake_days
    assert metrics.registry.get_sample_value("fraudd_cases_open") == 3
    assert datetime.now(UTC) - state.last_pass < timedelta(minutes=1)
