"""The features section: which feature catalog this process computes and scores with."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, PrivateAttr, model_validator

from fraudd.feature_catalog import Catalog, CatalogError, CatalogMode, selected
from fraudd.settings.base import Section, conflict
from fraudd.settings.fields import OwnField, wire_type


class FeatureSettings(Section):
    """``catalog``: a TOML file of ``[[feature]]`` declarations (``fraudd features check FILE``
    checks one); ``mode``: ``replace`` the built-in catalog with it, or ``extend`` it (the
    file's features after the built-in ones, which they may use). Unset: the built-in catalog.
    """

    catalog: Path | None = Field(default=None, description="a feature catalog file (TOML)")
    mode: CatalogMode = "replace"
    _fields: tuple[tuple[str, type], ...] = PrivateAttr(default=())
    """The issuer's declared fields (``[fields]``) the catalog may read: set by the root
    settings (:meth:`read_fields`), which see both sections."""

    @model_validator(mode="after")
    def _catalog_compiles(self) -> Self:
        """A bad catalog stops every command at start (exit 78), naming the feature; one that
        reads declared fields is checked by the root settings, once they are known."""
        try:
            self.selected()
        except CatalogError as e:
            if "field" not in str(e):
                raise conflict("catalog", str(e)) from None
        return self

    def read_fields(self, declared: tuple[OwnField, ...]) -> None:
        """Let the catalog read ``declared`` (the root settings' ``fields.declared``); raise
        :class:`CatalogError` if it still does not compile."""
        self._fields = tuple((f.name, wire_type(f.type)) for f in declared)
        self.selected()

    def selected(self) -> Catalog:
        """The catalog these settings select, read once per process."""
        return selected(self.catalog, self.mode, self._fields)
