"""``fraudd features list|sql|check``: the feature catalog as the warehouse will compute it.

``list`` names each declaration with its kind and description; ``sql`` prints the query the
warehouse will run for a dialect and a path (compiled by the warehouse, not here); ``check``
validates a catalog file. A bad catalog is one line naming the feature, exit 78 (EX_CONFIG).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from fraudd.cli.app import app, settings_from
from fraudd.cli.errors import Failure
from fraudd.feature_catalog import Catalog, CatalogError, CatalogMode, WindowFeature, load_catalog
from fraudd.fields import wire_types
from fraudd.settings import EX_CONFIG, SqlIdentifier
from fraudd.warehouse import POSTGRES_INDEXED, compiled_queries

features_app = typer.Typer(
    help="The feature catalog: list, compiled SQL, check.", no_args_is_help=True
)
app.add_typer(features_app, name="features")

CatalogOpt = Annotated[
    Path | None,
    typer.Option("--catalog", help="A catalog file (default: the configured one, features.*)."),
]
ModeOpt = Annotated[
    CatalogMode,
    typer.Option("--mode", help="replace the built-in catalog, or extend it (features.mode)."),
]


def _catalog(ctx: typer.Context, path: Path | None, mode: CatalogMode = "replace") -> Catalog:
    """``path``'s catalog, or the one the configuration selects (checked as settings load)."""
    settings = settings_from(ctx)
    if path is None:
        return settings.features.selected()
    try:  # a file's features may read the fields the settings declare
        return load_catalog(path, mode, wire_types(settings.fields.declared))
    except CatalogError as e:
        raise Failure(f"features: {e}: fix the catalog file", EX_CONFIG) from e


@features_app.command("list")
def features_list(
    ctx: typer.Context, catalog: CatalogOpt = None, mode: ModeOpt = "replace"
) -> None:
    """Print each feature: name, kind, description (hidden inputs of derived features last)."""
    declarations = _catalog(ctx, catalog, mode).declarations
    for d in sorted(declarations, key=lambda d: d.hidden):
        hidden = " (hidden: an input of derived features)" if d.hidden else ""
        sys.stdout.write(f"{d.name}\t{d.kind}\t{d.description}{hidden}\n")


@features_app.command("sql")
def features_sql(
    ctx: typer.Context,
    dialect: Annotated[
        Literal["postgres", "redshift"], typer.Option("--dialect", help="postgres | redshift")
    ] = "postgres",
    path: Annotated[
        Literal["serving", "training"], typer.Option("--path", help="serving | training")
    ] = "serving",
    schema: Annotated[str, typer.Option("--schema", help="The warehouse schema.")] = "fraudd",
    catalog: CatalogOpt = None,
    mode: ModeOpt = "replace",
) -> None:
    """Print the feature query the warehouse runs for a dialect and a path."""
    try:
        schema = _schema(schema)
    except ValueError as e:
        raise Failure(f"features sql: --schema {schema!r}: {e}", 2) from e
    queries = compiled_queries(_catalog(ctx, catalog, mode), dialect, schema)
    sys.stdout.write(queries.serving if path == "serving" else queries.training)


def _schema(name: str) -> str:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(SqlIdentifier).validate_python(name)
    except ValidationError as e:
        raise ValueError(e.errors()[0]["msg"].removeprefix("Value error, ")) from e


@features_app.command("check")
def features_check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The catalog file.")],
    mode: ModeOpt = "replace",
) -> None:
    """Check a catalog file: each declaration, names, inputs, cycles; say what it declares."""
    checked = _catalog(ctx, file, mode)
    hours = checked.lookback.total_seconds() / 3600
    sys.stdout.write(
        f"{file}: {len(checked.features)} features "
        f"({len(checked.declarations) - len(checked.features)} hidden), "
        f"look-back {hours:g} hours, fingerprint {checked.fingerprint[:12]}\n"
    )
    windows = (d for d in checked.declarations if isinstance(d, WindowFeature))
    for d in windows:
        if not set(d.keys) & set(POSTGRES_INDEXED):
            sys.stdout.write(
                f"note: feature {d.name!r}: PostgreSQL has no ({d.keys[0]}, tx_time) index, so "
                "its serving window reads the whole table per transaction; add that index first\n"
            )
