"""The backtest's replay (fraudd/backtest/replay.py) on real PostgreSQL and in Redshift's form
(the production driver): a history counted by hand (tests/backtest/backtest_history.py), today's
settings against a draft, with and without a model; and the point-in-time guarantee — a label
that arrived after a transaction is not read by the rules that decide it, only by judging."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from fraudd.backtest.judge import report
from fraudd.backtest.replay import compile_rules, read_history, replay
from fraudd.features import FEATURES, CatalogMismatch, catalog_metadata, training_features
from fraudd.model.record import NewModel
from fraudd.rules import RuleSetError, load_rule_set
from fraudd.rules.legacy import rule_set_toml
from fraudd.scoring.decision import decide
from fraudd.scoring.local import LocalScorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import DECISION_RANK
from fraudd.settings import Settings
from fraudd.warehouse import Label
from tests.backtest import backtest_history as hand
from tests.model import helpers
from tests.shim.redshift_shim import RedshiftShim
from tests.warehouse.conftest import PgCluster, pg_cluster, shim  # noqa: F401 (fixtures)
from tests.warehouse.sessions import AreaDb, open_area_db

SOURCES = {"live": "settings", "draft": "draft.toml"}


@pytest.fixture(params=["postgres", "redshift"])
async def db(
    request: pytest.FixtureRequest,
    local_stack: tuple[Settings, Any],
    pg_cluster: PgCluster,  # noqa: F811
    shim: RedshiftShim,  # noqa: F811
) -> AsyncIterator[AreaDb]:
    """A fresh schema of each dialect (Redshift's form through the production driver)."""
    async with open_area_db(local_stack[0], pg_cluster, shim, request.param) as area:
        yield area


@pytest.fixture
async def stored(db: AreaDb) -> AreaDb:
    async with db.wh.session() as s:
        await hand.store(s)
    return db


async def _figures(db: AreaDb) -> dict[str, Any]:
    history = await read_history(db.wh, db.settings, hand.START, hand.END)
    settings = db.settings
    live = replay(compile_rules(load_rule_set(rule_set_toml(settings.rules)), settings), history)
    draft = replay(compile_rules(load_rule_set(hand.DRAFT), db.settings), history)
    return report(history, live, draft, SOURCES)


async def test_the_history_as_rules_read_it(stored: AreaDb) -> None:
    history = await read_history(stored.wh, stored.settings, hand.START, hand.END)
    assert history.size == 7 and history.score is None and history.model is None
    assert history.columns["card_token"].tolist() == [hand.CARDS[c] for c in "AAABBCC"]
    assert history.columns["velocity"].tolist() == [2, 1, 2, 1, 1, 1, 2]  # z0 counts for a0
    assert history.fraud.tolist() == [False, False, True, True, False, False, True]
    assert history.day.tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert [d.isoformat() for d in history.days] == ["2026-11-02", "2026-11-03", "2026-11-04"]


async def test_every_figure_counted_by_hand(stored: AreaDb) -> None:
    figures = await _figures(stored)
    assert (figures["transactions"], figures["frauds"], figures["fraud_amount"]) == (7, 3, 3430.0)
    assert figures["model"] is None
    live, draft = figures["live"], figures["draft"]
    assert live["total"] == {"alerts": 3, "blocks": 1, "frauds_caught": 2, "precision": 0.6667,
                             "recall": 0.6667, "fraud_amount_caught": 3400.0}  # fmt: skip
    assert draft["total"] == {"alerts": 4, "blocks": 1, "frauds_caught": 2, "precision": 0.5,
                              "recall": 0.6667, "fraud_amount_caught": 2530.0}  # fmt: skip
    assert [(d["day"], d["alerts"], d["blocks"]) for d in live["per_day"]] == [
        ("2026-11-02", 2, 1), ("2026-11-03", 1, 0), ("2026-11-04", 0, 0)]  # fmt: skip
    assert [(d["alerts"], d["blocks"]) for d in draft["per_day"]] == [(2, 1), (2, 0), (0, 0)]
    rules = {r["name"]: r for r in live["rules"]}
    assert [r["name"] for r in live["rules"]] == [
        "allow_listed", "block_listed", "amount_block", "amount_review", "velocity"]  # fmt: skip
    assert (rules["amount_block"]["matches"], rules["amount_block"]["frauds"],
            rules["amount_block"]["precision"], rules["amount_block"]["recall"],
            rules["amount_block"]["fraud_amount"]) == (1, 1, 1.0, 0.3333, 2500.0)  # fmt: skip
    review = rules["amount_review"]
    assert (review["matches"], review["matches_per_day"], review["frauds"], review["precision"],
            review["fraud_amount"]) == (2, [1, 1, 0], 1, 0.5, 900.0)  # fmt: skip
    assert rules["velocity"]["matches"] == 0 and rules["allow_listed"]["precision"] is None
    small = {r["name"]: r for r in draft["rules"]}["small_after_swipe"]
    assert (small["matches"], small["matches_per_day"], small["frauds"]) == (2, [1, 1, 0], 1)
    # without a model every alert is the rules' own
    assert live["overlap"] == {"both": 0, "policy_only": 3, "policy_only_frauds": 2,
                               "model_only": 0, "model_only_frauds": 0}  # fmt: skip
    assert figures["changes"] == {
        "transactions": 3, "cards": 3,
        "by_change": {"approve -> review": 2, "review -> approve": 1},
        "newly_alerted": 2, "newly_alerted_frauds": 1,
        "no_longer_alerted": 1, "no_longer_alerted_frauds": 1,
        "fraud_amount_gained": 30.0, "fraud_amount_lost": 900.0,
    }  # fmt: skip


async def test_the_active_models_scores_and_thresholds_join_the_rules(stored: AreaDb) -> None:
    model = helpers.record({"review": 0.3, "block": 0.9})
    async with stored.wh.session() as s:
        await s.register_model(NewModel("local", model.artifact, model.metadata), activate=True)
        frame = await training_features(s, dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                                         dt.datetime(2026, 11, 5, tzinfo=dt.UTC))  # fmt: skip
    history = await read_history(stored.wh, stored.settings, hand.START, hand.END)
    expected = LocalScorer(model, reason_codes=0, n_jobs=1).score_sync(
        frame[list(FEATURES)].to_numpy(np.float64)
    )
    assert history.score is not None and history.model is not None
    np.testing.assert_allclose(history.score, expected.scores)
    assert history.model.thresholds == Thresholds(0.3, 0.9)
    assert not history.model.overlaps  # the record names no training window
    own = np.array([DECISION_RANK[d] for d in decide(history.score, Thresholds(0.3, 0.9))])
    assert history.model_ranks().tolist() == own.tolist()
    outcome = replay(compile_rules(load_rule_set(hand.DRAFT), stored.settings), history)
    # rules make the model's decision stricter, never looser (the draft has no approve rule)
    assert (outcome.decision_rank >= own).all()
    assert (outcome.decision_rank[outcome.masks.any(axis=0)] >= 1).all()
    figures = report(history, outcome, None, SOURCES)
    alone = figures["model"]["alone"]
    assert alone["alerts"] == int((own >= 1).sum()) and alone["blocks"] == int((own == 2).sum())
    overlap = figures["live"]["overlap"]
    assert overlap["both"] + overlap["model_only"] == alone["alerts"]
    assert overlap["both"] + overlap["policy_only"] == figures["live"]["total"]["alerts"]


async def test_a_label_known_only_after_the_transaction_is_not_read_by_its_rules(
    db: AreaDb,
) -> None:
    """Two terminals with a fraud on 1 November; one's label arrives before the 3 November
    transaction on it, the other's after: a rule on known frauds matches only the first, and
    the judging still counts the late label."""
    early = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    rows = [("f-known", "term-k", early), ("f-late", "term-l", early),
            ("t-known", "term-k", early + dt.timedelta(days=2)),
            ("t-late", "term-l", early + dt.timedelta(days=2))]  # fmt: skip
    swipes = [hand.Swipe(tx_id=tx, tx_time=at, card_token=f"card-{tx}", last4="1234",
                         customer_id=f"cust-{tx}", terminal_id=term, amount=10.0, produced_at=at)
              for tx, term, at in rows]  # fmt: skip
    labels = [Label("f-known", True, early + dt.timedelta(days=1)),
              Label("f-late", True, early + dt.timedelta(days=3)),
              Label("t-late", True, early + dt.timedelta(days=3))]  # fmt: skip
    async with db.wh.session() as s:
        await s.store_transactions(swipes)
        await s.insert_labels(labels, "test")
    history = await read_history(db.wh, db.settings, dt.date(2026, 11, 3), dt.date(2026, 11, 3))
    rule_set = load_rule_set(
        '[[rules]]\nname = "known_fraud_terminal"\ndescription = "a fraud known on the terminal"\n'
        'when = "term_known_frauds_recent_7d >= 1"\noutcome = "review"\n'
    )
    outcome = replay(compile_rules(rule_set, db.settings), history)
    assert history.columns["terminal_id"].tolist() == ["term-k", "term-l"]
    assert outcome.mask("known_fraud_terminal").tolist() == [True, False]
    assert history.fraud.tolist() == [False, True]  # judged by today's labels


def test_the_label_is_not_a_name_rules_may_read() -> None:
    text = '[[rules]]\nname = "peek"\ndescription = "d"\nwhen = "is_fraud"\noutcome = "block"\n'
    with pytest.raises(RuleSetError, match="unknown name 'is_fraud'"):
        compile_rules(load_rule_set(text), Settings())


RISKY_MCC = """
[[feature]]
name = "risky_mcc"
kind = "in_set"
field = "merchant_category"
values = ["5967", "7995"]
description = "1 at a merchant category of gambling or direct marketing"
reason = "risky merchant category"
"""


@pytest.fixture(params=["postgres", "redshift"])
async def extended(
    request: pytest.FixtureRequest,
    local_stack: tuple[Settings, Any],
    pg_cluster: PgCluster,  # noqa: F811
    shim: RedshiftShim,  # noqa: F811
    tmp_path: Any,
) -> AsyncIterator[AreaDb]:
    """The hand-counted history on a warehouse configured with a catalog extending the
    built-in one by :data:`RISKY_MCC`."""
    (tmp_path / "features.toml").write_text(RISKY_MCC)
    base = local_stack[0].derive(
        features={"catalog": str(tmp_path / "features.toml"), "mode": "extend"}
    )
    async with open_area_db(base, pg_cluster, shim, request.param) as area:
        async with area.wh.session() as s:
            await hand.store(s)
        yield area


def _model_of(catalog: Any) -> Any:
    """A local model trained on random rows of ``catalog``'s width, recording the catalog."""
    rng = np.random.default_rng(3)
    x = rng.random((2000, len(catalog.features)))
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2, "seed": 0},
                        xgb.DMatrix(x, label=x[:, -1] > 0.5, feature_names=list(catalog.features)),
                        num_boost_round=5)  # fmt: skip
    metadata = {"features": list(catalog.features), "thresholds": {"review": 0.3, "block": 0.9},
                "catalog": catalog_metadata(catalog)}  # fmt: skip
    return NewModel("local", bytes(booster.save_raw(raw_format="ubj")), metadata)


