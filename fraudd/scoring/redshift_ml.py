"""The ``redshift-ml`` backend: the prediction function ``CREATE MODEL`` made, called in SQL.

The consumer's serving feature query is wrapped so that Redshift computes features and scores in
one statement; no model leaves the warehouse. Reason codes come from the rules only.
"""

from __future__ import annotations

import numpy as np

from fraudd.features import FEATURES, FeatureQueries, _serving_call
from fraudd.scoring.decision import Thresholds
from fraudd.settings import Settings
from fraudd.warehouse import Connection
from fraudd.warehouse.sqlfiles import validate_identifier


def render_scoring_sql(queries: FeatureQueries, settings: Settings) -> str:
    """``SELECT tx_id, <features>, <function>(<features>) FROM (<serving query>)``."""
    schema = validate_identifier(settings.warehouse.schema_name)
    function = validate_identifier(settings.scoring.redshift_ml_function)
    columns = ", ".join(f"f.{name}" for name in FEATURES)
    serving = queries.serving.rstrip().rstrip(";")
    return (
        f"SELECT f.tx_id, {columns}, {schema}.{function}({columns}) AS score\n"
        f"FROM (\n{serving}\n) f"
    )


class RedshiftMLScoring:
    """Features and scores of a batch, both computed by Redshift."""

    def __init__(self, queries: FeatureQueries, settings: Settings, thresholds: Thresholds) -> None:
        self.queries = FeatureQueries(
            queries.dialect, render_scoring_sql(queries, settings), queries.training
        )
        self.version = f"redshift-ml:{settings.redshift.model_name}"
        self.thresholds = thresholds

    async def features_and_scores(
        self, conn: Connection, tx_ids: list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(features, scores)`` aligned with ``tx_ids``."""
        sql, params = _serving_call(self.queries, tx_ids)
        rows = await conn.fetch(sql, *params)
        by_id = {row[0]: row[1:] for row in rows}
        table = np.array([by_id[t] for t in tx_ids], dtype=np.float64).reshape(len(tx_ids), -1)
        return table[:, :-1], table[:, -1]
