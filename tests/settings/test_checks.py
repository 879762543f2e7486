"""The rules across fields (fraudd.settings.checks and the sections' own validators): every
construction runs them, ``derive`` included, and a command whose options break one prints one
line and exits 78."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
from pydantic import SecretStr

from fraudd.settings import EX_CONFIG, ConfigError, Settings, describe, load_settings
from tests.cli.conftest import run_fraudd as run_cli
from tests.settings.loading import write


def test_redshift_on_aws_requires_verify_full(tmp_path: Path) -> None:
    base = "profile = 'aws'\n[warehouse]\ndialect = 'redshift'\n"
    with pytest.raises(ConfigError, match="verify-full"):
        load_settings(write(tmp_path, base + "sslmode = 'require'\n"))
    assert (
        load_settings(write(tmp_path, base + "sslmode = 'verify-full'\n")).warehouse.sslmode
        == "verify-full"
    )
    ok = load_settings(write(tmp_path, base + "sslmode = 'require'\nallow_insecure_tls = true\n"))
    assert ok.warehouse.allow_insecure_tls


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"consumer": {"instance_index": 2, "instance_count": 2}}, "consumer.instance_index"),
        ({"scoring": {"backend": "redshift-ml"}}, "scoring.backend"),
        ({"warehouse": {"dialect": "redshift", "iam_auth": True}}, "warehouse.iam_auth"),
        ({"profile": "aws", "warehouse": {"dialect": "redshift"}}, "warehouse.sslmode"),
        ({"roles": ("console",), "console": {"auth": "alb"}}, "console.alb_signer_arn"),
        ({"console": {"token_secret": SecretStr("short")}}, "console.token_secret"),
    ],
)
def test_derive_refuses_a_variant_that_breaks_a_rule_across_fields(changes: dict, key: str) -> None:
    """The cross-field rules are model validators: derive() runs them, not only load_settings."""
    with pytest.raises(pydantic.ValidationError) as refused:
        Settings().derive(**changes)
    assert describe(refused.value).startswith(f"{key}: ")


def test_cli_option_that_breaks_a_rule_exits_78_with_one_line(tmp_path: Path) -> None:
    result = run_cli("--config", str(write(tmp_path, "")), "run", "--instance", "2-of-2")
    assert result.returncode == EX_CONFIG
    assert result.stderr.strip().splitlines() == [
        "fraudd: invalid configuration: consumer.instance_index: "
        "must be below consumer.instance_count"
    ]
