"""``[fields]``: the issuer's fields declared inline or in a fields file, validated at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudd.settings import ConfigError, load_settings
from tests.settings.loading import loaded, write

FILE = """
[merchant_country]
type = "string"
required = true
description = "ISO 3166-1 alpha-2 country of the merchant"

[device_score]
type = "number"
description = "the device's risk score"
"""


def test_fields_come_from_a_file_and_inline_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fields.toml").write_text(FILE)
    settings = loaded(
        tmp_path,
        monkeypatch,
        f'[fields]\nfile = "{tmp_path / "fields.toml"}"\n'
        '[fields.declared.card_present]\ntype = "boolean"\ndescription = "chip or swipe"\n',
    )
    declared = settings.fields.declared
    assert [(f.name, f.type, f.required) for f in declared] == [
        ("merchant_country", "string", True),
        ("device_score", "number", False),
        ("card_present", "boolean", False),
    ]
    assert settings.derive(producer={"rate_tps": 5}).fields == settings.fields  # no doubling


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[fields.declared.amount]\ntype = "number"\ndescription = "x"', "'amount' is a built-in"),
        ('[fields.declared.Country]\ntype = "string"\ndescription = "x"', "lower-case SQL"),
        ('[fields.declared.country]\ntype = "text"\ndescription = "x"', "'string', 'number'"),
        ('[fields.declared.country]\ntype = "string"', "description"),
        ('[fields.declared.country]\ntype = "string"\ndescription = "x"\nunit = 1', "unit"),
        ('[fields]\nfile = "/nonexistent/fields.toml"', "cannot read"),
    ],
)
def test_a_bad_declaration_stops_the_start(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        load_settings(write(tmp_path, toml))
    assert "\n" not in str(refused.value)


def test_a_name_declared_twice_differently_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fields.toml").write_text(FILE)
    toml = (
        f'[fields]\nfile = "{tmp_path / "fields.toml"}"\n'
        '[fields.declared.device_score]\ntype = "string"\ndescription = "x"\n'
    )
    with pytest.raises(ConfigError, match="'device_score' is declared twice"):
        load_settings(write(tmp_path, toml))


CNP = """
[[feature]]
name = "card_cnp_1d"
kind = "window"
entity = "card"
function = "count"
window = "1d"
filter = { card_present = [false] }
reason = "{card_cnp_1d:.0f} card-not-present swipes in 24 hours"
"""


def test_the_feature_catalog_reads_the_declared_fields(tmp_path: Path) -> None:
    (tmp_path / "features.toml").write_text(CNP)
    features = f'[features]\ncatalog = "{tmp_path / "features.toml"}"\nmode = "extend"\n'
    with pytest.raises(
        ConfigError, match=r"features\.catalog: .*unknown filter field 'card_present'"
    ):
        load_settings(write(tmp_path, features))
    declared = '[fields.declared.card_present]\ntype = "boolean"\ndescription = "chip or swipe"\n'
    settings = load_settings(write(tmp_path, features + declared))
    assert settings.features.selected().features[-1] == "card_cnp_1d"
    assert (
        settings.derive(producer={"rate_tps": 5}).features.selected().fields["card_present"] is bool
    )
