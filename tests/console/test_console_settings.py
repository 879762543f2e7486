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
        # local login tokens on AWS: refused unless console.allow_local_auth
        (
            {"profile": "aws", "roles": ("console",), "console": {"token_secret": "x" * 40}},
            'console.auth: must be "alb" on the aws profile',
        ),
        ({"console": {"tls_cert_file": "/etc/fraudd/tls/console.crt"}}, "tls_key_file"),
        # on Redshift on AWS the console acts as its own database user
        (
            {
                "profile": "aws", "roles": ("console",),
                "console": {"auth": "alb", "alb_signer_arn": SIGNER, "token_secret": "x" * 40},
                "warehouse": {"dialect": "redshift", "sslmode": "verify-full"},
            },
            "console.warehouse_user: required on Redshift",
        ),
        (
            {
                "profile": "aws", "roles": ("console",),
                "console": {"auth": "alb", "alb_signer_arn": SIGNER, "token_secret": "x" * 40},
                "warehouse": {
                    "dialect": "redshift", "sslmode": "verify-full", "iam_auth": True,
                    "driver": "redshift_connector", "serverless_workgroup": "fraudd",
                },
            },
            "console.warehouse_aws_profile: required on Redshift",
        ),
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


def test_local_tokens_on_aws_only_when_explicitly_allowed() -> None:
    s = load_settings(
        None, profile="aws", roles=("console",),
        console={"token_secret": "x" * 40, "allow_local_auth": True},
    )  # fmt: skip
    assert s.console.auth == "local" and s.console.allow_local_auth


def test_people_act_as_the_consoles_own_database_user() -> None:
    """for_people(): the warehouse section with console.warehouse_*, validated again."""
    s = load_settings(
        None,
        warehouse={"dialect": "redshift", "user": "fraudd", "password": "daemon-pw"},
        console={"warehouse_user": "fraudd_console", "warehouse_password": "console-pw"},
    )
    people = s.for_people()
    assert (people.warehouse.user, people.warehouse.password.get_secret_value()) == (
        "fraudd_console", "console-pw",
    )  # fmt: skip
    assert s.warehouse.user == "fraudd" and load_settings(None).for_people() == load_settings(None)
    iam = load_settings(None, console={"warehouse_aws_profile": "fraudd-console"}).for_people()
    assert iam.warehouse.aws_profile == "fraudd-console"


def test_the_people_variant_of_an_aws_redshift_console_validates() -> None:
    """for_people() re-validates the whole model: the console's own rules hold for it too."""
    console = {"auth": "alb", "alb_signer_arn": SIGNER, "token_secret": "x" * 40}
    password = load_settings(
        None, profile="aws", roles=("console",),
        console={**console, "warehouse_user": "fraudd_console", "warehouse_password": "pw"},
        warehouse={"dialect": "redshift", "sslmode": "verify-full", "user": "fraudd"},
    )  # fmt: skip
    assert password.for_people().warehouse.user == "fraudd_console"
    iam = load_settings(
        None, profile="aws", roles=("console",),
        console={**console, "warehouse_aws_profile": "fraudd-console"},
        warehouse={"dialect": "redshift", "sslmode": "verify-full", "iam_auth": True,
                   "driver": "redshift_connector", "serverless_workgroup": "fraudd"},
    )  # fmt: skip
    assert iam.for_people().warehouse.aws_profile == "fraudd-console"