async def test_the_configured_catalogs_features_are_read_and_scored(extended: AreaDb) -> None:
    """A rule over a feature of a user's catalog, and a model trained with that catalog, are
    replayed with its point-in-time features; a model of another catalog is refused in one
    line, as the consumer refuses it."""
    settings = extended.settings
    catalog = settings.features.selected()
    async with extended.wh.session() as s:
        await s.register_model(_model_of(catalog), activate=True)
        frame = await training_features(s, dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                                         dt.datetime(2026, 11, 5, tzinfo=dt.UTC))  # fmt: skip
        record = await s.active_model()
    history = await read_history(extended.wh, settings, hand.START, hand.END)
    assert record is not None and history.score is not None
    expected = LocalScorer(record, reason_codes=0, n_jobs=1, catalog=catalog).score_sync(
        frame[list(catalog.features)].to_numpy(np.float64)
    )
    np.testing.assert_allclose(history.score, expected.scores)
    rule = ('[[rules]]\nname = "risky_small"\ndescription = "small at a risky category"\n'
            'when = "risky_mcc == 1 and amount < 1000"\noutcome = "review"\n')  # fmt: skip
    outcome = replay(compile_rules(load_rule_set(rule), settings), history)
    assert history.columns["risky_mcc"].tolist() == [0, 0, 1, 1, 0, 0, 1]  # a0 … c2
    assert outcome.mask("risky_small").tolist() == [False, False, False, True, False, False, True]
    async with extended.wh.session() as s:
        await s.register_model(NewModel("local", b"-", {"features": list(FEATURES)}),
                               activate=True)  # fmt: skip
    with pytest.raises(CatalogMismatch, match=r"^model 2 was trained with feature catalog .* "
                       r"retrain under this catalog"):  # fmt: skip
        await read_history(extended.wh, settings, hand.START, hand.END)
