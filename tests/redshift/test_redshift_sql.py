"""fraudd's Redshift SQL: rendered from configuration, parsed with sqlglot's Redshift dialect, and
run on PostgreSQL where the two share a language (see tests/redshift/pg_subset.py).

sqlglot (30.x) parses every statement fraudd sends to Redshift except three, which it keeps as an
opaque ``Command``: ``CREATE EXTERNAL SCHEMA ... FROM KINESIS``, ``RESET <parameter>`` and
``CREATE MODEL``. Those are checked against the documented syntax with explicit structure checks.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from fraudd.features import feature_queries
from fraudd.model.export import render_create_model
from fraudd.model.redshift_train import create_model_spec
from fraudd.settings import Settings, load_settings
from fraudd.warehouse import opened_warehouse
from fraudd.warehouse.migrate import identifiers
from fraudd.warehouse.sqlfiles import (
    load_migrations,
    load_statement,
    render,
    split_statements,
    statement_names,
)
from tests.redshift.pg_subset import JSON_PARSE_FUNCTION, to_postgres
from tests.redshift.unsupported import findings

ROLE_ARN = "arn:aws:iam::123456789012:role/fraudd-RedshiftStreamingRole-1A2B3C"


def redshift_settings(stream: str = "fraudd-transactions", **redshift: Any) -> Settings:
    refresh_view = not redshift.get("auto_refresh", True)  # the only valid choice then
    return load_settings(
        None,
        warehouse={"dialect": "redshift", "schema": "fraudd", "refresh_view": refresh_view},
        kinesis={"stream_name": stream},
        redshift=redshift,
    )


def statements(settings: Settings) -> list[str]:
    """Every statement of every Redshift migration, rendered from ``settings``."""
    names = identifiers(settings)
    return [
        statement
        for migration in load_migrations("redshift")
        for statement in split_statements(render(migration.sql, **names))
    ]


def parse(statement: str) -> Any:
    parsed = sqlglot.parse(statement, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    assert len(parsed) == 1 and parsed[0] is not None
    return parsed[0]


def code(statement: str) -> str:
    """The statement without comments, whitespace collapsed."""
    return " ".join(re.sub(r"--[^\n]*", "", statement).split())


# --------------------------------------------------------------------------- the migrations

# The only statements sqlglot cannot parse; each has a structure check below.
OPAQUE = (r"^CREATE EXTERNAL SCHEMA ", r"^RESET enable_case_sensitive_identifier$")


def test_every_migration_statement_parses_as_redshift() -> None:
    opaque = []
    for statement in statements(redshift_settings()):
        tree = parse(statement)
        if isinstance(tree, exp.Command):
            assert any(re.match(p, code(statement)) for p in OPAQUE), code(statement)
            opaque.append(code(statement))
            continue
        regenerated = tree.sql(dialect="redshift").upper()
        for keyword in ("DISTSTYLE", "DISTKEY", "SORTKEY", "AUTO REFRESH", "SUPER", "VARBYTE"):
            if keyword in code(statement).upper():  # sqlglot understood it, did not drop it
                assert keyword in regenerated, (keyword, code(statement)[:80])
    assert len(opaque) == 2


@pytest.mark.parametrize(
    ("role", "expected"), [("default", "IAM_ROLE default"), (ROLE_ARN, f"IAM_ROLE '{ROLE_ARN}'")]
)
def test_external_schema_reads_kinesis_with_the_configured_role(role: str, expected: str) -> None:
    settings = redshift_settings(iam_role=role, external_schema="kds")
    [create] = [s for s in statements(settings) if "EXTERNAL SCHEMA" in code(s)]
    assert code(create) == f"CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS {expected}"


def test_identifiers_spliced_into_ddl_are_validated() -> None:
    with pytest.raises(ValueError, match="quoted name"):
        render("FROM k.{stream_name:quoted}", stream_name='x"; DROP TABLE t; --')
    with pytest.raises(ValueError, match="string literal"):
        render("IAM_ROLE {iam_role:iam_role}", iam_role="arn:aws:iam::1:role/x' OR '1")
    with pytest.raises(Exception, match="iam_role"):
        redshift_settings(iam_role="arn:aws:iam::1:role/x'")


EXPECTED_LAYOUT = {
    # table: (DISTSTYLE, DISTKEY, SORTKEY columns)
    "transactions": ("KEY", "customer_id", ["tx_time"]),
    "labels": ("KEY", "tx_id", ["labelled_at"]),
    "decisions": ("KEY", "tx_id", ["decided_at"]),
    "consumer_watermarks": ("ALL", None, None),
    "alert_outbox": ("KEY", "alert_id", ["created_at"]),
    "card_blocks": ("ALL", None, ["card_token"]),
    "dead_letters": ("EVEN", None, ["received_at"]),
    "models": ("ALL", None, None),
    "simulations": ("ALL", None, ["loaded_at"]),
    # the console's tables (0005_cases.sql)
    "cases": ("KEY", "case_id", ["opened_at"]),
    "case_alerts": ("KEY", "case_id", ["attached_at"]),
    "verdicts": ("KEY", "case_id", ["decided_at"]),
    "audit_log": ("EVEN", None, ["acted_at"]),
    # the rule sets (0007_rules.sql): a few rows read by every consumer; results by decision
    "rule_set_versions": ("ALL", None, None),
    "rule_set_activations": ("ALL", None, ["activated_at"]),
    "rule_set_drafts": ("ALL", None, None),
    "rule_results": ("KEY", "tx_id", ["decided_at"]),
    # the named lists (0008_rule_lists.sql): a few rows read by every consumer on each poll
    "rule_lists": ("ALL", None, None),
}


def _layout(tree: exp.Create) -> tuple[str | None, str | None, list[str] | None]:
    props = tree.args["properties"].expressions
    style = next((p.this.name for p in props if isinstance(p, exp.DistStyleProperty)), None)
    key = next((p.this.name for p in props if isinstance(p, exp.DistKeyProperty)), None)
    sort = next(
        ([c.name for c in p.this] for p in props if isinstance(p, exp.SortKeyProperty)), None
    )
    return style, key, sort


def test_tables_have_the_distribution_and_sort_keys_the_feature_joins_need() -> None:
    layouts = {}
    for statement in statements(redshift_settings()):
        tree = parse(statement)
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            layouts[tree.this.this.name] = _layout(tree)
    assert layouts == EXPECTED_LAYOUT


def test_sequence_numbers_are_varchar_128_never_numeric() -> None:
    text = " ".join(code(s) for s in statements(redshift_settings()))
    assert "NUMERIC(128" not in text.upper()
    columns = re.findall(r"sequence_number\s+(\S+)", text)
    assert columns and set(columns) == {"VARCHAR(128)"}


@pytest.mark.parametrize("auto_refresh", [True, False])
def test_streaming_view_keeps_the_metadata_and_parses_json_once(auto_refresh: bool) -> None:
    settings = redshift_settings("Fraudd-Tx.v1", auto_refresh=auto_refresh, external_schema="kds")
    [view] = [s for s in statements(settings) if "MATERIALIZED VIEW" in code(s)]
    tree = parse(view)
    assert isinstance(tree, exp.Create) and tree.this.sql() == "fraudd.tx_stream"
    [refresh] = [
        p for p in tree.args["properties"].expressions if isinstance(p, exp.AutoRefreshProperty)
    ]
    assert refresh.this.name.upper() == ("YES" if auto_refresh else "NO")
    select = tree.expression
    assert [c.alias_or_name for c in select.expressions] == [
        "approximate_arrival_timestamp",
        "partition_key",
        "shard_id",
        "sequence_number",
        "refresh_time",
        "kinesis_data",
        "payload",
    ]
    # parsed once, only when it can be (a bad record stays, with payload NULL)
    assert len(list(tree.find_all(exp.ParseJSON))) == 1
    case = select.expressions[-1].this
    assert isinstance(case, exp.Case) and case.args.get("default") is None
    [branch] = case.args["ifs"]
    assert branch.this.sql().upper() == "CAN_JSON_PARSE(KINESIS_DATA)"
    assert isinstance(branch.args["true"], exp.ParseJSON)
    assert select.args.get("where") is None, "the view must not drop unparseable records"
    source = select.find(exp.Table)
    assert (source.db, source.name, source.this.quoted) == ("kds", "Fraudd-Tx.v1", True)
    text = " ".join(code(s) for s in statements(settings))
    assert text.index("SET enable_case_sensitive_identifier TO true") < text.index(code(view))
    assert text.index(code(view)) < text.index("RESET enable_case_sensitive_identifier")


def test_dead_letter_view_lists_the_records_redshift_cannot_parse() -> None:
    [view] = [s for s in statements(redshift_settings()) if "stream_unparsed" in code(s)]
    tree = parse(view)
    assert isinstance(tree, exp.Create) and tree.kind == "VIEW"
    where = tree.expression.args["where"].this
    assert isinstance(where, exp.Not)
    assert where.this.sql().upper() == "CAN_JSON_PARSE(KINESIS_DATA)"
    assert tree.expression.find(exp.Table).sql() == "fraudd.tx_stream"


# --------------------------------------------------------------------------- runtime statements

AREAS = ("stream", "actions", "labels", "scoring", "staging", "cases", "figures", "backtest")


# INSERT ... VALUES heads and the row group the session repeats after them.
ROW_GROUPS = {"insert_transactions": "transaction_row", "insert_decisions": "decision_row",
              "insert_outbox": "outbox_row"}  # fmt: skip


def _redshift_texts() -> dict[str, str]:
    texts = {}
    for area in AREAS:
        names = statement_names("redshift", area)
        for name in names:
            if name in ROW_GROUPS.values():
                continue
            text = load_statement("redshift", area, name, schema="fraudd", view="tx_stream")
            if ROW_GROUPS.get(name) in names:
                row = load_statement("redshift", area, ROW_GROUPS[name])
                text = f"{text} {row}, {row}"
            texts[f"{area}.{name}"] = _expanded(text)
    return texts


def _expanded(text: str) -> str:
    """Markers the sessions expand at run time, expanded as they do."""
    row = load_statement("redshift", "stream", "watermark_row")
    return text.replace("/*watermarks*/", f"{row} UNION ALL {row}").replace("/*ids*/", "%s, %s")


@pytest.mark.parametrize(("name", "text"), list(_redshift_texts().items()))
def test_runtime_statements_parse_as_redshift_without_postgres_only_syntax(
    name: str, text: str
) -> None:
    tree = parse(text)
    body = code(text)
    assert not isinstance(tree, exp.Command) or body.upper().startswith(("LOCK ", "REFRESH ")), name
    assert findings(text) == [], name
    if not isinstance(tree, exp.Command):
        assert body.count("%s") == len(list(tree.find_all(exp.Placeholder))), name


# --------------------------------------------------------------------------- queries and model


def test_feature_queries_parse_as_redshift() -> None:
    queries = feature_queries("redshift", "fraudd")
    serving = queries.serving.replace("/*tx_ids*/%s", "%s, %s")
    for text in (serving, queries.training):
        assert isinstance(parse(text), exp.Select)


def test_create_model_follows_the_documented_auto_off_xgboost_syntax() -> None:
    settings = redshift_settings(s3_bucket="fraudd-ml-staging")
    spec = create_model_spec(
        settings, dt.datetime(2024, 6, 1, tzinfo=dt.UTC), 60, s3_bucket="fraudd-ml-staging"
    )
    text = render_create_model(settings, spec)
    assert isinstance(parse(text), exp.Command)  # sqlglot has no CREATE MODEL
    flat = " ".join(text.split())
    clauses = [
        "CREATE MODEL fraudd.",
        " FROM (SELECT ",
        ") TARGET is_fraud FUNCTION fraudd_predict",
        " IAM_ROLE default",
        " AUTO OFF",
        " MODEL_TYPE XGBOOST",
        " OBJECTIVE 'binary:logistic'",
        " PREPROCESSORS 'none'",
        " HYPERPARAMETERS DEFAULT EXCEPT (NUM_ROUND '",
        " SETTINGS (S3_BUCKET 'fraudd-ml-staging'",
    ]
    positions = [flat.index(clause) for clause in clauses]
    assert positions == sorted(positions), "keywords out of the documented order"
    inner = text[text.index("FROM (") + len("FROM (") : text.rindex(")\nTARGET")]
    assert isinstance(parse(inner), exp.Select)
    assert "%s" not in text  # DDL binds nothing: the window is rendered as literals


# --------------------------------------------------------------------------- on PostgreSQL


CORE_TABLES = {
    "transactions",
    "labels",
    "decisions",
    "consumer_watermarks",
    "alert_outbox",
    "card_blocks",
    "dead_letters",
    "models",
}


async def _columns(wh: Any, schema: str) -> dict[str, list[str]]:
    async with wh.acquire() as conn:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            schema,
        )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.table_name, []).append(row.column_name)
    return found


async def _create_the_redshift_tables_on_postgresql(
    conn: Any, settings: Settings, rs_schema: str
) -> list[str]:
    """Every Redshift migration statement that has a PostgreSQL spelling, run in ``rs_schema``;
    returns the first three words of each one skipped."""
    skipped = []
    for statement in statements(settings):
        pg = to_postgres(statement, rs_schema)
        if pg is None:
            skipped.append(" ".join(code(statement).split()[:3]))
            continue
        await conn.execute(pg)
    await conn.execute(render(JSON_PARSE_FUNCTION, schema=rs_schema))
    return skipped


async def _create_the_postgres_schema(conn: Any, pg_schema: str) -> None:
    await conn.execute(f"CREATE SCHEMA {pg_schema}")
    for migration in load_migrations("postgres"):
        for statement in split_statements(
            render(migration.sql, schema=pg_schema, stream_view="tx_stream")
        ):
            await conn.execute(statement)


async def _drop_schemas(wh: Any, *schemas: str) -> None:
    async with wh.acquire() as conn:
        for schema in schemas:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def test_common_subset_runs_on_postgresql_with_the_postgres_schema_columns(
    local_stack: Any,
) -> None:
    """The Redshift tables, spelled for PostgreSQL, have the PostgreSQL schema's columns."""
    base, _info = local_stack
    rs_schema, pg_schema = f"t_rs_{uuid.uuid4().hex[:8]}", f"t_pg_{uuid.uuid4().hex[:8]}"
    settings = base.derive(**{"warehouse": base.warehouse.derive(**{"schema_name": rs_schema})})
    async with opened_warehouse(settings) as wh:
        try:
            async with wh.acquire() as conn:
                skipped = await _create_the_redshift_tables_on_postgresql(conn, settings, rs_schema)
                await _create_the_postgres_schema(conn, pg_schema)
            redshift_columns = await _columns(wh, rs_schema)
            postgres_columns = await _columns(wh, pg_schema)
        finally:
            await _drop_schemas(wh, rs_schema, pg_schema)
    assert skipped == [
        "CREATE EXTERNAL SCHEMA",
        "SET enable_case_sensitive_identifier TO",
        "CREATE MATERIALIZED VIEW",
        "RESET enable_case_sensitive_identifier",
        f"CREATE VIEW {rs_schema}.stream_unparsed",
    ]
    postgres_columns.pop("tx_stream")  # the streaming view on Redshift (0002, Redshift-only)
    assert CORE_TABLES <= set(redshift_columns)
    shared = set(redshift_columns) & set(postgres_columns)
    assert {t: redshift_columns[t] for t in shared} == {t: postgres_columns[t] for t in shared}
