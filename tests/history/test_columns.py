"""The file layouts and the defaults fraudd derives (label delays), without a warehouse."""

from __future__ import annotations

import numpy as np
import pytest

from fraudd.history.columns import LayoutError, detect_layout, label_delays


def test_label_delays_are_deterministic_and_bounded() -> None:
    ids = np.array([f"id-{i}" for i in range(20_000)], dtype=object)
    delays = label_delays(ids, 7.0).astype("timedelta64[s]").astype(np.int64)
    assert (delays >= 86_400).all() and (delays <= 7 * 86_400).all()
    assert delays.std() > 86_400  # spread over the range, not a constant
    assert (label_delays(ids[::-1], 7.0)[::-1] == label_delays(ids, 7.0)).all()
    short = label_delays(ids, 0.5).astype("timedelta64[s]").astype(np.int64)
    assert short.max() <= 43_200


def test_unknown_header_names_what_is_missing() -> None:
    with pytest.raises(LayoutError, match="amount"):
        detect_layout(["tx_id", "tx_time", "customer_id", "terminal_id", "is_fraud"])


FRAUDD = ["tx_id", "tx_time", "customer_id", "terminal_id", "amount", "is_fraud"]
HANDBOOK = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]


@pytest.mark.parametrize("layout", [FRAUDD, HANDBOOK])
def test_a_declared_field_is_a_column_of_either_layout(layout: list[str]) -> None:
    found = detect_layout(["", *layout, "merchant_country"], own=["merchant_country"])
    assert found.sources["merchant_country"] == len(layout) + 1


def test_undeclared_columns_are_refused_in_one_line_naming_them() -> None:
    header = ["Unnamed: 0", *FRAUDD, "country", "TX_TIME_SECONDS", "device", "ok"]
    with pytest.raises(LayoutError, match=r"^undeclared columns: country, device; declare") as no:
        detect_layout(header, own=["ok"])
    assert "\n" not in str(no.value)
