"""The compiler's guarantees for every declared feature, on PostgreSQL and in Redshift mode:
serving equals training (invariant 5), and neither a label known only after the transaction's
time nor the transaction's own label moves any feature (invariant 6).

Run over the built-in catalog and over SAMPLER, a catalog that uses every kind, function and
option (filters, entities other than card and terminal, compound entities, known frauds, delays,
derived features), so a feature declared tomorrow is covered by one of the same compiled forms. Each
assertion names the feature that broke it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fraudd.feature_catalog import RICH, Catalog, built_in, load_catalog, parse_catalog
from fraudd.feature_catalog.plan import plan
from fraudd.warehouse.feature_dialects import DIALECTS
from fraudd.warehouse.features import serving_call, training_call
from fraudd.warehouse.sqlfiles import render
from tests.warehouse.contract.conftest import area_db, loaded, simulated_history
from tests.warehouse.contract.env import HISTORY_START as START
from tests.warehouse.sessions import AreaDb

__all__ = ["area_db", "history", "loaded"]

MISSING_EVERY = 9
"""Every 9th transaction of the proofs' history has no merchant category and no channel: an
entity or a filter on an optional field meets NULL on both paths."""
END = START + dt.timedelta(hours=8)
LATE = END + dt.timedelta(hours=1)
"""Labels moved here are known to none of the scored transactions."""


@pytest.fixture(scope="session")
def history() -> pd.DataFrame:
    """The contract tests' history with the optional fields missing on every
    :data:`MISSING_EVERY`-th transaction."""
    frame = simulated_history()
    missing = frame.index % MISSING_EVERY == 0
    for name in ("merchant_category", "channel"):  # as objects: a text column's NaN is "nan"
        frame[name] = frame[name].astype(object).where(~missing, None)
    return frame


def _entry(name: str, kind: str, **keys: Any) -> str:
    lines = [f'name = "{name}"', f'kind = "{kind}"', f'reason = "{name}"']
    for key, value in keys.items():
        if isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, str) and value[:1] not in "[{":  # arrays, tables: TOML as is
            value = f'"{value}"'
        lines.append(f"{key} = {value}")
    return "[[feature]]\n" + "\n".join(lines) + "\n"


def _window(name: str, entity: str, function: str, window: str, **keys: Any) -> str:
    return _entry(name, "window", entity=entity, function=function, window=window, **keys)


SAMPLER = parse_catalog(
    "".join([
        _entry("hour_paris", "hour", time_zone="Europe/Paris"),
        _entry("ecom", "in_set", field="channel", values='["ecom", "atm"]'),
        _entry("channel_code", "category", field="channel", values='["pos", "ecom", "atm"]'),
        _entry("x", "field", field="terminal_x"),
        _window("card_1h", "card", "count", "1h"),
        _window("card_ecom_sum_1d", "card", "sum", "1d", field="amount",
                filter='{ channel = ["ecom"] }'),
        _window("card_terminals_1d", "card", "distinct", "1d", field="terminal_id"),
        _window("card_since_prev", "card", "since_last", "7d", unit="hours"),
        _window("card_since_first", "card", "since_first", "7d", unit="seconds"),
        _window("card_max_7d", "card", "max", "7d", field="amount"),
        _window("card_min_7d", "card", "min", "7d", field="amount"),
        _window("card_std_7d", "card", "std", "7d", field="amount"),
        _window("mcc_mean_1d", "merchant_category", "mean", "1d", field="amount"),
        _window("term_x_mean_7d", "terminal", "mean", "7d", field="terminal_x"),
        _window("term_ecom_share_1d", "terminal", "share", "1d", filter='{ channel = ["ecom"] }'),
        _window("cust_frauds_14d", "customer", "count", "14d", known_fraud=True),
        _window("cust_fraud_days", "customer", "since_first", "20d", known_fraud=True),
        _window("cust_frauds_late", "customer", "count", "10d", delay="4d", known_fraud=True),
        _window("cust_count_14d", "customer", "count", "14d"),
        _window("cust_max_14d", "customer", "max", "14d", field="amount"),
        _window("term_fraud_amount", "terminal", "mean", "30d", field="amount", known_fraud=True),
        _window("term_fraud_max", "terminal", "max", "20d", field="amount", known_fraud=True),
        _window("mcc_risk_7d", "merchant_category", "share", "7d", known_fraud=True),
        _window("mcc_fraud_amount", "merchant_category", "mean", "20d", field="amount",
                known_fraud=True),
        _window("mcc_chan_fraud_x_std", '["merchant_category", "channel"]', "std", "10d",
                field="terminal_x", delay="1d", known_fraud=True),
        _window("mcc_ecom_frauds", "merchant_category", "count", "5d", known_fraud=True,
                filter='{ channel = ["ecom"] }'),
        _window("mcc_chan_frauds", '["merchant_category", "channel"]', "sum", "3d",
                field="amount", known_fraud=True),
        _window("card_mean_7d", "card", "mean", "7d", field="amount", hidden=True),
        _window("cust_mcc_prior_7d", '["customer", "merchant_category"]', "count", "7d",
                exclude_self=True),
        _window("cust_mcc_mean_7d", '["customer", "merchant_category"]', "mean", "7d",
                field="amount", exclude_self=True),
        _window("cust_chan_terms_1d", '["customer", "channel"]', "distinct", "1d",
                field="terminal_id"),
        _window("card_mcc_since_prev", '["card", "merchant_category"]', "since_last", "7d"),
        _window("mcc_chan_cards_1d", '["merchant_category", "channel"]', "distinct", "1d",
                field="card_token"),
        _window("term_chan_frauds", '["terminal", "channel"]', "count", "10d", delay="2d",
                known_fraud=True),
        _entry("card_ratio", "ratio", of='["card_1h", "card_terminals_1d"]'),
        _entry("card_gap", "difference", of='["card_max_7d", "card_mean_7d"]'),
        _entry("card_z", "zscore", of='["card_max_7d", "card_mean_7d", "card_std_7d"]'),
    ]),
    "sampler",
)  # fmt: skip
CATALOGS = {"built_in": built_in(), "sampler": SAMPLER, "rich": load_catalog(RICH, "extend")}


class Features:
    """One catalog's compiled queries on one area database."""

    def __init__(self, db: AreaDb, catalog: Catalog) -> None:
        compiler = DIALECTS["redshift" if db.redshift else "postgres"](plan(catalog))
        self.db, self.names = db, catalog.features
        self.keys = {g.keys for g in plan(catalog).groups if g.labelled}
        self.serving = render(compiler.serving(), schema=db.schema)
        self.training = render(compiler.training(), schema=db.schema)

    async def both(self) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """``{tx_id: features}`` of the scored range by training, then by serving."""
        async with self.db.wh.acquire() as conn:
            sql, params = training_call(self.training, START, END)
            rows = await conn.fetch(sql, *params)
            ids = [r[0] for r in rows]
            sql, params = serving_call(self.serving, ids, START, END)
            served = await conn.fetch(sql, *params)
        n = len(self.names)
        return {r[0]: list(r[4 : 4 + n]) for r in rows}, {r[0]: list(r[1:]) for r in served}

    def assert_same(self, a: dict[str, list[Any]], b: dict[str, list[Any]], what: str) -> None:
        assert sorted(a) == sorted(b)
        ids = sorted(a)
        for i, name in enumerate(self.names):
            left = np.array([_float(a[t][i]) for t in ids])
            right = np.array([_float(b[t][i]) for t in ids])
            assert left.tobytes() == right.tobytes(), f"{name}: {what}"


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)


