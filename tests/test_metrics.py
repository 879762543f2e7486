"""fraudd.metrics: every metric on the registry it is given, named ``fraudd_<noun>_<unit>``,
with no card or transaction id among its labels. (tests/deploy/test_grafana.py checks that
the dashboards and alert rules name metrics that exist.)"""

from __future__ import annotations

from dataclasses import fields

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from fraudd.metrics import Metrics, create_metrics, stage

# Words that make a metric a time: its unit must be seconds (DESIGN: durations in seconds).
TIME_WORDS = ("latency", "duration", "stage", "behind", "heartbeat", "created", "alert_to_verdict")
ID_LABELS = {"card_token", "card", "pan", "tx_id", "transaction", "alert_id", "case_id"}


def handles(metrics: Metrics) -> dict[str, object]:
    """Every metric handle of ``metrics`` by field name (the registry aside)."""
    return {f.name: getattr(metrics, f.name) for f in fields(metrics) if f.name != "registry"}


def test_every_metric_is_on_the_given_registry_and_none_on_the_global_one() -> None:
    registry = CollectorRegistry()
    metrics = create_metrics(registry)
    create_metrics(CollectorRegistry())  # a second set beside it: no duplicate registration
    names = {m.name for m in registry.collect()}
    assert len(names) == len(handles(metrics))
    assert not [m.name for m in REGISTRY.collect() if m.name.startswith("fraudd_")]


def test_names_follow_fraudd_noun_unit_and_times_are_seconds() -> None:
    for metric in create_metrics().registry.collect():
        assert metric.name.startswith("fraudd_"), metric.name
        assert metric.name == metric.name.lower(), metric.name
        if any(word in metric.name for word in TIME_WORDS):
            assert metric.name.endswith("_seconds"), metric.name


def test_no_label_carries_a_card_or_transaction_id() -> None:
    for name, handle in handles(create_metrics()).items():
        # prometheus_client keeps a metric's declared label names here (no public accessor)
        labels = set(getattr(handle, "_labelnames", ()))
        assert not labels & ID_LABELS, (name, labels)


def test_histogram_buckets_ascend() -> None:
    for name, handle in handles(create_metrics()).items():
        if isinstance(handle, Histogram):
            bounds = [float(b) for b in getattr(handle, "_upper_bounds", [])]
            assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), name


def sample(metrics: Metrics, name: str, labels: dict[str, str]) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_stage_times_one_stage_into_the_consumer_stage_histogram() -> None:
    metrics = create_metrics()
    with stage(metrics, "read"):
        pass
    with stage(metrics, "read"), stage(metrics, "write"):
        pass
    assert sample(metrics, "fraudd_consumer_stage_seconds_count", {"stage": "read"}) == 2
    assert sample(metrics, "fraudd_consumer_stage_seconds_count", {"stage": "write"}) == 1


def test_stage_without_metrics_only_runs_the_block() -> None:
    ran = []
    with stage(None, "read"):
        ran.append(True)
    assert ran == [True]


def test_stage_records_the_time_of_a_failed_stage_too() -> None:
    metrics = create_metrics()
    with pytest.raises(RuntimeError), stage(metrics, "store"):
        raise RuntimeError("the statement failed")
    assert sample(metrics, "fraudd_consumer_stage_seconds_count", {"stage": "store"}) == 1
