"""Loading and checking a catalog (fraudd/feature_catalog/catalog.py): the built-in one, and a
bad one refused with one line naming the feature and what is wrong."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path

import pytest

from fraudd.feature_catalog import (
    CORE,
    RECORD,
    RICH,
    CatalogError,
    built_in,
    core,
    load_catalog,
    parse_catalog,
)
from fraudd.model.record import HAND_WRITTEN_CATALOG

COUNT = """
[[feature]]
name = "{name}"
kind = "window"
entity = "{entity}"
function = "count"
window = "{window}"
reason = "{name} {{{name}:.0f}}"
"""


def window(name: str = "n_1d", entity: str = "card", window: str = "1d") -> str:
    return COUNT.format(name=name, entity=entity, window=window)


def derived(name: str, *inputs: str) -> str:
    listed = ", ".join(f'"{i}"' for i in inputs)
    return f'[[feature]]\nname = "{name}"\nkind = "ratio"\nof = [{listed}]\nreason = "r"\n'


def test_the_built_in_catalog() -> None:
    """catalog.toml's 23, then record.toml's features, which read the rest of the record."""
    catalog = built_in()
    assert catalog.features[:23] == core().features and catalog.features[0] == "amount"
    assert len(catalog.features) == 31 and "is_cnp" in catalog.features
    assert set(catalog.reasons) == set(catalog.features)
    assert catalog.lookback == core().lookback == timedelta(hours=888)
    assert load_catalog() is catalog and load_catalog(CORE).features == core().features
    assert RECORD.read_text() in catalog.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (window(entity="merchant"), "feature 'n_1d': entity: unknown entity 'merchant'"),
        (window(window="30x"), "feature 'n_1d': window: '30x' is not a duration"),
        (window(window="0h"), "feature 'n_1d': window 0h + delay 0h"),
        (window(window="500d"), "feature 'n_1d': window 500d + delay 0h: beyond 400d"),
        (window() + window(), "feature 'n_1d': declared twice"),
        (
            window() + derived("a", "n_1d", "b") + derived("b", "a", "n_1d"),
            "feature 'a': cycle between derived features: a -> b -> a",
        ),
        (window() + derived("r", "n_1d", "nope"), "feature 'r': unknown input 'nope'"),
        (
            '[[feature]]\nname = "x"\nkind = "field"\nfield = "colour"\nreason = "r"',
            "feature 'x': field: unknown numeric field 'colour'",
        ),
        (
            '[[feature]]\nname = "x"\nkind = "field"\nfield = "amount"',
            "feature 'x': needs 'reason' (investigator wording), or hidden = true",
        ),
        (
            '[[feature]]\nname = "x"\nkind = "field"\nfield = "amount"\nreason = "{y}"',
            "feature 'x': reason names no feature 'y'",
        ),
        (
            '[[feature]]\nname = "x"\nkind = "weekend"\ntime_zone = "Mars/Base"\nreason = "r"',
            "feature 'x': time_zone: unknown time_zone 'Mars/Base'",
        ),
        (
            window().replace('function = "count"', 'function = "mean"'),
            "feature 'n_1d': function 'mean' needs a 'field'",
        ),
        (window() + "colour = 1\n", "feature 'n_1d': colour: Extra inputs are not permitted"),
        (
            window().replace('"count"', '"count"\nfilter = { channel = ["x\'"] }'),
            "feature 'n_1d': filter.channel",
        ),
        ("[[feature]]\nkind = 'field'", "feature #1: name: Field required"),
        ("feature = 1", "expected [[feature]] tables only"),
        ("[[feature]", "not TOML"),
    ],
)
def test_a_bad_catalog_is_one_line_naming_the_feature(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, "mine.toml")
    assert str(caught.value).startswith("mine.toml: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "features.toml"
    path.write_text(window() + derived("ratio", "n_1d", "n_1d"))
    catalog = load_catalog(path)
    assert catalog.features == ("n_1d", "ratio") and catalog.lookback == timedelta(days=1)
    with pytest.raises(CatalogError, match="cannot read the catalog"):
        load_catalog(tmp_path / "missing.toml")


DECLARED = {"merchant_country": str, "card_present": bool, "device_score": float}
OVER_DECLARED = """
[[feature]]
name = "abroad"
kind = "in_set"
field = "merchant_country"
values = ["DE"]
reason = "abroad"

