"""The roles a process can run, and the sections of the four that move transactions: producer
(the card application simulator), ingest (local stack only), consumer and actions."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from fraudd.settings.base import Section, SqlIdentifier, conflict

Role = Literal["producer", "ingest", "consumer", "actions", "console"]
FraudMode = Literal["handbook", "extended"]
"""The simulator's fraud: the handbook's scenarios 1-3 only, or also the issuer's kinds 4-7
(:mod:`fraudd.simulator.timeline`). Declared here, at the bottom of the layers, for settings."""
ALL_ROLES: tuple[Role, ...] = ("producer", "ingest", "consumer", "actions")
"""The roles ``fraudd run`` starts by default (the console is asked for by name)."""
KNOWN_ROLES: tuple[Role, ...] = (*ALL_ROLES, "console")


class ProducerSettings(Section):
    rate_tps: float = Field(default=200.0, gt=0)
    customers: int = Field(default=5000, ge=1)
    terminals: int = Field(default=10000, ge=1)
    seed: int = 42
    speedup: float = Field(default=1.0, gt=0, description="Simulated seconds per wall second.")
    block_cache_ttl_s: float = Field(default=1.0, ge=0)
    label_delay_days: float = Field(default=7.0, ge=0)
    fraud: FraudMode = Field(
        default="handbook",
        description="Simulated fraud: handbook (scenarios 1-3, the published comparison's data) "
        "or extended (cardholders with habits and the issuer's kinds of fraud, scenarios 4-7).",
    )
    reissue_days: float = Field(
        default=3.0,
        ge=0,
        description="Simulated days after the card application learns of a block until the "
        "cardholder's new card (new token and last 4 digits) is in use; the old token declines.",
    )


class IngestSettings(Section):
    poll_interval_s: float = Field(default=0.2, gt=0)
    batch_records: int = Field(default=10000, ge=1, le=10000)


class ConsumerSettings(Section):
    group: SqlIdentifier = "default"
    poll_interval_s: float = Field(default=0.2, gt=0)
    batch_rows: int = Field(default=5000, ge=1)
    instance_index: int = Field(default=0, ge=0)
    instance_count: int = Field(default=1, ge=1)
    max_future_days: float = Field(
        default=30.0,
        gt=0,
        description="Quarantine swipes whose event time leads their arrival by more than this "
        "(simulated traffic at a high speed-up needs more).",
    )

    @model_validator(mode="after")
    def _instance_is_one_of_the_count(self) -> Self:
        """Instance I of N owns the shards whose number is I mod N: I counts from 0 to N - 1."""
        if self.instance_index >= self.instance_count:
            raise conflict("instance_index", "must be below consumer.instance_count")
        return self


class ActionsSettings(Section):
    poll_interval_s: float = Field(default=0.2, gt=0)
    batch_alerts: int = Field(default=100, ge=1, le=1000)
    block_hours: float = Field(default=24.0 * 30, gt=0)
