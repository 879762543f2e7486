"""The Redshift statements of the models, history, evaluation and migrate areas parse as
Redshift (sqlglot) and use nothing on the list of what Redshift lacks; each has its parameters
where the statement has placeholders. What the tests cannot run on PostgreSQL at all (the COPY
from S3) is checked here only."""

from __future__ import annotations

import pytest
from sqlglot import exp

from fraudd.settings import OwnField
from fraudd.warehouse import columns
from fraudd.warehouse.sqlfiles import load_statement, statement_names
from tests.redshift.test_redshift_sql import code, parse
from tests.redshift.unsupported import findings

AREAS = ("models", "history", "evaluation", "migrate")
COPY = {"uri": "s3://bucket/p/fraudd-load-1/", "iam_role": "default", "region": "eu-west-1"}
EXTRA = {"copy_staging": COPY, "add_column": {"column": "country", "column_type": "VARCHAR(256)"}}
OWN = (
    OwnField(name="country", type="string", description="country"),
    OwnField(name="present", type="boolean", description="card present"),
)


def _texts() -> dict[str, str]:
    texts = {}
    for area in AREAS:
        for name in statement_names("redshift", area):
            extra = EXTRA.get(name, {})
            texts[f"{area}.{name}"] = load_statement(
                "redshift", area, name, schema="fraudd", **extra
            )
            texts[f"{area}.{name} (declared fields)"] = load_statement(
                "redshift", area, name, schema="fraudd", **{**extra, **own_fragments(OWN)}
            )
    return texts


def own_fragments(own: tuple[OwnField, ...]) -> dict[str, str]:
    return dict(columns.own_fragments("redshift", own))


@pytest.mark.parametrize(("name", "text"), list(_texts().items()))
def test_area_statements_parse_as_redshift_without_postgres_only_syntax(
    name: str, text: str
) -> None:
    tree = parse(text)
    body = code(text)
    opaque = ("LOCK ", "SHOW ", "COPY ", "ANALYZE ")
    assert not isinstance(tree, exp.Command) or body.upper().startswith(opaque), name
    assert findings(text) == [], name
    assert "pg_" not in body.lower() and "regclass" not in body.lower(), name
    if not isinstance(tree, exp.Command):
        assert body.count("%s") == len(list(tree.find_all(exp.Placeholder))), name


def test_the_history_load_uses_every_redshift_statement_it_needs() -> None:
    names = set(statement_names("redshift", "history"))
    assert {"create_staging", "create_rejects", "lock_writers", "copy_staging"} <= names
    assert not {"secondary_indexes", "row_estimate", "work_mem"} & names  # PostgreSQL's only


@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_no_placeholder_hides_in_a_comment(dialect: str) -> None:
    """psycopg counts a ``%s`` inside a comment as a placeholder (redshift_connector skips
    comments): a statement's comments must not hold one."""
    for area in AREAS:
        for name in statement_names(dialect, area):  # type: ignore[arg-type]
            extra = EXTRA.get(name, {})
            text = load_statement(dialect, area, name, schema="fraudd", **extra)  # type: ignore[arg-type]
            comments = "".join(line for line in text.splitlines() if line.lstrip().startswith("--"))
            assert "%s" not in comments, f"{dialect} {area}.{name}"
