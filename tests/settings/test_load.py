"""Settings: TOML + environment, frozen, extra keys refused, secrets redacted, exit 78 (the rules
across fields: test_checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from fraudd.settings import ConfigError, Settings, load_settings, redacted
from tests.settings.loading import write


def test_toml_then_environment_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[warehouse]\nport = 6000\npool_size = 3\n")
    monkeypatch.setenv("FRAUDD_WAREHOUSE__POOL_SIZE", "9")
    s = load_settings(path)
    assert s.warehouse.port == 6000
    assert s.warehouse.pool_size == 9


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDD_CONFIG", str(write(tmp_path, "[kinesis]\nshard_count = 4\n")))
    assert load_settings().kinesis.shard_count == 4


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""))
    with pytest.raises(Exception, match="frozen"):
        s.warehouse.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[warehouse]\nnope = 1\n", "warehouse.nope: unknown key"),
        ("bogus = true\n", "bogus: unknown key"),
        ("[warehouse]\nport = 'abc'\n", "warehouse.port"),
        ("[warehouse]\nschema = 'x; drop table'\n", "warehouse.schema"),
        ("[kinesis]\nstream_name = 'a b'\n", "kinesis.stream_name"),
        ("[consumer]\ninstance_index = 2\ninstance_count = 2\n", "consumer.instance_index"),
        ("[warehouse\n", "not valid TOML"),
        ("[scoring]\nbackend = 'sagemaker'\n", "scoring.sagemaker_endpoint"),
        ("[scoring]\nbackend = 'redshift-ml'\n", "scoring.backend"),
    ],
)
def test_invalid_configuration_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_settings(write(tmp_path, text))


def test_unknown_env_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDD_WAREHOUSE__NOPE", "1")
    with pytest.raises(ConfigError, match=r"warehouse\.nope: unknown key"):
        load_settings()


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")


def test_metrics_bind_to_loopback_by_default() -> None:
    assert load_settings().http.host == "127.0.0.1"


def test_secrets_are_redacted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[warehouse]\npassword = 'hunter2-secret'\n[aws]\nsecret_access_key = 'abc-secret'\n",
    )
    s = load_settings(path)
    shown = str(redacted(s))
    assert "hunter2-secret" not in shown and "abc-secret" not in shown
    assert "hunter2-secret" not in repr(s) and "hunter2-secret" not in str(s)
    assert s.warehouse.password.get_secret_value() == "hunter2-secret"


def test_derive_merges_sections_and_validates_again() -> None:
    import pydantic

    base = Settings(warehouse={"schema": "fraudd", "password": SecretStr("pw")})
    variant = base.derive(consumer={"group": "g2"}, warehouse={"schema_name": "other"})
    assert (variant.consumer.group, variant.warehouse.schema_name) == ("g2", "other")
    assert variant.warehouse.password.get_secret_value() == "pw"  # untouched fields kept
    assert variant.kinesis == base.kinesis and base.consumer.group != "g2"
    with pytest.raises(pydantic.ValidationError):
        base.derive(warehouse={"schema_name": "x; DROP TABLE t"})  # model_copy let this through
    with pytest.raises(ValueError, match="no section"):
        base.derive(nonsense={"a": 1})
