"""The HTTP endpoint's and the console's sections: ports, lifetimes, the token secret's length,
and loading them from TOML and the environment (the secret stays secret)."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
from pydantic import SecretStr

from fraudd.settings import ConfigError, ConsoleSettings, HttpSettings, load_settings, redacted
from fraudd.settings.servers import MIN_TOKEN_SECRET
from tests.settings.loading import assert_refused, loaded


def test_the_token_secret_must_be_long_enough() -> None:
    enough = "s" * MIN_TOKEN_SECRET
    assert ConsoleSettings(token_secret=SecretStr(enough)).token_secret == SecretStr(enough)
    with pytest.raises(pydantic.ValidationError, match="must be at least 32 characters"):
        ConsoleSettings(token_secret=SecretStr(enough[:-1]))
    assert ConsoleSettings().token_secret is None  # the local profile keeps a random one


@pytest.mark.parametrize(
    ("section", "values", "message"),
    [
        (HttpSettings, {"port": 65536}, "less than or equal to 65535"),
        (HttpSettings, {"port": -1}, "greater than or equal to 0"),
        (HttpSettings, {"heartbeat_timeout_s": 0}, "greater than 0"),
        (ConsoleSettings, {"auth": "oidc"}, "Input should be 'local' or 'alb'"),
        (ConsoleSettings, {"token_ttl_s": 3601}, "less than or equal to 3600"),
        (ConsoleSettings, {"session_ttl_s": 24 * 3600 + 1}, "less than or equal to 86400"),
        (ConsoleSettings, {"page_size": 501}, "less than or equal to 500"),
        (ConsoleSettings, {"history_rows": 0}, "greater than or equal to 1"),
        (ConsoleSettings, {"intake_days": 0}, "greater than 0"),
    ],
)
def test_each_bound_is_refused_with_its_message(
    section: type[pydantic.BaseModel], values: dict[str, object], message: str
) -> None:
    assert_refused(section, values, message)


def test_port_zero_asks_the_kernel_for_a_free_port() -> None:
    assert HttpSettings(port=0).port == 0 and ConsoleSettings(port=0).port == 0


def test_servers_load_from_toml_and_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "x" * 40
    s = loaded(
        tmp_path,
        monkeypatch,
        "[http]\nport = 9200\n[console]\nauth = 'alb'\n"
        "investigator_groups = ['fraud-team']\npublic_url = 'https://console.example'\n",
        FRAUDD_CONSOLE__TOKEN_SECRET=secret,
        FRAUDD_HTTP__HOST="0.0.0.0",
    )
    assert (s.http.host, s.http.port) == ("0.0.0.0", 9200)
    assert (s.console.auth, s.console.investigator_groups) == ("alb", ("fraud-team",))
    assert s.console.token_secret is not None
    assert s.console.token_secret.get_secret_value() == secret
    assert secret not in str(redacted(s)) and secret not in repr(s)


def test_a_short_secret_from_the_environment_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDD_CONSOLE__TOKEN_SECRET", "short")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == (
        "invalid configuration: console.token_secret: must be at least 32 characters"
    )
