"""The feature catalog's declarations: one pydantic model per kind of feature, no SQL.

A catalog (``catalog.toml``, its header describes an entry) is a list of ``[[feature]]`` tables,
each one declaration discriminated by ``kind``:

* row expressions over the scored transaction's own fields: ``field`` (a numeric field's
  value), ``hour`` (the hour of day in a time zone, or 1/0 when it is in a set of hours),
  ``weekend`` (1/0, in a time zone), ``in_set`` (1/0: a field's value is one of a set),
  ``category`` (a categorical field as the index of its value in a declared list);
* ``window``: an aggregation over the transactions of an entity (``customer``, ``card``,
  ``terminal`` or any text field, or a list of them: the card in this merchant category) in a
  window ``(t - delay - window, t - delay]``, with a function, an optional filter on fields,
  and optionally only the frauds whose label was known at t (``known_fraud``; a
  transaction's own label never counts);
* derived expressions of other features: ``ratio``, ``difference``, ``zscore``.

A declaration with ``hidden = true`` is computed only as an input of derived features: it is
not a model input and needs no reason wording. Validation of the whole catalog (names,
references, cycles) is :func:`fraudd.feature_catalog.check_catalog`'s.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fraudd.columns import TRANSACTION

FIELDS: dict[str, type] = {c.name: c.wire for c in TRANSACTION if c.name != "tx_id"}
"""The record's built-in fields a feature may read, with their wire types. The issuer's declared
fields (:mod:`fraudd.fields`) come on top, as the validation context ``{"fields": ...}`` of a
catalog (:func:`fraudd.feature_catalog.parse_catalog`'s ``fields``)."""
ENTITIES: dict[str, str] = {
    "customer": "customer_id",
    "card": "card_token",
    "terminal": "terminal_id",
}
"""Named entities and the field that keys each; any other text field may key a window too, and
a list of two or three of them a compound entity (``["customer", "merchant_category"]``)."""
MAX_KEYS = 3
_NAME = r"^[a-z][a-z0-9_]{0,62}$"
_DURATION = re.compile(r"^(\d{1,5})(m|h|d)$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60}
_VALUE = re.compile(r"^[A-Za-z0-9 _.:/+-]{0,64}$")
_ZONE = re.compile(r"^[A-Za-z0-9_/+-]{1,64}$")
RESERVED = frozenset(
    # the columns next to the features in the queries' rows, and SQL's reserved words
    # (PostgreSQL's and Redshift's), which a feature's name would be spliced in as
    "tx_id tx_time customer_id card_token is_fraud all analyse analyze and any array as asc "
    "asymmetric authorization between binary both case cast check collate column constraint "
    "create cross current_date current_role current_time current_timestamp current_user "
    "default deferrable desc distinct do else end except false fetch for foreign freeze from "
    "full grant group having ilike in initially inner intersect into is isnull join lateral "
    "leading left like limit localtime localtimestamp natural new not notnull null off offset "
    "old on only or order outer overlaps placing primary references returning right select "
    "session_user similar some symmetric table then to top trailing true union unique user "
    "using variadic verbose when where window with".split()
)
MAX_SPAN = timedelta(days=400)
"""The widest window + delay a catalog may declare (the scans' look-back)."""


def duration(text: str) -> timedelta:
    """``"30d"``, ``"24h"``, ``"15m"`` as a timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 15m, 24h or 30d")
    return timedelta(minutes=int(match.group(1)) * _UNIT_MINUTES[match.group(2)])


class _Declaration(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=_NAME)]
    description: str = ""
    reason: str | None = None
    """Investigator wording as a reason code, a format string over the row's feature values."""
    hidden: bool = False

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED:
            raise ValueError(f"{v!r} is reserved (a column of the feature rows or SQL's)")
        return v

    @model_validator(mode="after")
    def _worded(self) -> _Declaration:
        if not self.hidden and not self.reason:
            raise ValueError("needs 'reason' (investigator wording), or hidden = true")
        return self

    def inputs(self) -> tuple[str, ...]:
        """The features this one is computed from (derived features only)."""
        return ()


def known_fields(info: ValidationInfo) -> dict[str, type]:
    """The fields a declaration may read: the built-in ones and the catalog's declared ones."""
    return {**FIELDS, **dict((info.context or {}).get("fields", ()))}


def numeric(fields: dict[str, type]) -> set[str]:
    """The fields of ``fields`` that hold numbers."""
    return {name for name, wire in fields.items() if wire is float}


def text(fields: dict[str, type]) -> set[str]:
    """The fields of ``fields`` that hold text (categorical fields, entity keys)."""
    return {name for name, wire in fields.items() if wire is str}


def _known_field(name: str, allowed: set[str], what: str) -> str:
    if name not in allowed:
        raise ValueError(f"unknown {what} {name!r} (known: {', '.join(sorted(allowed))})")
    return name


def _typed(field: str, values: tuple[bool | str | float, ...], fields: dict[str, type]) -> None:
    """Text fields take strings, boolean fields booleans, numeric fields numbers (a literal of
    the wrong type fails)."""
    want = fields[field] if fields[field] in (str, bool) else float
    wrong = [v for v in values if type(v) is not want]
    if wrong:
        raise ValueError(f"{wrong[0]!r} is not a {want.__name__} value of field {field!r}")


def _comparable(fields: dict[str, type]) -> set[str]:
    """The fields a value set may test: text, number or boolean (not a time)."""
    return {name for name, wire in fields.items() if wire in (str, float, bool)}


def _zone(name: str) -> str:
    if not _ZONE.match(name):
        raise ValueError(f"time_zone {name!r} is not a time zone name")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time_zone {name!r}") from e
    return name


class FieldFeature(_Declaration):
    """A numeric field of the transaction, as it is."""

    kind: Literal["field"]
    field: str

    @field_validator("field")
    @classmethod
    def _numeric(cls, v: str, info: ValidationInfo) -> str:
        return _known_field(v, numeric(known_fields(info)), "numeric field")


class _Zoned(_Declaration):
    time_zone: str = "UTC"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        return _zone(v)


class HourFeature(_Zoned):
    """The hour of day of ``tx_time`` in ``time_zone``; with ``hours``, 1 when it is one of
    them and 0 otherwise."""

    kind: Literal["hour"]
    hours: tuple[Annotated[int, Field(ge=0, le=23)], ...] | None = None


class WeekendFeature(_Zoned):
    """1 on Saturday and Sunday of ``time_zone``, 0 otherwise."""

    kind: Literal["weekend"]


Value = bool | Annotated[str, Field(pattern=_VALUE.pattern)] | float


class InSetFeature(_Declaration):
    """1 when the field's value is one of ``values``, 0 otherwise (NULL counts as not)."""

    kind: Literal["in_set"]
    field: str
    values: tuple[Value, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _values(self, info: ValidationInfo) -> InSetFeature:
        fields = known_fields(info)
        _known_field(self.field, _comparable(fields), "field")
        _typed(self.field, self.values, fields)
        return self


class CategoryFeature(_Declaration):
    """The index of the field's value in ``values`` (NULL, missing, for any other value)."""

    kind: Literal["category"]
    field: str
    values: tuple[Value, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _values(self, info: ValidationInfo) -> CategoryFeature:
        fields = known_fields(info)
        _known_field(self.field, text(fields), "text field")
        _typed(self.field, self.values, fields)
        return self


Function = Literal[
    "count", "sum", "mean", "std", "min", "max", "distinct", "share", "since_last", "since_first"
]
_NEEDS_FIELD = {"sum", "mean", "std", "min", "max", "distinct"}
_NUMERIC_FIELD = {"sum", "mean", "std", "min", "max"}
_SELF_EXCLUDABLE = {"count", "sum", "mean", "std"}
"""What leaving the scored transaction out is defined for (it is subtracted)."""


class WindowFeature(_Declaration):
    """An aggregation over the entity's transactions of ``(t - delay - window, t - delay]``.

    ``share`` is the matching transactions (``filter``, ``known_fraud``) over all of the
    window's, 0 when it is empty; ``since_last``/``since_first`` the time from the latest /
    earliest matching transaction strictly before t; ``exclude_self`` leaves the scored
    transaction out (undelayed windows without filter only: it is always in them).
    """

    kind: Literal["window"]
    entity: str | tuple[str, ...]
    function: Function
    field: str | None = None
    window: str
    delay: str = "0h"
    filter: dict[str, tuple[Value, ...]] = Field(default_factory=dict)
    known_fraud: bool = False
    exclude_self: bool = False
    unit: Literal["days", "hours", "seconds"] = "days"

    @field_validator("entity")
    @classmethod
    def _entity(cls, v: str | tuple[str, ...], info: ValidationInfo) -> str | tuple[str, ...]:
        allowed = text(known_fields(info)) | set(ENTITIES)
        for name in (v,) if isinstance(v, str) else v:
            _known_field(name, allowed, "entity")
        if isinstance(v, tuple):
            keys = [ENTITIES.get(name, name) for name in v]
            if not 2 <= len(v) <= MAX_KEYS or len(set(keys)) < len(keys):
                raise ValueError(f"a compound entity is 2 to {MAX_KEYS} different fields")
        return v

    @field_validator("window", "delay")
    @classmethod
    def _duration(cls, v: str) -> str:
        duration(v)
        return v

    @field_validator("filter")
    @classmethod
    def _filter(
        cls, v: dict[str, tuple[Value, ...]], info: ValidationInfo
    ) -> dict[str, tuple[Value, ...]]:
        fields = known_fields(info)
        for name, values in v.items():
            _known_field(name, _comparable(fields), "filter field")
            if not values:
                raise ValueError(f"filter on {name!r} lists no value")
            _typed(name, values, fields)
        return v

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> WindowFeature:
        fields = known_fields(info)
        if self.function in _NEEDS_FIELD and self.field is None:
            raise ValueError(f"function {self.function!r} needs a 'field'")
        if self.field is not None:
            allowed = numeric(fields) if self.function in _NUMERIC_FIELD else set(fields)
            _known_field(self.field, allowed, f"field of {self.function!r}")
        if self.span > MAX_SPAN or self.window_span <= timedelta(0):
            raise ValueError(f"window {self.window} + delay {self.delay}: beyond {MAX_SPAN.days}d")
        if self.exclude_self and (self.filter or self.known_fraud or self.delay_span):
            raise ValueError("exclude_self needs an undelayed window without filter")
        if self.exclude_self and self.function not in _SELF_EXCLUDABLE:
            raise ValueError(f"exclude_self takes {', '.join(sorted(_SELF_EXCLUDABLE))}")
        return self

    @property
    def window_span(self) -> timedelta:
        return duration(self.window)

    @property
    def delay_span(self) -> timedelta:
        return duration(self.delay)

    @property
    def span(self) -> timedelta:
        """How far before t the window reaches (delay + window)."""
        return self.delay_span + self.window_span

    @property
    def keys(self) -> tuple[str, ...]:
        """The fields that key the entity (one, or a compound entity's, in declared order)."""
        names = (self.entity,) if isinstance(self.entity, str) else self.entity
        return tuple(ENTITIES.get(name, name) for name in names)


class _Derived(_Declaration):
    of: tuple[str, ...]

    def inputs(self) -> tuple[str, ...]:
        return self.of


class RatioFeature(_Derived):
    """``of[0] / of[1]``; NULL when the divisor is 0 or NULL."""

    kind: Literal["ratio"]
    of: tuple[str, str]


class DifferenceFeature(_Derived):
    """``of[0] - of[1]``."""

    kind: Literal["difference"]
    of: tuple[str, str]


class ZScoreFeature(_Derived):
    """``(of[0] - of[1]) / of[2]``: a value against a mean and a standard deviation; NULL when
    the deviation is 0 or NULL."""

    kind: Literal["zscore"]
    of: tuple[str, str, str]


Declaration = Annotated[
    FieldFeature
    | HourFeature
    | WeekendFeature
    | InSetFeature
    | CategoryFeature
    | WindowFeature
    | RatioFeature
    | DifferenceFeature
    | ZScoreFeature,
    Field(discriminator="kind"),
]
