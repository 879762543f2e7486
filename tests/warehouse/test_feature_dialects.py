"""The catalog's compiled queries (fraudd/warehouse/feature_dialects.py) against the hand-written
feature SQL it replaced, and its generic guarantees for every declared feature.

``legacy_sql/`` holds the last hand-written queries, verbatim (commit 8c2ec86,
``fraudd/warehouse/sql/{postgres,redshift}/queries/features_*.sql``), loaded the way the
product loaded them. The compiled queries must give the same bits: same rows, same order, every
feature's float64 equal (NaN where NULL), on both paths, on PostgreSQL and in Redshift mode
(and the Redshift SQL on PostgreSQL, as the model tests run it)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlglot

from fraudd.feature_catalog import checked, core
from fraudd.feature_catalog.plan import plan
from fraudd.warehouse.base import Dialect
from fraudd.warehouse.feature_dialects import DIALECTS
from fraudd.warehouse.features import feature_queries, serving_call, training_call
from fraudd.warehouse.sqlfiles import load_query
from tests.redshift.unsupported import findings
from tests.warehouse.contract.conftest import area_db, history, loaded
from tests.warehouse.contract.env import HISTORY_START as START
from tests.warehouse.sessions import AreaDb
from tests.warehouse.test_feature_proofs import CATALOGS

__all__ = ["area_db", "history", "loaded"]

LEGACY = Path(__file__).with_name("legacy_sql")
END = START + dt.timedelta(days=2)
FEATURES = core().features
"""The hand-written queries' 23: the built-in catalog's first part (catalog.toml)."""


def legacy(dialect: Dialect, path: str, schema: str) -> str:
    """The hand-written query of ``path`` (serving or training)."""
    return load_query(dialect, f"features_{path}", root=LEGACY, schema=schema)


def matrix(rows: list[Any], first: int) -> np.ndarray:
    """The feature columns of ``rows`` (from column ``first``) as float64, NULL as NaN."""
    n = len(FEATURES)
    values = [[np.nan if v is None else float(v) for v in r[first : first + n]] for r in rows]
    return np.array(values, dtype=np.float64).reshape(-1, n)


async def both(db: AreaDb, dialect: Dialect) -> dict[str, tuple[list[Any], list[Any]]]:
    """(legacy rows, compiled rows) of each path, the serving batch being the training rows."""
    compiled = feature_queries(dialect, db.schema, core())
    async with db.wh.acquire() as conn:
        out = {}
        for name, sql in (("legacy", legacy(dialect, "training", db.schema)),
                          ("compiled", compiled.training)):  # fmt: skip
            out[name] = await conn.fetch(*_call(training_call(sql, START, END)))
        ids = [r[0] for r in out["compiled"]]
        first, last = min(r[1] for r in out["compiled"]), max(r[1] for r in out["compiled"])
        served = [
            await conn.fetch(*_call(serving_call(sql, ids, first, last)))
            for sql in (legacy(dialect, "serving", db.schema), compiled.serving)
        ]
    return {"training": (out["legacy"], out["compiled"]), "serving": (served[0], served[1])}


def _call(call: tuple[str, list[object]]) -> tuple[object, ...]:
    return (call[0], *call[1])


def assert_bit_identical(old: list[Any], new: list[Any], first: int) -> None:
    old = sorted(old, key=lambda r: r[0]) if first == 1 else old
    new = sorted(new, key=lambda r: r[0]) if first == 1 else new
    assert [r[0] for r in new] == [r[0] for r in old]
    a, b = matrix(old, first), matrix(new, first)
    for i, name in enumerate(FEATURES):
        assert a[:, i].tobytes() == b[:, i].tobytes(), name  # NaN bits included


async def test_compiled_queries_give_the_hand_written_bits(loaded: AreaDb) -> None:
    dialect: Dialect = "redshift" if loaded.redshift else "postgres"
    paths = await both(loaded, dialect)
    old, new = paths["training"]
    assert len(old) > 300
    assert [r[-1] for r in new] == [r[-1] for r in old]  # labels, in the same order
    assert_bit_identical(old, new, first=4)
    assert_bit_identical(*paths["serving"], first=1)
    features = matrix(new, 4)
    assert (np.nanmax(features, axis=0) > np.nanmin(features, axis=0)).sum() >= len(FEATURES) - 1
    assert features[:, FEATURES.index("term_known_frauds_recent_7d")].max() > 0


async def test_redshift_sql_on_postgresql_gives_the_hand_written_bits(
    redshift_free: None, loaded: AreaDb
) -> None:
    """The Redshift dialect's queries run on PostgreSQL too (the model tests compare them)."""
    paths = await both(loaded, "redshift")
    assert_bit_identical(*paths["training"], first=4)
    assert_bit_identical(*paths["serving"], first=1)


@pytest.fixture
def redshift_free(warehouse_implementation: str) -> None:
    if warehouse_implementation != "postgres":
        pytest.skip("the Redshift SQL on plain PostgreSQL")


def _hours(sql: str) -> list[int]:
    return [int(h) for h in re.findall(r"interval '(\d+) hours'", sql)]


@pytest.mark.parametrize(
    ("catalog_name", "name"), [(c, n) for c, catalog in CATALOGS.items() for n in catalog.by_name]
)
def test_each_feature_compiles_alone_with_bounded_redshift_scans(
    catalog_name: str, name: str
) -> None:
    """Every declaration (of the built-in catalog and of the proofs' sampler), in a catalog of
    its own with its inputs: both dialects compile it, Redshift reads ``transactions`` only
    through the batch and one scan bounded by constants on the sort key, and no window reaches
    past the catalog's look-back."""
    catalog = CATALOGS[catalog_name]
    keep = _closure(name, catalog.by_name)
    alone = checked(tuple(d for d in catalog.declarations if d.name in keep))
    compiled = plan(alone)
    for dialect, compiler in DIALECTS.items():
        for sql in (compiler(compiled).serving(), compiler(compiled).training()):
            reach = compiled.lookback / dt.timedelta(hours=1)
            assert max(_hours(sql), default=0) <= max(reach, 24), (dialect, sql)
            if dialect == "redshift":
                assert len(re.findall(r"(?:FROM|JOIN) \{schema\}\.transactions", sql)) == 2
                assert (
                    "FROM {schema}.transactions s\n    WHERE s.tx_time > /*scan_from*/%s AND "
                    "s.tx_time <= /*scan_to*/%s" in sql
                )
                assert "FROM {schema}.transactions t\n    WHERE t.tx_" in sql


def _closure(name: str, by_name: Any) -> set[str]:
    return {name}.union(*(_closure(i, by_name) for i in by_name[name].inputs()))


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_the_redshift_sql_uses_nothing_redshift_lacks(catalog_name: str) -> None:
    """tests/redshift/unsupported.py's list, as for every Redshift .sql file: the feature SQL is
    compiled, not a file, so it is checked here (the sampler uses every compiled form)."""
    compiler = DIALECTS["redshift"](plan(CATALOGS[catalog_name]))
    for sql in (compiler.serving(), compiler.training()):
        assert findings(sql) == []
        bound = sql.replace("/*tx_ids:list*/%s", "'t1'").replace("%s", "'2018-05-01'")
        assert len(sqlglot.parse(bound.format(schema="fraudd"), read="redshift")) == 1
