"""PostgreSQL constructs Amazon Redshift does not have, as patterns over SQL text.

A statement that runs on PostgreSQL may still fail on Redshift; Redshift mode cannot show that,
so every Redshift statement is checked against this list instead (test_redshift_sql.py). Each
entry names the AWS page that says Redshift lacks it:

* FEATURES  "Unsupported PostgreSQL features"
  https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-features.html
* FUNCTIONS "Unsupported PostgreSQL functions"
  https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-functions.html
* TYPES     "Unsupported PostgreSQL data types"
  https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-datatypes.html
* INSERT    the INSERT synopsis has no ON CONFLICT and no RETURNING
  https://docs.aws.amazon.com/redshift/latest/dg/r_INSERT_30.html
* SELECT    the SELECT synopsis has no locking clause (FOR UPDATE/SHARE, SKIP LOCKED) and the
  FROM clause no LATERAL
  https://docs.aws.amazon.com/redshift/latest/dg/r_SELECT_synopsis.html
* NUMERIC   precision is at most 38 ("Numeric types"; Kinesis sequence numbers need 128)
  https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html
* HOUSE     the project's own rule, not Redshift's: no ``::`` casts on the Redshift path.
  Redshift accepts ``::`` for its own types, but a ``::`` is how a PostgreSQL-only type
  (``::jsonb``, ``::text[]``) slips in, so the Redshift SQL writes CAST() and this list stays
  simple. Likewise make_interval() and FILTER (WHERE ...) on aggregates appear in no Redshift
  function or aggregate synopsis.

Patterns run on code only: comments, string literals and quoted identifiers are blanked first
(:func:`code_of`), so prose about a construct does not count as using it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fraudd.warehouse.sqlfiles import sql_segments

FEATURES = "c_unsupported-postgresql-features"
FUNCTIONS = "c_unsupported-postgresql-functions"
TYPES = "c_unsupported-postgresql-datatypes"
INSERT = "r_INSERT_30"
SELECT = "r_SELECT_synopsis"
NUMERIC = "r_Numeric_types201"
HOUSE = "house rule"


@dataclass(frozen=True)
class Missing:
    """A construct Redshift lacks, the pattern that finds it, and the page that says so."""

    name: str
    pattern: re.Pattern[str]
    source: str


def _m(name: str, pattern: str, source: str) -> Missing:
    return Missing(name, re.compile(pattern, re.I), source)


MISSING: tuple[Missing, ...] = (
    # features
    _m("CREATE INDEX", r"\bCREATE\s+(UNIQUE\s+)?INDEX\b", FEATURES),
    _m("table partitioning", r"\)\s*PARTITION\s+BY\s+(RANGE|LIST|HASH)\b", FEATURES),
    _m("tablespaces", r"\bTABLESPACE\b", FEATURES),
    _m("check constraints", r"\bCHECK\s*\(", FEATURES),
    _m("exclusion constraints", r"\bEXCLUDE\s+USING\b", FEATURES),
    _m("inheritance", r"\bINHERITS\s*\(", FEATURES),
    _m("collations", r"\bCOLLATE\b", FEATURES),
    _m("array constructors", r"\bARRAY\s*\[", FEATURES),
    _m("subscript expressions", r"[\w)\]]\s*\[\s*[\w%$]", FEATURES),
    _m("row constructors", r"\bROW\s*\(", FEATURES),
    _m("triggers", r"\bCREATE\s+(OR\s+REPLACE\s+)?TRIGGER\b", FEATURES),
    _m("foreign data (SQL/MED)", r"\bFOREIGN\s+(TABLE|DATA\s+WRAPPER)\b", FEATURES),
    _m("table functions (unnest)", r"\bUNNEST\s*\(", FEATURES),
    _m("VALUES list as a constant table", r"\(\s*VALUES\s*\(", FEATURES),
    _m("sequences", r"\b(CREATE\s+SEQUENCE|NEXTVAL|CURRVAL|SETVAL)\b", FEATURES),
    _m("full text search", r"@@|\bTO_TS(VECTOR|QUERY)\s*\(", FEATURES),
    # functions
    _m("array operators (= ANY)", r"(=|<>|!=)\s*(ANY|ALL|SOME)\s*\(", FUNCTIONS),
    _m("array functions", r"\b(ARRAY_\w+|CARDINALITY|STRING_TO_ARRAY)\s*\(", FUNCTIONS),
    _m("unsupported aggregates",
       r"\b(STRING_AGG|EVERY|XMLAGG|CORR|COVAR_POP|COVAR_SAMP|REGR_\w+)\s*\(", FUNCTIONS),
    _m("advisory locks", r"\bPG_(TRY_)?ADVISORY_\w+\s*\(", FUNCTIONS),
    _m("clock_timestamp()", r"\bCLOCK_TIMESTAMP\s*\(", FUNCTIONS),
    _m("transaction_timestamp()", r"\bTRANSACTION_TIMESTAMP\s*\(", FUNCTIONS),
    _m("justify_*()", r"\bJUSTIFY_(DAYS|HOURS|INTERVAL)\s*\(", FUNCTIONS),
    _m("pg_sleep()", r"\bPG_SLEEP\s*\(", FUNCTIONS),
    _m("IS DISTINCT FROM", r"\bIS\s+(NOT\s+)?DISTINCT\s+FROM\b", FUNCTIONS),
    _m("div/setseed/width_bucket", r"\b(DIV|SETSEED|WIDTH_BUCKET)\s*\(", FUNCTIONS),
    _m("generate_series()", r"\bGENERATE_(SERIES|SUBSCRIPTS)\s*\(", FUNCTIONS),
    _m("string functions", r"\b(BIT_LENGTH|OVERLAY|CONVERT_FROM|CONVERT_TO|ENCODE|FORMAT)\s*\(",
       FUNCTIONS),
    # data types
    _m("array types", r"\b\w+\s*\[\s*\]", TYPES),
    _m("bytea", r"\bBYTEA\b", TYPES),
    _m("json / jsonb", r"(?<!FORMAT )\bJSONB?\b", TYPES),  # EXPLAIN (FORMAT JSON) is no type
    _m("serial types", r"\b(SMALL|BIG)?SERIAL\b", TYPES),
    _m("money", r"\bMONEY\b", TYPES),
    _m("uuid", r"\bUUID\b", TYPES),
    _m("xml", r"\bXML\b", TYPES),
    _m("hstore", r"\bHSTORE\b", TYPES),
    _m("enumerated and composite types", r"\bCREATE\s+TYPE\b", TYPES),
    _m("network address types", r"\b(INET|CIDR|MACADDR8?)\b", TYPES),
    _m("range types", r"\b(INT4|INT8|NUM|TS|TSTZ|DATE)RANGE\b", TYPES),
    _m("bit strings", r"\bBIT\s+VARYING\b|\bBIT\s*\(", TYPES),
    _m("txid_snapshot", r"\bTXID_SNAPSHOT\b", TYPES),
    # statements
    _m("ON CONFLICT", r"\bON\s+CONFLICT\b", INSERT),
    _m("RETURNING", r"\bRETURNING\b", INSERT),
    _m("row locks (FOR UPDATE / SKIP LOCKED)",
       r"\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)\b|\bSKIP\s+LOCKED\b", SELECT),
    _m("LATERAL", r"\bLATERAL\b", SELECT),
    _m("NUMERIC beyond precision 38",
       r"\b(NUMERIC|DECIMAL)\s*\(\s*(39|[4-9]\d|\d{3,})\b", NUMERIC),
    # house rules
    _m(":: casts", r"::", HOUSE),
    _m("make_interval()", r"\bMAKE_INTERVAL\s*\(", HOUSE),
    _m("aggregate FILTER clause", r"\bFILTER\s*\(\s*WHERE\b", HOUSE),
)


def code_of(sql_text: str) -> str:
    """``sql_text`` with comments, string literals and quoted identifiers blanked."""
    return "".join(
        text if kind == "code" else " " * len(text) for kind, text in sql_segments(sql_text)
    )


def findings(sql_text: str) -> list[str]:
    """``"name (source)"`` for every construct of :data:`MISSING` the SQL uses."""
    code = code_of(sql_text)
    return [f"{m.name} ({m.source})" for m in MISSING if m.pattern.search(code)]


def redshift_refusal(sql_text: str) -> dict[str, str] | None:
    """The error Redshift mode answers a statement using a construct of :data:`MISSING` with.

    Redshift's own wording for each is not documented; the SQLSTATE is what PostgreSQL gives
    the same kind of mistake (42883 an unknown function, 42704 an unknown type, 42601 syntax),
    so a caller classifies it the same way: permanent.
    """
    code = code_of(sql_text)
    for missing in MISSING:
        found = missing.pattern.search(code)
        if found is None:
            continue
        kind = {FUNCTIONS: ("42883", "function"), TYPES: ("42704", "type")}
        sqlstate, what = kind.get(missing.source, ("42601", "syntax"))
        return {
            "S": "ERROR",
            "C": sqlstate,
            "M": f"{what} not supported by Redshift: {missing.name} "
            f"(at {found.group(0).strip()!r})",
        }
    return None
