"""The features section: a user's catalog file replaces or extends the built-in one, and a bad
one stops every command at start with one line naming the feature (exit 78)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fraudd.feature_catalog import built_in
from fraudd.settings import ConfigError, FeatureSettings, load_settings

EXTRA = """
[[feature]]
name = "card_count_cnp_1h"
kind = "window"
entity = "card"
function = "count"
window = "1h"
filter = { channel = ["cnp"] }
description = "the card's card-not-present swipes in the last hour, this one included"
reason = "{card_count_cnp_1h:.0f} card-not-present swipes in the last hour"

[[feature]]
name = "cnp_share_1h"
kind = "ratio"
of = ["card_count_cnp_1h", "cust_count_1d"]
reason = "{cnp_share_1h:.0%} of the card's day was card-not-present"
"""


def catalog_file(tmp_path: Path, text: str = EXTRA) -> Path:
    path = tmp_path / "features.toml"
    path.write_text(text)
    return path


def test_unset_is_the_built_in_catalog() -> None:
    assert FeatureSettings().selected() == built_in()


def test_extend_adds_the_files_features_after_the_built_in_ones(tmp_path: Path) -> None:
    catalog = FeatureSettings(catalog=catalog_file(tmp_path), mode="extend").selected()
    assert catalog.features == (*built_in().features, "card_count_cnp_1h", "cnp_share_1h")
    assert catalog.fingerprint != built_in().fingerprint
    assert catalog.text.startswith(built_in().text) and catalog.text.endswith(EXTRA)


def test_replace_uses_the_file_alone(tmp_path: Path) -> None:
    alone = EXTRA.replace('"cust_count_1d"]', '"card_count_cnp_1h"]')
    catalog = FeatureSettings(catalog=catalog_file(tmp_path, alone)).selected()
    assert catalog.features == ("card_count_cnp_1h", "cnp_share_1h")


def test_replace_refuses_a_file_that_needs_the_built_in_features(tmp_path: Path) -> None:
    """cnp_share_1h divides by cust_count_1d, which only the built-in catalog declares."""
    with pytest.raises(ConfigError) as refused:
        load_settings(None, features={"catalog": catalog_file(tmp_path)})
    assert str(refused.value) == (
        f"invalid configuration: features.catalog: {tmp_path / 'features.toml'}: "
        "feature 'cnp_share_1h': unknown input 'cust_count_1d'"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (EXTRA.replace('"card"', '"merchant"'), "feature 'card_count_cnp_1h': entity: unknown"),
        (EXTRA.replace('"1h"', '"1w"'), "feature 'card_count_cnp_1h': window: '1w' is not"),
        (EXTRA.replace("card_count_cnp_1h", "amount"), "feature 'amount': declared twice"),
        (
            EXTRA.replace('"cust_count_1d"]', '"cnp_share_1h"]'),
            "feature 'cnp_share_1h': cycle between derived features",
        ),
    ],
)
def test_a_bad_catalog_stops_fraudd_at_start(tmp_path: Path, text: str, problem: str) -> None:
    """Any command, as it loads its settings: exit 78, one line naming the feature."""
    path = catalog_file(tmp_path, text)
    env = {"FRAUDD_FEATURES__CATALOG": str(path), "FRAUDD_FEATURES__MODE": "extend"}
    run = subprocess.run(
        [sys.executable, "-m", "fraudd", "model", "list"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 78 and run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"fraudd: invalid configuration: features.catalog: {path}: {problem}")
