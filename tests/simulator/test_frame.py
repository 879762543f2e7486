"""The columnar form: column order and types, transaction ids, the label split."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.pan import holds_pan
from fraudd.simulator import COLUMNS, LABEL_COLUMNS, STREAM_COLUMNS, make_profiles, split_labels
from fraudd.simulator.cards import card_last4s, card_tokens
from fraudd.simulator.frame import CardTable, TxArrays, _tx_ids, build_frame
from fraudd.simulator.profiles import Profiles
from fraudd.simulator.timeline import EXTENDED_ID_PREFIX

ORIGIN = dt.date(2018, 4, 1)


@pytest.fixture(scope="module")
def profiles() -> Profiles:
    return make_profiles(5, 10, 200.0, np.random.default_rng(1))


def _frame(profiles: Profiles, tx: TxArrays, seed: int = 255) -> pd.DataFrame:
    cards = CardTable(card_tokens(seed, profiles.n_customers), card_last4s(seed, 5))
    return build_frame(tx, profiles, cards, seed, ORIGIN)


def _tx(day: list[int], second: list[int], scenario: list[int]) -> TxArrays:
    n = len(day)
    ints = np.array
    return TxArrays(
        day=ints(day, dtype=np.int64), second_of_day=ints(second, dtype=np.int64),
        customer=ints([i % 5 for i in range(n)], dtype=np.int64),
        terminal=ints([(3 * i) % 10 for i in range(n)], dtype=np.int64),
        amount=np.linspace(1.5, 99.99, n), scenario=ints(scenario, dtype=np.int8),
    )  # fmt: skip


def test_ids_count_within_each_day(profiles: Profiles) -> None:
    frame = _frame(profiles, _tx([0, 0, 0, 3, 3], [5, 6, 9, 1, 2], [0, 1, 0, 2, 3]))
    assert frame["tx_id"].tolist() == [
        "ff-d00000-0000000", "ff-d00000-0000001", "ff-d00000-0000002",
        "ff-d00003-0000000", "ff-d00003-0000001",
    ]  # fmt: skip
    assert frame["tx_time"].iloc[3] == pd.Timestamp("2018-04-04 00:00:01", tz="UTC")
    assert frame["tx_time_seconds"].tolist() == [5, 6, 9, 3 * 86_400 + 1, 3 * 86_400 + 2]
    assert frame["tx_time_days"].tolist() == [0, 0, 0, 3, 3]
    assert frame["is_fraud"].tolist() == [0, 1, 0, 1, 1]
    assert frame["fraud_scenario"].tolist() == [0, 1, 0, 2, 3]


def test_no_id_can_look_like_a_card_number() -> None:
    """A seed whose hex ends in a digit made ids of 13+ digits across the hyphens
    (7-00012-0000123): about one in ten would pass Luhn and the stream would refuse it."""
    days = np.repeat(np.arange(3), 400)
    ids = [*_tx_ids(7, days, ""), *_tx_ids(7, days, EXTENDED_ID_PREFIX)]
    assert len(ids) == 2400 and not any(holds_pan(i) for i in ids)


def test_rows_take_their_customer_card_and_terminal_attributes(profiles: Profiles) -> None:
    tx = _tx([1, 1, 1], [10, 20, 30], [0, 0, 0])
    frame = _frame(profiles, tx)
    tokens = card_tokens(255, 5)
    assert frame["card_token"].tolist() == [tokens[c] for c in tx.customer]
    assert frame["terminal_x"].tolist() == profiles.terminal_x[tx.terminal].tolist()
    assert frame["channel"].tolist() == profiles.channel[tx.terminal].tolist()
    assert frame["merchant_category"].tolist() == profiles.merchant_category[tx.terminal].tolist()
    assert (frame["currency"] == "EUR").all()


def test_an_empty_frame_has_every_column_and_type(profiles: Profiles) -> None:
    empty = _frame(profiles, TxArrays.empty())
    full = _frame(profiles, _tx([0], [1], [0]))
    assert tuple(empty.columns) == COLUMNS and len(empty) == 0
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()
    assert str(full["tx_time"].dtype) == "datetime64[us, UTC]"


def test_split_labels_keeps_the_label_off_the_stream(profiles: Profiles) -> None:
    frame = _frame(profiles, _tx([0, 2], [1, 2], [0, 2]))
    stream_part, labels = split_labels(frame)
    assert tuple(stream_part.columns) == STREAM_COLUMNS
    assert not set(LABEL_COLUMNS) & set(stream_part.columns)
    assert tuple(labels.columns) == ("tx_id", "tx_time", *LABEL_COLUMNS)
    assert labels["tx_id"].tolist() == stream_part["tx_id"].tolist()
