"""The issuer's own fields (declared in :mod:`fraudd.settings.fields`): their values and columns.

One owner for what a declared field's type means everywhere:

* on the wire and in a history file — :func:`check_value` turns a raw value (JSON, or CSV text)
  into the typed value or says why it is refused; a value that looks like a full card number is
  refused whatever the type (invariant 7, :func:`fraudd.pan.holds_pan`, separated forms too);
* in the warehouse — each field is a typed column of ``transactions``, added by ``fraudd
  migrate`` from the declaration (:func:`column` gives its types per dialect);
* for features — :func:`wire_types` gives the feature catalog each field's type, so a feature
  may filter on a field, group by it or read it (the compiler reads it as a plain column).

A string value is at most :data:`MAX_TEXT` characters from a plain alphabet (letters, digits,
space and ``_.:/@+-``): it never needs quoting in the loader's CSV and never carries markup.

Storage: typed columns, not one ``jsonb`` / ``SUPER`` column — measured by ``python -m bench
own-fields`` (README, "Your own fields and features").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from fraudd.columns import Column
from fraudd.pan import holds_pan
from fraudd.settings import OwnField
from fraudd.settings.fields import wire_type

MAX_TEXT: Final[int] = 256
_TEXT: Final = re.compile(rf"[A-Za-z0-9 _.:/@+-]{{0,{MAX_TEXT}}}")
_TRUE: Final = frozenset({"true", "1", "t", "yes"})
_FALSE: Final = frozenset({"false", "0", "f", "no"})

_TYPES: Final[dict[str, tuple[str, str]]] = {
    "string": ("text", f"VARCHAR({MAX_TEXT})"),
    "number": ("double precision", "DOUBLE PRECISION"),
    "boolean": ("boolean", "BOOLEAN"),
    "timestamp": ("timestamptz", "TIMESTAMPTZ"),
}
"""A field type's PostgreSQL and Redshift column types (its Python type: ``wire_type``)."""
ARRAY_TYPES: Final[dict[str, str]] = {
    "string": "text[]", "number": "float8[]", "boolean": "bool[]", "timestamp": "timestamptz[]",
}  # fmt: skip
"""The PostgreSQL array type a batch of a field's values is bound as (``unnest``)."""


class FieldValueError(ValueError):
    """A declared field's value is refused; the message says why, without the value."""


class PanLikeValue(FieldValueError):
    """A declared field's value could be a full card number (invariant 7)."""


def column(field: OwnField) -> Column:
    """The field as a column of ``transactions``: nullable in the warehouse (a field declared
    after rows were stored has no value for them); ``required`` is checked on arrival."""
    postgres, redshift = _TYPES[field.type]
    return Column(field.name, wire_type(field.type), postgres, redshift)


def columns(declared: Iterable[OwnField]) -> tuple[Column, ...]:
    """Every declared field as a column, in declaration order."""
    return tuple(column(f) for f in declared)


def wire_types(declared: Iterable[OwnField]) -> tuple[tuple[str, type], ...]:
    """Each declared field's name and Python type: what the feature catalog checks a feature
    over the field against (:func:`fraudd.feature_catalog.parse_catalog`'s ``fields``)."""
    return tuple((f.name, wire_type(f.type)) for f in declared)


def check_value(field: OwnField, raw: Any) -> Any:
    """``raw`` (a JSON value, or a CSV file's text) as the field's type; None for a missing or
    empty value. Raises :class:`FieldValueError`."""
    if raw is None or raw == "":  # empty is missing, as in a CSV file (and COPY's EMPTYASNULL)
        if field.required:
            raise FieldValueError("missing (required)")
        return None
    value = _CONVERT[field.type](raw)
    if _pan_like(raw, value):
        raise PanLikeValue("looks like a card number")
    return value


def check_values(declared: Sequence[OwnField], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared field's typed value from ``raw`` (a swipe's ``fields``); a key that is not
    declared, a wrong type or a missing required value raises :class:`FieldValueError` whose
    message starts with the field's name."""
    known = {f.name for f in declared}
    extra = sorted(k for k in raw if k not in known)
    if extra:
        raise FieldValueError(f"{extra[0]}: not declared")
    values: dict[str, Any] = {}
    for field in declared:
        try:
            values[field.name] = check_value(field, raw.get(field.name))
        except FieldValueError as exc:
            raise type(exc)(f"{field.name}: {exc}") from None
    return values


def _string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise FieldValueError("not a string")
    if not _TEXT.fullmatch(raw):
        raise FieldValueError(f"more than {MAX_TEXT} characters or outside [A-Za-z0-9 _.:/@+-]")
    return raw


def _number(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise FieldValueError("not a number")
    try:
        value = float(raw)
    except ValueError:
        raise FieldValueError("not a number") from None
    if not math.isfinite(value):
        raise FieldValueError("not a finite number")
    return value


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = raw.strip().lower() if isinstance(raw, str) else None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise FieldValueError("not a boolean")


def _timestamp(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise FieldValueError("not an ISO 8601 timestamp") from None
    else:
        raise FieldValueError("not a timestamp")
    if value.tzinfo is None:
        raise FieldValueError("timestamp must carry a UTC offset")
    return value.astimezone(UTC)


def _pan_like(raw: Any, value: Any) -> bool:
    """The raw text, or a whole number's digits (a PAN sent as a JSON number), could be a card
    number."""
    whole = isinstance(value, float) and value.is_integer()
    return holds_pan(str(raw)) or (whole and holds_pan(str(int(value))))


_CONVERT: Final = {
    "string": _string,
    "number": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
}
