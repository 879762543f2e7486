"""The README's "Your own fields and features" as test data, declared once for the tests and the
bench (``bench/own_fields.py``) that use it: two declared fields — the merchant's country and
whether the card was present — and three features over them, one of each way a catalog may read
a declared field: a row expression (:data:`FOREIGN_MERCHANT`), a window filter
(:data:`CARD_CNP_COUNT_1D`) and a window's group key (:data:`COUNTRY_MEAN_AMOUNT_7D`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIELDS: dict[str, dict[str, Any]] = {
    "merchant_country": {
        "type": "string",
        "required": True,
        "description": "ISO 3166-1 alpha-2 country of the merchant",
    },
    "card_present": {"type": "boolean", "description": "chip, contactless or swipe"},
}
FOREIGN_MERCHANT = """
[[feature]]
name = "foreign_merchant"
kind = "in_set"
field = "merchant_country"
values = ["DE", "ES"]
description = "1 when the merchant is abroad"
reason = "merchant abroad"
"""
CARD_CNP_COUNT_1D = """
[[feature]]
name = "card_cnp_count_1d"
kind = "window"
entity = "card"
function = "count"
window = "1d"
filter = { card_present = [false] }
description = "the card's card-not-present transactions in the last 24 hours"
reason = "{card_cnp_count_1d:.0f} card-not-present transactions in 24 hours"
"""
COUNTRY_MEAN_AMOUNT_7D = """
[[feature]]
name = "country_mean_amount_7d"
kind = "window"
entity = "merchant_country"
function = "mean"
field = "amount"
window = "7d"
description = "the mean amount at merchants of this country in the last 7 days"
reason = "mean amount in this merchant country is {country_mean_amount_7d:.2f}"
"""
CATALOG = FOREIGN_MERCHANT + CARD_CNP_COUNT_1D + COUNTRY_MEAN_AMOUNT_7D


def extending(
    folder: Path, catalog: str = CATALOG, fields: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The settings' sections that declare ``fields`` (:data:`FIELDS` unless given) and extend
    the built-in catalog with ``catalog``, written to ``folder/features.toml``: keywords for
    ``Settings.derive`` or a test environment's settings."""
    path = folder / "features.toml"
    path.write_text(catalog)
    declared = FIELDS if fields is None else fields
    return {"fields": {"declared": declared}, "features": {"catalog": str(path), "mode": "extend"}}
