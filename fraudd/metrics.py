"""Every Prometheus metric fraudd exports, declared in one place.

Names follow ``fraudd_<noun>_<unit>``; durations are seconds. Labels never carry card or
transaction ids (unbounded cardinality, and card data hygiene). The registry is passed in so
that each test can use its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SCORE_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


@dataclass(frozen=True)
class Metrics:
    """Handles to all metrics, bound to one registry."""

    registry: CollectorRegistry
    build: Info
    records_produced: Counter
    put_records_failed: Counter
    swipes_declined: Counter
    declined_amount: Counter
    cards_reissued: Counter
    records_ingested: Counter
    ingest_behind: Gauge
    records_decided: Counter
    records_dead_lettered: Counter
    consumer_lag: Gauge
    consumer_lag_records: Gauge
    end_to_end_latency: Histogram
    score: Histogram
    batch_duration: Histogram
    consumer_stage: Histogram
    batch_rows: Histogram
    alerts_published: Counter
    alert_publish_failures: Counter
    outbox_pending: Gauge
    blocks_written: Counter
    labels_written: Counter
    model_info: Gauge
    model_created: Gauge
    task_heartbeat: Gauge
    dependency_up: Gauge
    retries: Counter
    cases_open: Gauge
    verdicts: Counter
    alert_to_verdict: Histogram
    label_disagreements: Counter
    console_refusals: Counter


VERDICT_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 4 * 3600.0, 8 * 3600.0, 86400.0, 3 * 86400.0)


def create_metrics(registry: CollectorRegistry | None = None) -> Metrics:
    """Declare every metric on ``registry`` (a fresh one when omitted)."""
    r = registry if registry is not None else CollectorRegistry()
    return Metrics(
        registry=r,
        build=Info("fraudd_build", "fraudd version", registry=r),
        records_produced=Counter(
            "fraudd_records_produced_total", "Records accepted by Kinesis PutRecords", registry=r
        ),
        put_records_failed=Counter(
            "fraudd_put_records_failed_total",
            "PutRecords entries that failed and were resent",
            ["error_code"],
            registry=r,
        ),
        swipes_declined=Counter(
            "fraudd_swipes_declined_total",
            "Swipes the card application declined because the card is blocked",
            ["fraud"],
            registry=r,
        ),
        declined_amount=Counter(
            "fraudd_swipes_declined_amount_total",
            "Amount of swipes declined because the card is blocked (transaction currency)",
            ["fraud"],
            registry=r,
        ),
        cards_reissued=Counter(
            "fraudd_cards_reissued_total",
            "Blocked cards for which the simulated card application ordered a new card",
            registry=r,
        ),
        records_ingested=Counter(
            "fraudd_records_ingested_total", "Records appended to the streaming view", registry=r
        ),
        ingest_behind=Gauge(
            "fraudd_ingest_behind_seconds",
            "MillisBehindLatest of the last GetRecords, as seconds (max over shards)",
            registry=r,
        ),
        records_decided=Counter(
            "fraudd_records_decided_total", "Decisions committed", ["decision"], registry=r
        ),
        records_dead_lettered=Counter(
            "fraudd_records_dead_lettered_total",
            "Records quarantined in the dead-letter table",
            ["reason"],
            registry=r,
        ),
        consumer_lag=Gauge(
            "fraudd_consumer_lag_seconds",
            "Age of the oldest row in the streaming view not yet decided (0 when caught up)",
            registry=r,
        ),
        consumer_lag_records=Gauge(
            "fraudd_consumer_lag_records",
            "Rows in the streaming view past the watermark after the last poll",
            registry=r,
        ),
        end_to_end_latency=Histogram(
            "fraudd_end_to_end_latency_seconds",
            "Wall clock from production of a swipe to its decision committed",
            buckets=LATENCY_BUCKETS,
            registry=r,
        ),
        score=Histogram(
            "fraudd_score_ratio",
            "Fraud scores of decided transactions",
            buckets=SCORE_BUCKETS,
            registry=r,
        ),
        batch_duration=Histogram(
            "fraudd_batch_duration_seconds",
            "Time to process one batch",
            ["task"],
            buckets=BATCH_BUCKETS,
            registry=r,
        ),
        consumer_stage=Histogram(
            "fraudd_consumer_stage_seconds",
            "Time of each stage of a consumer batch: read, store, velocity, features, score, write",
            ["stage"],
            buckets=BATCH_BUCKETS,
            registry=r,
        ),
        batch_rows=Histogram(
            "fraudd_batch_rows",
            "Rows in one batch",
            ["task"],
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000),
            registry=r,
        ),
        alerts_published=Counter(
            "fraudd_alerts_published_total", "Alerts accepted by SNS", registry=r
        ),
        alert_publish_failures=Counter(
            "fraudd_alert_publish_failures_total",
            "Alerts SNS did not accept (will be retried)",
            registry=r,
        ),
        outbox_pending=Gauge(
            "fraudd_outbox_pending_alerts", "Alerts in the outbox not yet published", registry=r
        ),
        blocks_written=Counter(
            "fraudd_blocks_written_total", "Card blocks written to the warehouse", registry=r
        ),
        labels_written=Counter(
            "fraudd_labels_written_total",
            "Delayed fraud labels written by the simulator",
            registry=r,
        ),
        model_info=Gauge(
            "fraudd_model_info", "The active model (value 1)", ["version", "backend"], registry=r
        ),
        model_created=Gauge(
            "fraudd_model_created_timestamp_seconds",
            "Creation time of the active model",
            registry=r,
        ),
        task_heartbeat=Gauge(
            "fraudd_task_heartbeat_timestamp_seconds",
            "Last time each task made progress",
            ["task"],
            registry=r,
        ),
        dependency_up=Gauge(
            "fraudd_dependency_up",
            "1 when the dependency answered its last check",
            ["dependency"],
            registry=r,
        ),
        retries=Counter(
            "fraudd_retries_total", "Retries of transient errors", ["operation"], registry=r
        ),
        cases_open=Gauge("fraudd_cases_open", "Cases awaiting an investigator", registry=r),
        verdicts=Counter(
            "fraudd_verdicts_total", "Verdicts recorded by investigators", ["outcome"], registry=r
        ),
        alert_to_verdict=Histogram(
            "fraudd_alert_to_verdict_seconds",
            "Time from a case's first alert to the verdict that closed it",
            buckets=VERDICT_BUCKETS,
            registry=r,
        ),
        label_disagreements=Counter(
            "fraudd_label_disagreements_total",
            "Verdicts and chargebacks that disagree on a transaction (the chargeback is kept)",
            registry=r,
        ),
        console_refusals=Counter(
            "fraudd_console_refusals_total",
            "Console requests refused",
            ["reason"],
            registry=r,
        ),
    )


@contextmanager
def stage(metrics: Metrics | None, name: str) -> Iterator[None]:
    """Time one stage of a consumer batch into ``fraudd_consumer_stage_seconds{stage}``."""
    if metrics is None:
        yield
        return
    with metrics.consumer_stage.labels(stage=name).time():
        yield
