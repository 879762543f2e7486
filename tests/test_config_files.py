"""The shipped configuration files: both validate, and the AWS example documents every setting."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from fraudd.settings import Settings, load_settings

CONFIG = Path(__file__).resolve().parents[1] / "config"
AWS_EXAMPLE = CONFIG / "aws.example.toml"
TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "aws" / "fraudd.yaml"
_KEY = re.compile(r"^(?P<hash>#\s*)?(?P<key>[a-z][a-z0-9_]*)\s*=")
_SECTION = re.compile(r"^\[(?P<name>[a-z_]+)\]\s*$")


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the file under test counts: drop any FRAUDD_* variable of the test environment."""
    for name in list(os.environ):
        if name.upper().startswith("FRAUDD_"):
            monkeypatch.delenv(name)


def documented_keys(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """``(section, key)`` -> how the file shows it: commented out or not, and its comment.

    Section "" is the top level. A key's comment is its inline comment or the comment lines
    right above it.
    """
    keys: dict[tuple[str, str], dict[str, Any]] = {}
    section, comment_above = "", ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if (header := _SECTION.match(line)) is not None:
            section, comment_above = header.group("name"), ""
        elif (key := _KEY.match(line)) is not None:
            inline = line.split("#", 2)[-1] if "#" in line.lstrip("#") else ""
            keys[(section, key.group("key"))] = {
                "commented_out": key.group("hash") is not None,
                "comment": (comment_above + " " + inline).strip(),
            }
            comment_above = ""
        elif line.startswith("#"):
            comment_above += " " + line.lstrip("# ")
        elif not line:
            comment_above = ""
    return keys


def settings_fields() -> dict[tuple[str, str], Any]:
    """Every setting as ``(section, key)`` (TOML spelling: aliases win) -> its default."""
    fields: dict[tuple[str, str], Any] = {}
    for name, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for sub, sub_info in model.model_fields.items():
                fields[(name, sub_info.alias or sub)] = sub_info.default
        else:
            fields[("", name)] = info.default
    return fields


@pytest.mark.parametrize(
    ("name", "profile"), [("local.toml", "local"), ("aws.example.toml", "aws")]
)
def test_shipped_config_files_validate(name: str, profile: str) -> None:
    assert load_settings(CONFIG / name).profile == profile


def test_aws_example_is_a_redshift_deployment() -> None:
    s = load_settings(AWS_EXAMPLE)
    assert (s.profile, s.warehouse.dialect) == ("aws", "redshift")
    assert s.warehouse.sslmode == "verify-full" and not s.warehouse.allow_insecure_tls
    assert set(s.roles) == {"consumer", "actions"}  # never "ingest" on AWS
    assert s.aws.access_key_id is None and s.aws.secret_access_key is None  # the instance role
    assert s.warehouse.password.get_secret_value() == ""  # secrets live in the environment file


def test_aws_example_documents_every_setting() -> None:
    documented = documented_keys(AWS_EXAMPLE)
    fields = settings_fields()
    missing = sorted(f"{s}.{k}".lstrip(".") for s, k in fields if (s, k) not in documented)
    assert not missing, f"settings missing from {AWS_EXAMPLE.name}: {missing}"
    unknown = sorted(f"{s}.{k}".lstrip(".") for s, k in documented if (s, k) not in fields)
    assert not unknown, f"keys that are not settings: {unknown}"
    for (section, key), shown in documented.items():
        assert shown["comment"], f"{section}.{key} has no comment"
        if shown["commented_out"]:  # only settings without a value by default may be left out
            assert fields[(section, key)] is None, f"{section}.{key} is commented out"


def test_aws_example_names_the_stack_output_of_each_key_it_feeds() -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    outputs = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=Loader)["Outputs"]
    documented = documented_keys(AWS_EXAMPLE)
    fed = 0
    for output, spec in outputs.items():
        match = re.fullmatch(r"config key: ([a-z_]+)\.([a-z0-9_]+)", spec["Description"])
        if match is None:
            continue
        shown = documented[(match.group(1), match.group(2))]
        assert f"Output {output}" in shown["comment"], (output, match.group(0))
        fed += 1
    assert fed >= 5
