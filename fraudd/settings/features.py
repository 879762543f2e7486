"""The features section: which feature catalog this process computes and scores with."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from fraudd.feature_catalog import Catalog, CatalogError, CatalogMode, selected
from fraudd.settings.base import Section, conflict


class FeatureSettings(Section):
    """``catalog``: a TOML file of ``[[feature]]`` declarations (``fraudd features check FILE``
    checks one); ``mode``: ``replace`` the built-in catalog with it, or ``extend`` it (the
    file's features after the built-in ones, which they may use). Unset: the built-in catalog.
    """

    catalog: Path | None = Field(default=None, description="a feature catalog file (TOML)")
    mode: CatalogMode = "replace"

    @model_validator(mode="after")
    def _catalog_compiles(self) -> Self:
        """A bad catalog stops every command at start (exit 78), naming the feature."""
        try:
            self.selected()
        except CatalogError as e:
            raise conflict("catalog", str(e)) from None
        return self

    def selected(self) -> Catalog:
        """The catalog these settings select, read once per process."""
        return selected(self.catalog, self.mode)
