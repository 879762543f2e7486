"""The roles and the four sections that move transactions: their bounds (what each refuses, with
which message), the consumer's instance rule, and loading them from TOML and the environment."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from fraudd.settings import (
    ALL_ROLES,
    KNOWN_ROLES,
    ActionsSettings,
    ConfigError,
    ConsumerSettings,
    IngestSettings,
    ProducerSettings,
    Settings,
    load_settings,
)
from tests.settings.loading import assert_refused, loaded, write


def test_a_section_derived_alone_checks_its_own_rules() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"must be below consumer\.instance_count"):
        Settings().consumer.derive(instance_index=1)


def test_run_starts_the_four_transaction_roles_and_the_console_only_by_name() -> None:
    assert ALL_ROLES == ("producer", "ingest", "consumer", "actions")
    assert KNOWN_ROLES == (*ALL_ROLES, "console")
    assert Settings().roles == ALL_ROLES


def test_roles_from_the_environment_and_an_unknown_role_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAUDD_ROLES", '["consumer", "console"]')
    assert load_settings().roles == ("consumer", "console")
    monkeypatch.setenv("FRAUDD_ROLES", '["scorer"]')
    with pytest.raises(ConfigError, match=r"roles\.0: Input should be 'producer', 'ingest'"):
        load_settings()


@pytest.mark.parametrize(
    ("section", "values", "message"),
    [
        (ProducerSettings, {"rate_tps": 0}, "greater than 0"),
        (ProducerSettings, {"customers": 0}, "greater than or equal to 1"),
        (ProducerSettings, {"speedup": -1}, "greater than 0"),
        (ProducerSettings, {"label_delay_days": -0.5}, "greater than or equal to 0"),
        # one PutRecords/GetRecords call takes at most 10,000 records
        (IngestSettings, {"batch_records": 10_001}, "less than or equal to 10000"),
        (IngestSettings, {"poll_interval_s": 0}, "greater than 0"),
        (ConsumerSettings, {"group": "Team-A"}, "lower-case SQL identifier"),
        (ConsumerSettings, {"instance_count": 0}, "greater than or equal to 1"),
        (ConsumerSettings, {"instance_index": -1}, "greater than or equal to 0"),
        (ConsumerSettings, {"max_future_days": 0}, "greater than 0"),
        (ActionsSettings, {"batch_alerts": 1001}, "less than or equal to 1000"),
        (ActionsSettings, {"block_hours": 0}, "greater than 0"),
    ],
)
def test_each_bound_is_refused_with_its_message(
    section: type[pydantic.BaseModel], values: dict[str, object], message: str
) -> None:
    assert_refused(section, values, message)


def test_instance_i_of_n_counts_from_zero() -> None:
    assert ConsumerSettings(instance_index=2, instance_count=3).instance_index == 2
    with pytest.raises(pydantic.ValidationError, match=r"must be below consumer\.instance_count"):
        ConsumerSettings(instance_index=3, instance_count=3)


def test_role_sections_load_from_toml_with_the_environment_on_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = loaded(
        tmp_path,
        monkeypatch,
        "[producer]\nrate_tps = 50\nseed = 7\n[consumer]\ngroup = 'shadow'\n"
        "instance_count = 4\n[actions]\nblock_hours = 12\n",
        FRAUDD_CONSUMER__INSTANCE_INDEX="3",
        FRAUDD_INGEST__BATCH_RECORDS="500",
    )
    assert (s.producer.rate_tps, s.producer.seed, s.producer.customers) == (50.0, 7, 5000)
    assert (s.consumer.group, s.consumer.instance_index, s.consumer.instance_count) == (
        "shadow", 3, 4,
    )  # fmt: skip
    assert (s.ingest.batch_records, s.actions.block_hours) == (500, 12.0)


def test_the_instance_rule_holds_across_toml_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRAUDD_CONSUMER__INSTANCE_INDEX", "4")
    with pytest.raises(ConfigError, match=r"^invalid configuration: consumer\.instance_index: "):
        load_settings(write(tmp_path, "[consumer]\ninstance_count = 4\n"))
