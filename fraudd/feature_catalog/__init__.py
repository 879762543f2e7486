"""The feature catalog: every feature one declaration (``catalog.toml`` and
``record.toml``), checked as a whole.

At the bottom of the package's dependency order (it imports only :mod:`fraudd.columns`), and
free of SQL: the warehouse compiles a catalog into each dialect's feature SQL
(:mod:`fraudd.warehouse.feature_sql`), :mod:`fraudd.features` derives the model's
inputs and reason wording from it.
"""

from fraudd.feature_catalog.catalog import (
    CORE,
    RECORD,
    RICH,
    Catalog,
    CatalogError,
    CatalogMode,
    built_in,
    checked,
    core,
    load_catalog,
    parse_catalog,
    selected,
)
from fraudd.feature_catalog.models import Declaration, WindowFeature, duration

__all__ = [
    "CORE",
    "RECORD",
    "RICH",
    "Catalog",
    "CatalogError",
    "CatalogMode",
    "Declaration",
    "WindowFeature",
    "built_in",
    "checked",
    "core",
    "duration",
    "load_catalog",
    "parse_catalog",
    "selected",
]
