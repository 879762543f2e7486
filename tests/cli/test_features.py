"""``fraudd features list|sql|check`` (fraudd.cli.features): the catalog as the warehouse will
compute it, and a bad catalog refused with one line naming the feature, exit 78."""

from __future__ import annotations

from pathlib import Path

from fraudd.feature_catalog import CORE, built_in, core
from fraudd.warehouse import feature_queries
from tests.cli.conftest import Invoke, one_line
from tests.settings.test_features import EXTRA

OWN = """
[[feature]]
name = "card_1h"
kind = "window"
entity = "card"
function = "count"
window = "1h"
description = "the card's swipes in the last hour"
reason = "card used {card_1h:.0f} times in the last hour"
"""

COMPOUND = """
[[feature]]
name = "card_mcc_30d"
kind = "window"
entity = ["customer", "merchant_category"]
function = "count"
window = "30d"
reason = "card used this merchant category {card_mcc_30d:.0f} times in 30 days"

[[feature]]
name = "mcc_channel_1h"
kind = "window"
entity = ["merchant_category", "channel"]
function = "count"
window = "1h"
reason = "{mcc_channel_1h:.0f} swipes of this category and channel in the last hour"
"""


def test_list_names_every_feature_with_its_kind(invoke: Invoke) -> None:
    done = invoke("features", "list")
    assert done.returncode == 0
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert [r[0] for r in rows[: len(built_in().features)]] == list(built_in().features)
    assert rows[0] == ["amount", "field", "the transaction's amount"]
    hidden = rows[len(built_in().features) :]
    assert hidden and all(r[2].endswith("(hidden: an input of derived features)") for r in hidden)


def test_sql_prints_what_the_warehouse_runs(invoke: Invoke, tmp_path: Path) -> None:
    for dialect in ("postgres", "redshift"):
        for path in ("serving", "training"):
            done = invoke("features", "sql", "--dialect", dialect, "--path", path)
            queries = feature_queries(dialect, "fraudd")  # type: ignore[arg-type]
            assert done.stdout == getattr(queries, path), (dialect, path)
    own = tmp_path / "own.toml"
    own.write_text(OWN)
    done = invoke("features", "sql", "--catalog", str(own), "--schema", "issuer")
    assert "u.card_token = b.card_token" in done.stdout and "issuer.transactions" in done.stdout
    assert "AS card_1h" in done.stdout and "amount_z_30d" not in done.stdout
    bad = invoke("features", "sql", "--schema", "x; drop")
    assert bad.returncode == 2 and "lower-case SQL identifier" in one_line(bad)


def test_check(invoke: Invoke, tmp_path: Path) -> None:
    done = invoke("features", "check", str(CORE))
    assert done.returncode == 0
    fingerprint = core().fingerprint[:12]
    assert done.stdout == (
        f"{CORE}: 23 features (2 hidden), look-back 888 hours, fingerprint {fingerprint}\n"
    )
    own = tmp_path / "own.toml"
    own.write_text(OWN)
    done = invoke("features", "check", str(own))
    assert done.returncode == 0 and done.stdout.splitlines()[1].startswith(
        "note: feature 'card_1h': PostgreSQL has no (card_token, tx_time) index"
    )
    own.write_text(OWN + OWN)
    done = invoke("features", "check", str(own))
    assert done.returncode == 78
    assert one_line(done) == (
        f"fraudd: features: {own}: feature 'card_1h': declared twice: fix the catalog file"
    )
    own.write_text(COMPOUND)
    done = invoke("features", "check", str(own))
    assert done.returncode == 0 and done.stdout.splitlines()[1:] == [
        "note: feature 'mcc_channel_1h': PostgreSQL has no (merchant_category, tx_time) index, "
        "so its serving window reads the whole table per transaction; add that index first"
    ]  # the card in a merchant category ranges over the customer's index: no note
    missing = invoke("features", "check", str(tmp_path / "none.toml"))
    assert missing.returncode == 78 and "cannot read the catalog" in one_line(missing)


OVER_A_DECLARED_FIELD = """
[[feature]]
name = "card_cnp_1d"
kind = "window"
entity = "card"
function = "count"
window = "1d"
filter = { card_present = [false] }
reason = "{card_cnp_1d:.0f} card-not-present swipes in 24 hours"
"""


def test_a_catalog_may_read_the_fields_the_settings_declare(
    invoke: Invoke, tmp_path: Path
) -> None:
    own = tmp_path / "own.toml"
    own.write_text(OVER_A_DECLARED_FIELD)
    refused = invoke("features", "check", str(own))
    assert refused.returncode == 78 and "unknown filter field 'card_present'" in one_line(refused)
    config = tmp_path / "fraudd.toml"
    config.write_text(
        '[fields.declared.card_present]\ntype = "boolean"\ndescription = "chip or swipe"\n'
    )
    done = invoke("--config", str(config), "features", "sql", "--catalog", str(own))
    assert done.returncode == 0 and "u.card_present IN (FALSE)" in done.stdout


def test_list_and_check_the_configured_catalog(invoke: Invoke, tmp_path: Path) -> None:
    """Without --catalog, list shows what the settings select; check --mode extend checks a
    file that uses the built-in features."""
    path = tmp_path / "features.toml"
    path.write_text(EXTRA)
    env = {"FRAUDD_FEATURES__CATALOG": str(path), "FRAUDD_FEATURES__MODE": "extend"}
    listed = invoke("features", "list", env=env)
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    after = len(built_in().features)
    assert listed.returncode == 0
    assert names[after : after + 2] == ["card_count_cnp_1h", "cnp_share_1h"]
    assert invoke("features", "check", str(path), "--mode", "extend").returncode == 0
    alone = invoke("features", "check", str(path))
    assert alone.returncode == 78 and "unknown input 'cust_count_1d'" in one_line(alone)
