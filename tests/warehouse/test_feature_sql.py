"""What every dialect's feature SQL shares (fraudd/warehouse/feature_sql.py): intervals in
hours, catalog values as checked literals, and what an aggregate asks of a scanned row."""

from __future__ import annotations

import datetime as dt

import pytest

from fraudd.feature_catalog import parse_catalog
from fraudd.feature_catalog.plan import plan
from fraudd.warehouse.feature_sql import KNOWN, conditions, interval, literal, window_bounds

CATALOG = """
[[feature]]
name = "cnp_frauds_1d"
kind = "window"
entity = "terminal"
function = "count"
window = "1d"
delay = "7d"
filter = { channel = ["cnp"] }
known_fraud = true
reason = "{cnp_frauds_1d:.0f} card-not-present frauds"
"""


def test_intervals_and_literals() -> None:
    assert interval(dt.timedelta(days=37)) == "interval '888 hours'"
    assert interval(dt.timedelta(minutes=90)) == "interval '90 minutes'"
    assert literal("cnp") == "'cnp'" and literal(5) == "5.0"
    with pytest.raises(ValueError, match="not a catalog value"):
        literal("x' OR '1'='1")


def test_conditions_and_window_bounds() -> None:
    (group,) = plan(parse_catalog(CATALOG, "test")).groups
    (agg,) = group.aggs
    assert conditions(agg, group.reach) == ["u.channel IN ('cnp')", KNOWN]
    assert conditions(agg, group.reach, known=False) == ["u.channel IN ('cnp')"]
    assert window_bounds(group, group.reach) == [
        "u.tx_time > b.tx_time - interval '192 hours'",
        "u.tx_time <= b.tx_time - interval '168 hours'",
    ]
