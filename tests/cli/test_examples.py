"""``fraudd config example`` (fraudd.cli.examples): the examples shipped in the package, printed
byte for byte (``install.sh`` starts /etc/fraudd/fraudd.toml from the AWS one)."""

from __future__ import annotations

from pathlib import Path

from fraudd.examples import example_text
from fraudd.settings import load_settings
from tests.cli.conftest import Invoke, one_line


def test_the_aws_example_is_the_default(invoke: Invoke) -> None:
    default, aws = invoke("config", "example"), invoke("config", "example", "--aws")
    assert default.returncode == aws.returncode == 0
    assert default.stdout == aws.stdout == example_text("aws")
    assert 'dialect = "redshift"' in aws.stdout


def test_the_local_example_is_the_local_profile(invoke: Invoke, tmp_path: Path) -> None:
    done = invoke("config", "example", "--local")
    assert done.returncode == 0 and done.stdout == example_text("local")
    written = tmp_path / "fraudd.toml"
    written.write_text(done.stdout)  # what an operator saves loads as the local profile
    assert load_settings(written).profile == "local"


def test_both_at_once_is_a_usage_error(invoke: Invoke) -> None:
    done = invoke("config", "example", "--aws", "--local")
    assert done.returncode == 2 and done.stdout == ""
    assert one_line(done) == "fraudd: config example: choose one of --aws and --local"
