"""Liveness and readiness: task heartbeats and dependency checks.

``/healthz`` is healthy while every registered task has beaten within the timeout (a stuck task
makes the process unhealthy, and stops systemd watchdog pings). ``/readyz`` is ready while the
stream and the warehouse answered their last check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fraudd.metrics import Metrics


@dataclass
class Health:
    """Shared, in-process health state. Single event loop: no locking needed."""

    metrics: Metrics
    timeout_s: float
    clock: Callable[[], float] = time.monotonic
    beats: dict[str, float] = field(default_factory=dict)
    dependencies: dict[str, bool] = field(default_factory=dict)

    def register(self, task: str) -> None:
        """Start tracking a task (counts as one beat)."""
        self.beat(task)

    def unregister(self, task: str) -> None:
        """A task that finished on purpose no longer needs to beat."""
        self.beats.pop(task, None)

    def beat(self, task: str) -> None:
        """Record that ``task`` made progress (or finished an idle poll) just now."""
        self.beats[task] = self.clock()
        self.metrics.task_heartbeat.labels(task=task).set(time.time())

    def set_dependency(self, name: str, up: bool) -> None:
        """Record the outcome of the latest check of one dependency."""
        self.dependencies[name] = up
        self.metrics.dependency_up.labels(dependency=name).set(1 if up else 0)

    def stale_tasks(self) -> list[str]:
        """Tasks that have not beaten within the timeout.

        None while a dependency is down: a task waiting for it (a pool's acquire timeout can
        exceed the heartbeat timeout) is not stuck, and systemd must not restart the service
        for an outage it cannot fix. A stuck event loop still stops the watchdog pings.
        """
        if not all(self.dependencies.values()):
            return []
        now = self.clock()
        return sorted(t for t, at in self.beats.items() if now - at > self.timeout_s)

    def live(self) -> bool:
        return not self.stale_tasks()

    def ready(self) -> bool:
        return bool(self.dependencies) and all(self.dependencies.values())
