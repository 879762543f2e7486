"""Loading and checking a feature catalog: a bad catalog is one error naming the feature."""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from fraudd.feature_catalog.models import FIELDS, Declaration, WindowFeature

BUILT_IN = Path(__file__).with_name("catalog.toml")
_DECLARATION: TypeAdapter[Declaration] = TypeAdapter(Declaration)


class CatalogError(ValueError):
    """A catalog that cannot be compiled; the message names the feature and what is wrong."""


@dataclass(frozen=True)
class Catalog:
    """The declarations of a checked catalog, in their file's order."""

    declarations: tuple[Declaration, ...]
    declared_fields: tuple[tuple[str, type], ...] = ()
    """The issuer's declared fields the catalog may read (name, wire type), on top of
    :data:`~fraudd.feature_catalog.models.FIELDS`."""

    @property
    def fields(self) -> Mapping[str, type]:
        """Every field a feature of this catalog may read, with its wire type."""
        return {**FIELDS, **dict(self.declared_fields)}

    @property
    def features(self) -> tuple[str, ...]:
        """The model's inputs, in order: every declaration not hidden."""
        return tuple(d.name for d in self.declarations if not d.hidden)

    @property
    def reasons(self) -> Mapping[str, str]:
        """Each model input's investigator wording."""
        return {d.name: d.reason for d in self.declarations if not d.hidden and d.reason}

    @property
    def by_name(self) -> Mapping[str, Declaration]:
        return {d.name: d for d in self.declarations}

    @property
    def lookback(self) -> timedelta:
        """How far before a transaction its windows read: the widest delay + window."""
        windows = [d.span for d in self.declarations if isinstance(d, WindowFeature)]
        return max(windows, default=timedelta(0))


def parse_catalog(
    text: str, source: str = "catalog", fields: Mapping[str, type] | None = None
) -> Catalog:
    """A catalog from TOML text; :class:`CatalogError` (one line) if it is not valid.
    ``fields``: the issuer's declared fields (name -> wire type) its features may read."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"{source}: not TOML: {e}") from e
    entries = raw.get("feature")
    if set(raw) - {"feature"} or not isinstance(entries, list) or not entries:
        raise CatalogError(f"{source}: expected [[feature]] tables only, at least one")
    own = tuple((fields or {}).items())
    declared = tuple(_declaration(entry, i, source, own) for i, entry in enumerate(entries))
    return checked(declared, source, own)


def checked(
    declarations: tuple[Declaration, ...],
    source: str = "catalog",
    fields: tuple[tuple[str, type], ...] = (),
) -> Catalog:
    """A catalog of ``declarations`` once the whole is consistent: names unique, every input
    declared, no cycle between derived features, reasons naming features."""
    _check(declarations, source)
    return Catalog(declarations, fields)


def load_catalog(path: Path | None = None, fields: Mapping[str, type] | None = None) -> Catalog:
    """The catalog of ``path``, or the built-in one; ``fields`` as :func:`parse_catalog`'s."""
    if path is None:
        return built_in()
    try:
        text = path.read_text()
    except OSError as e:
        raise CatalogError(f"{path}: cannot read the catalog: {e.strerror}") from e
    return parse_catalog(text, str(path), fields)


@functools.cache
def built_in() -> Catalog:
    """The catalog shipped with fraudd (``catalog.toml``)."""
    return parse_catalog(BUILT_IN.read_text(), BUILT_IN.name)


def _declaration(
    entry: Any, index: int, source: str, fields: tuple[tuple[str, type], ...] = ()
) -> Declaration:
    name = entry.get("name") if isinstance(entry, dict) else None
    label = f"feature {name!r}" if isinstance(name, str) else f"feature #{index + 1}"
    try:
        return _DECLARATION.validate_python(entry, context={"fields": fields})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:] if not isinstance(p, int))
        what = first["msg"].removeprefix("Value error, ")
        raise CatalogError(f"{source}: {label}: {where + ': ' if where else ''}{what}") from e


def _check(declarations: tuple[Declaration, ...], source: str) -> None:
    seen: set[str] = set()
    for d in declarations:
        if d.name in seen:
            raise CatalogError(f"{source}: feature {d.name!r}: declared twice")
        seen.add(d.name)
    for d in declarations:
        unknown = [i for i in d.inputs() if i not in seen]
        if unknown:
            raise CatalogError(f"{source}: feature {d.name!r}: unknown input {unknown[0]!r}")
        keys = [f for _, f, _, _ in string.Formatter().parse(d.reason or "") if f is not None]
        wrong = [k for k in keys if k.split(".")[0].split("[")[0] not in seen]
        if wrong:
            raise CatalogError(
                f"{source}: feature {d.name!r}: reason names no feature {wrong[0]!r}"
            )
    graph = {d.name: d.inputs() for d in declarations}
    for d in declarations:
        _acyclic(d.name, graph, (), source)


def _acyclic(
    name: str, graph: Mapping[str, tuple[str, ...]], path: tuple[str, ...], source: str
) -> None:
    if name in path:
        cycle = " -> ".join((*path[path.index(name) :], name))
        raise CatalogError(
            f"{source}: feature {path[0]!r}: cycle between derived features: {cycle}"
        )
    for child in graph[name]:
        _acyclic(child, graph, (*path, name), source)
