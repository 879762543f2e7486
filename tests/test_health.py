"""Task heartbeats and dependency state: what /healthz, /readyz and the watchdog decide from."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from fraudd.health import Health
from fraudd.metrics import create_metrics


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_health() -> tuple[Health, Clock, CollectorRegistry]:
    registry = CollectorRegistry()
    clock = Clock()
    return Health(create_metrics(registry), timeout_s=5.0, clock=clock), clock, registry


def test_a_task_that_stops_beating_is_stale_and_one_that_finished_is_not() -> None:
    health, clock, registry = make_health()
    health.register("consumer")
    health.register("producer")
    clock.now += 4.0
    health.beat("consumer")
    assert health.live() and health.stale_tasks() == []
    clock.now += 2.0  # producer last beat 6 s ago, consumer 2 s ago
    assert health.stale_tasks() == ["producer"] and not health.live()
    health.unregister("producer")  # finished on purpose (a replay at its end)
    assert health.live()
    sample = registry.get_sample_value(
        "fraudd_task_heartbeat_timestamp_seconds", {"task": "consumer"}
    )
    assert sample is not None and sample > 0


def test_no_task_is_stale_while_a_dependency_is_down() -> None:
    health, clock, registry = make_health()
    health.register("consumer")
    health.set_dependency("warehouse", False)
    clock.now += 60.0
    assert health.stale_tasks() == []  # waiting for the warehouse is not being stuck
    assert not health.ready()
    assert registry.get_sample_value("fraudd_dependency_up", {"dependency": "warehouse"}) == 0
    health.set_dependency("warehouse", True)
    assert health.stale_tasks() == ["consumer"] and health.ready()


def test_not_ready_before_any_dependency_was_checked() -> None:
    health, _, _ = make_health()
    assert not health.ready()
    health.set_dependency("warehouse", True)
    health.set_dependency("stream", True)
    assert health.ready()
