"""Loading and checking a feature catalog: a bad catalog is one error naming the feature."""

from __future__ import annotations

import functools
import hashlib
import json
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from fraudd.feature_catalog.models import FIELDS, Declaration, WindowFeature

CORE = Path(__file__).with_name("catalog.toml")
"""The built-in catalog's first part: the 23 features of card, terminal, amount and time."""
RECORD = Path(__file__).with_name("record.toml")
"""Its second part: features over the rest of the record (channel, merchant category, place)."""
RICH = Path(__file__).with_name("rich.toml")
"""Features measured and left out, shipped as an extension of the built-in catalog."""
_DECLARATION: TypeAdapter[Declaration] = TypeAdapter(Declaration)
_WORDING = {"reason", "description"}
CatalogMode = Literal["replace", "extend"]
"""How a user's catalog file relates to the built-in one: instead of it, or after it."""


class CatalogError(ValueError):
    """A catalog that cannot be compiled; the message names the feature and what is wrong."""


@dataclass(frozen=True)
class Catalog:
    """The declarations of a checked catalog, in their file's order."""

    declarations: tuple[Declaration, ...]
    text: str = field(default="", compare=False, repr=False)
    """The TOML the declarations were read from ("" when built in code, as tests do)."""
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

    def __hash__(self) -> int:
        # declarations hold dicts (a window's filter): hash what equal catalogs share
        return hash(self.fingerprint)

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 of what the feature values depend on: every declaration, in order, without
        its wording (``reason``, ``description``). Two catalogs of one fingerprint compute the
        same features; a model records its catalog's and is scored only under it."""
        kept = [
            d.model_dump(mode="json", exclude=_WORDING, exclude_defaults=True)
            for d in self.declarations
        ]
        canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


Fields = tuple[tuple[str, type], ...]
"""The issuer's declared fields a catalog may read: (name, wire type) pairs."""


def parse_catalog(text: str, source: str = "catalog", fields: Fields = ()) -> Catalog:
    """A catalog from TOML text; :class:`CatalogError` (one line) if it is not valid.
    ``fields``: the issuer's declared fields (:func:`fraudd.fields.wire_types`) it may read."""
    return checked(_declarations(text, source, fields), source, text, fields)


def checked(
    declarations: tuple[Declaration, ...],
    source: str = "catalog",
    text: str = "",
    fields: Fields = (),
) -> Catalog:
    """A catalog of ``declarations`` once the whole is consistent: names unique, every input
    declared, no cycle between derived features, reasons naming features. ``text``: the TOML
    they were read from, kept for the model registry."""
    _check(declarations, source)
    return Catalog(declarations, text, fields)


def load_catalog(
    path: Path | None = None, mode: CatalogMode = "replace", fields: Fields = ()
) -> Catalog:
    """The catalog of ``path`` (``replace``: alone; ``extend``: after the built-in one's
    declarations, which it may use), or the built-in one; its features may read ``fields``."""
    if path is None:
        return built_in()
    try:
        text = path.read_text()
    except OSError as e:
        raise CatalogError(f"{path}: cannot read the catalog: {e.strerror}") from e
    if mode == "replace":
        return parse_catalog(text, str(path), fields)
    return _extended(built_in(), text, str(path), fields)


def _extended(base: Catalog, text: str, source: str, fields: Fields = ()) -> Catalog:
    """``base``'s declarations, then those of ``text``, which may use them."""
    declarations = base.declarations + _declarations(text, source, fields)
    return checked(declarations, source, f"{base.text}\n{text}", fields)


@functools.lru_cache(maxsize=4)
def selected(path: Path | None, mode: CatalogMode = "replace", fields: Fields = ()) -> Catalog:
    """The catalog a process runs (``features.catalog``, ``features.mode``), read once: every
    later call, the warehouse's feature SQL and the model's inputs included, sees the same."""
    return load_catalog(path, mode, fields)


@functools.cache
def built_in() -> Catalog:
    """The catalog fraudd computes unless told otherwise: ``catalog.toml``'s declarations, then
    ``record.toml``'s, which may use them."""
    return _extended(core(), RECORD.read_text(), RECORD.name)


@functools.cache
def core() -> Catalog:
    """The built-in catalog's first part alone (``catalog.toml``): the 23 features of card,
    terminal, amount and time that fraudd computed before its catalog existed, bit for bit."""
    return parse_catalog(CORE.read_text(), CORE.name)


def _declarations(text: str, source: str, fields: Fields = ()) -> tuple[Declaration, ...]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"{source}: not TOML: {e}") from e
    entries = raw.get("feature")
    if set(raw) - {"feature"} or not isinstance(entries, list) or not entries:
        raise CatalogError(f"{source}: expected [[feature]] tables only, at least one")
    return tuple(_declaration(entry, i, source, fields) for i, entry in enumerate(entries))


def _declaration(entry: Any, index: int, source: str, fields: Fields = ()) -> Declaration:
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