async def _raw(db: AreaDb, sql: str, *args: Any) -> int:
    """The test's own change of the history, as its owner (past the Redshift-mode rewriter)."""
    raw = getattr(db.wh.pool, "_warehouse", db.wh.pool)
    async with raw.acquire() as conn:
        return int(await conn.execute(sql.format(schema=db.schema), *args))


async def _own_labels(db: AreaDb, keys: set[tuple[str, ...]]) -> int:
    """Make scored transactions frauds labelled at their own time: those no later scored
    transaction shares a label-reading entity with (for a later one, the label is known in
    time); an entity of several fields is shared when all of them are, a missing value
    sharing the group of missing values (``key_match``)."""
    same = (
        " AND ".join(f"o.{k} IS NOT DISTINCT FROM u.{k}" for k in entity) for entity in sorted(keys)
    )
    shared = " OR ".join(f"({s})" for s in same) or "false"
    return await _raw(
        db,
        "UPDATE {schema}.labels l SET is_fraud = true, labelled_at = u.tx_time "
        "FROM {schema}.transactions u WHERE u.tx_id = l.tx_id AND u.tx_time >= %s "
        "AND u.tx_time < %s AND NOT EXISTS (SELECT 1 FROM {schema}.transactions o "
        f"WHERE o.tx_time > u.tx_time AND o.tx_time < %s AND ({shared}))",
        START,
        END,
        END,
    )


