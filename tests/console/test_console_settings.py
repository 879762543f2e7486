"""The console's settings: defaults, and the start-up checks that stop a console that could be
impersonated (one line, exit 78 via ConfigError)."""

from __future__ import annotations

import pytest

from fraudd.settings import ConfigError, load_settings

SIGNER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/fraudd/1"


def test_defaults_are_loopback_8082_local_tokens() -> None:
    c = load_settings(None).console
    assert (c.host, c.port, c.auth, c.token_secret) == ("127.0.0.1", 8082, "local", None)
    assert "console" not in load_settings(None).roles  # asked for by name


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"roles": ("console",), "console": {"auth": "alb"}}, "console.alb_signer_arn"),
        ({"console": {"token_secret": "short"}}, "at least 32 characters"),
        ({"profile": "aws", "roles": ("console",)}, "console.token_secret: required"),
    ],
)
def test_unsafe_console_settings_stop_at_start(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(None, **overrides)


def test_alb_with_a_pinned_signer_and_a_secret_is_accepted() -> None:
    s = load_settings(
        None, profile="aws", roles=("console",),
        console={"auth": "alb", "alb_signer_arn": SIGNER, "token_secret": "x" * 40},
    )  # fmt: skip
    assert s.console.alb_signer_arn == SIGNER
    assert "x" * 40 not in str(s.model_dump(mode="json"))  # the secret is redacted