[[feature]]
name = "cnp_1d"
kind = "window"
entity = "merchant_country"
function = "count"
window = "1d"
filter = { card_present = [false] }
reason = "cnp"

[[feature]]
name = "score"
kind = "field"
field = "device_score"
reason = "score"
"""


def test_features_may_read_filter_and_group_on_declared_fields() -> None:
    catalog = parse_catalog(OVER_DECLARED, "own", tuple(DECLARED.items()))
    assert catalog.features == ("abroad", "cnp_1d", "score")
    assert catalog.fields["card_present"] is bool and catalog.fields["amount"] is float
    with pytest.raises(CatalogError, match="feature 'abroad': unknown field 'merchant_country'"):
        parse_catalog(OVER_DECLARED, "own")  # the same catalog without the declaration


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("filter = { card_present = ['no'] }", "'no' is not a bool value of field 'card_present'"),
        ("filter = { merchant_country = [1.0] }", "1.0 is not a str value"),
        ("filter = { opened_at = ['x'] }", "unknown filter field 'opened_at'"),  # a time
    ],
)
def test_a_filter_on_a_declared_field_takes_values_of_its_type(entry: str, message: str) -> None:
    text = COUNT.format(name="n", entity="card", window="1d") + entry + "\n"
    with pytest.raises(CatalogError, match=message):
        parse_catalog(text, "own", (*DECLARED.items(), ("opened_at", dt.datetime)))


def test_the_fingerprint_follows_what_the_values_depend_on_not_the_wording() -> None:
    text = CORE.read_text()
    base = parse_catalog(text).fingerprint
    assert base == core().fingerprint and len(base) == 64
    reworded = text.replace("card used {cust_count_1d:.0f} times", "{cust_count_1d:.0f} swipes")
    assert parse_catalog(reworded).fingerprint == base
    assert parse_catalog("# a comment\n" + text).fingerprint == base
    assert parse_catalog(text.replace('window = "7d"', 'window = "8d"', 1)).fingerprint != base
    assert parse_catalog(text.replace('"UTC"', '"Europe/Paris"', 1)).fingerprint != base


def test_models_registered_before_catalogs_were_recorded_are_of_the_hand_written_catalog() -> None:
    """The 23 hand-written features, compared bit for bit with the built-in catalog in
    tests/warehouse/test_feature_dialects.py: a model without a recorded catalog is scored
    under it. The built-in catalog has since grown (record.toml): such a model is refused under
    it until retrained, or kept with ``[features] catalog = <catalog.toml>``."""
    assert core().fingerprint == HAND_WRITTEN_CATALOG
    assert len(core().features) == 23
    assert built_in().fingerprint != HAND_WRITTEN_CATALOG


def test_the_rich_catalog_extends_the_built_in_one() -> None:
    """Shipped, not the default: the built-in 31 then its 5 (mode extend), or its 5 alone;
    the generic proofs run over it too (tests/warehouse/test_feature_proofs.py)."""
    rich = load_catalog(RICH, "extend")
    assert rich.features[:31] == built_in().features and len(rich.features) == 36
    assert {"cust_count_1h", "cust_cnp_share_7d", "mcc_risk_30d", "cust_dx_30d"} <= set(
        rich.features
    )
    assert {"cust_mcc_count_30d", "cust_mcc_amount_ratio_30d"} <= set(rich.features)
    assert load_catalog(RICH).features == rich.features[31:]
