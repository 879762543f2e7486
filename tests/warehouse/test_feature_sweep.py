"""The running sums of known frauds (fraudd/warehouse/feature_sweep.py): when a fraud starts and
stops counting. That the sums equal serving's, on every declared feature the sweep computes,
is proven in test_feature_proofs.py (the sampler's merchant-category and channel windows)."""

from __future__ import annotations

import re

from fraudd.feature_catalog import parse_catalog
from fraudd.feature_catalog.plan import plan
from fraudd.warehouse.feature_dialects import DIALECTS
from fraudd.warehouse.feature_sweep import interval_of, summable, sweep

CATALOG = """
[[feature]]
name = "mcc_ecom_frauds_recent"
kind = "window"
entity = "merchant_category"
function = "count"
window = "7d"
filter = { channel = ["ecom"] }
known_fraud = true
reason = "{mcc_ecom_frauds_recent:.0f}"

[[feature]]
name = "mcc_fraud_amount_late"
kind = "window"
entity = ["merchant_category", "channel"]
function = "mean"
field = "amount"
window = "30d"
delay = "7d"
known_fraud = true
reason = "{mcc_fraud_amount_late:.0f}"
"""


def test_a_fraud_counts_from_its_label_or_the_delay_until_the_window_passes() -> None:
    recent, late = plan(parse_catalog(CATALOG, "test")).groups
    (count,) = recent.aggs
    assert summable(count) and count.strict
    assert interval_of(recent, count) == (
        "GREATEST(u.labelled_at, u.tx_time + interval '1 microsecond')",
        "u.tx_time + interval '168 hours'",
    )
    total = next(a for a in late.aggs if a.function == "sum")
    assert interval_of(late, total) == (
        "GREATEST(u.labelled_at, u.tx_time + interval '168 hours')",
        "u.tx_time + interval '888 hours'",
    )


def test_each_fraud_is_two_events_of_its_own_column() -> None:
    recent, late = plan(parse_catalog(CATALOG, "test")).groups
    sql = sweep("g0s", recent, recent.aggs)
    start, end = interval_of(recent, next(iter(recent.aggs)))
    assert f"u.channel IN ('ecom') AND {start} < {end}" in sql  # a label after the window: none
    assert f"SELECT NULL, {start}, u.merchant_category, 1, 1\n" in sql
    assert f"SELECT NULL, {end}, u.merchant_category, -1, -1\n" in sql
    sums = sweep("g1s", late, late.aggs)
    assert 'PARTITION BY merchant_category COLLATE "C", channel COLLATE "C"' in sums
    assert "CASE WHEN SUM(cd0) OVER k > 0 THEN SUM(d0) OVER k END" in sums  # NULL, not 0


def test_postgres_training_sweeps_only_entities_without_an_index() -> None:
    """A card's (customer_id) or a terminal's few frauds are joined; a merchant category's are
    swept."""
    training = DIALECTS["postgres"](plan(parse_catalog(CATALOG, "test"))).training()
    assert "g0s AS (" in training and "g1s AS (" in training
    card = CATALOG.replace('entity = "merchant_category"', 'entity = "customer"')
    card = card.replace('["merchant_category", "channel"]', '["terminal", "channel"]')
    joined = DIALECTS["postgres"](plan(parse_catalog(card, "test"))).training()
    assert not re.search(r"g\d+s AS \(", joined)
    assert "g0f AS (" in joined and "g1f AS (" in joined
