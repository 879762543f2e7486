"""The run figures' statements (fraudd.warehouse.api.figures): each dialect's form parses in that
dialect and carries no syntax Redshift lacks. They run on each implementation in
tests/warehouse/contract/test_figures.py and in the demo test (tests/cli/test_demo_terminal.py)."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from fraudd.warehouse.sqlfiles import load_statement

NAMES = (
    "run_counts",
    "run_caught",
    "run_latency_between",
    "outcomes_between",
    "decided_per_second",
    "oldest_undecided",
    "stage_latency_p50",
)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_run_figures_parse_in_their_dialect(dialect: str, name: str) -> None:
    sql = load_statement(dialect, "figures", name, schema="fraudd", view="tx_stream")  # type: ignore[arg-type]
    (tree,) = sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select | exp.Union)  # stage_latency_p50: one branch per stage
    assert sql.count("%s") == len(list(tree.find_all(exp.Placeholder)))
    if dialect == "redshift":  # no FILTER clause, arrays or :: casts there
        lowered = sql.lower()
        assert "filter (" not in lowered and "array[" not in lowered and "::" not in lowered
