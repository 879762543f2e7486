"""Planning a catalog (fraudd/feature_catalog/plan.py): one scan per entity and delay, windows
split at other scans' delays, the strictly-before-t rule, the fields each side reads."""

from __future__ import annotations

from datetime import timedelta

from fraudd.feature_catalog import built_in, core, parse_catalog
from fraudd.feature_catalog.plan import Agg, Expr, plan


def test_the_core_catalog_reads_three_scans() -> None:
    p = plan(core())
    scans = [(g.keys[0], g.delay, g.reach) for g in p.groups]
    days = timedelta(days=1)
    assert scans == [("customer_id", 0 * days, 30 * days), ("terminal_id", 7 * days, 37 * days),
                     ("terminal_id", 0 * days, 7 * days)]  # fmt: skip
    assert p.lookback == timedelta(days=37)
    assert [name for name, _ in p.features] == list(core().features)
    assert p.scan_fields() == ("tx_id", "tx_time", "amount", "customer_id", "terminal_id")


def test_a_window_across_two_scans_is_read_in_pieces() -> None:
    """The terminal's latest known fraud of 37 days: the recent week's (strictly before t)
    if any, else the delayed scan's, which the delayed features already compute."""
    p = plan(built_in())
    expr = dict(p.features)["term_days_since_known_fraud"]
    assert expr.op == "since"
    latest = expr.args[0]
    assert isinstance(latest, Expr) and latest.op == "coalesce"
    recent, delayed = (part.args[0] for part in latest.args)  # type: ignore[union-attr]
    assert isinstance(recent, Agg) and isinstance(delayed, Agg)
    assert recent.strict and recent.known_fraud and recent.group[1] == timedelta(0)
    assert not delayed.strict and delayed.group[1] == timedelta(days=7)
    last_fraud = dict(p.features)["term_days_since_last_fraud"].args[0]
    assert last_fraud.args[0] == delayed  # type: ignore[union-attr]  # computed once


def test_share_mean_and_filters() -> None:
    catalog = parse_catalog(
        '[[feature]]\nname = "cnp_share"\nkind = "window"\nentity = "card"\nfunction = "share"\n'
        'window = "1d"\nfilter = { channel = ["cnp"] }\nreason = "r"\n'
        '[[feature]]\nname = "mcc_amount"\nkind = "window"\nentity = "merchant_category"\n'
        'function = "mean"\nfield = "amount"\nwindow = "1h"\nreason = "r"\n'
    )
    p = plan(catalog)
    assert [g.keys for g in p.groups] == [("card_token",), ("merchant_category",)]
    share = dict(p.features)["cnp_share"]
    part, whole = (e.args[0] for e in share.args)  # type: ignore[union-attr]
    assert part.filter == (("channel", ("cnp",)),) and whole.filter == ()  # type: ignore[union-attr]
    assert "merchant_category" in p.fields and "channel" in p.scan_fields()
    assert p.lookback == timedelta(days=1)


def test_only_counts_and_times_are_read_in_pieces() -> None:
    """The latest amount of the later piece is not the largest: max of a field is one piece."""
    window = '[[feature]]\nname = "{}"\nkind = "window"\nentity = "card"\nreason = "r"\n'
    catalog = parse_catalog(
        window.format("late")
        + 'function = "count"\nwindow = "1d"\ndelay = "2d"\n'
        + window.format("biggest")
        + 'function = "max"\nfield = "amount"\nwindow = "5d"\n'
        + window.format("n")
        + 'function = "count"\nwindow = "5d"\n'
    )
    p = plan(catalog)
    features = dict(p.features)
    assert features["biggest"].op == "agg" and features["n"].op == "add"
    assert [(g.delay, g.reach) for g in p.groups] == [
        (timedelta(days=2), timedelta(days=5)),
        (timedelta(0), timedelta(days=5)),
    ]