@pytest.mark.parametrize("catalog", CATALOGS)
async def test_serving_equals_training_for_every_feature(loaded: AreaDb, catalog: str) -> None:
    features = Features(loaded, CATALOGS[catalog])
    trained, served = await features.both()
    assert len(trained) > 30
    features.assert_same(trained, served, "serving differs from training")
    varying = [
        name
        for i, name in enumerate(features.names)
        if len({_float(v[i]) for v in trained.values()} - {np.nan}) > 1
    ]
    assert len(varying) >= len(features.names) - 3, set(features.names) - set(varying)


@pytest.mark.parametrize("catalog", CATALOGS)
async def test_late_labels_and_own_labels_change_no_feature(loaded: AreaDb, catalog: str) -> None:
    """Flip every label that arrives after the scored range (and move the rest there), and
    make each scored transaction a fraud labelled at its own time: no feature moves. Known in
    time, the moved labels do move the label-reading features (not a vacuous check)."""
    features = Features(loaded, CATALOGS[catalog])
    before, _ = await features.both()
    await _raw(loaded, "UPDATE {schema}.labels SET is_fraud = NOT is_fraud, labelled_at = %s "
               "WHERE labelled_at >= %s", LATE, END)  # fmt: skip
    assert await _own_labels(loaded, features.keys) > 5
    trained, served = await features.both()
    features.assert_same(before, trained, "a label not known at t changed training")
    features.assert_same(before, served, "a label not known at t changed serving")
    await _raw(loaded, "UPDATE {schema}.labels SET labelled_at = %s WHERE labelled_at = %s",
               START - dt.timedelta(hours=1), LATE)  # fmt: skip
    known, _ = await features.both()
    with pytest.raises(AssertionError):
        features.assert_same(before, known, "labels known in time")


async def test_a_compound_entity_keys_by_all_its_fields(loaded: AreaDb) -> None:
    """Hand-counted: the sampler's ``cust_mcc_prior_7d``, the card's other transactions in this
    merchant category of the last 7 days, on both paths; keyed by either field alone, the
    counts differ."""
    features = Features(loaded, SAMPLER)
    trained, served = await features.both()
    async with loaded.wh.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT tx_id, tx_time, customer_id, merchant_category FROM {loaded.schema}"
            ".transactions WHERE tx_time > %s AND tx_time < %s",
            START - dt.timedelta(days=7),
            END,
        )
    week = dt.timedelta(days=7)

    def count(t: Any, same: Any) -> int:
        return sum(1 for r in rows if same(r) and t[1] - week < r[1] <= t[1]) - 1

    scored = [r for r in rows if r[0] in trained]
    i = features.names.index("cust_mcc_prior_7d")
    expected = {t[0]: count(t, lambda r, t=t: r[2:] == t[2:]) for t in scored}
    assert {t: int(v[i]) for t, v in trained.items()} == expected
    assert {t: int(v[i]) for t, v in served.items()} == expected
    by_card = {t[0]: count(t, lambda r, t=t: r[2] == t[2]) for t in scored}
    assert max(expected.values()) > 0 and by_card != expected
