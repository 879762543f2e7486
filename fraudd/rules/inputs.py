"""What a rule may read, and those inputs as a batch's columns: one owner for the consumer, the
command line's and the console's checks and the backtest.

A rule reads, by name (:func:`rule_schema`):

* the record's fields: the swipe's built-in columns and the issuer's declared fields
  (``[fields]``, with their declared types);
* every feature of the configured catalog (``[features] catalog`` / ``mode``, a user's catalog
  included): numbers, missing where the transaction has no such history;
* ``velocity`` (the card's swipes within ``rules.velocity_window_s``) and the model's ``score``.

A feature named like a record field (the built-in catalog's ``amount``), ``velocity`` or
``score`` is read as that field or input: they are the same value, and the record's wins.
A rule set published under one configuration and compiled under another that lacks a name it
reads is refused (unknown name), never evaluated as matching nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from fraudd.records import Swipe
from fraudd.rules.decide import SCORE
from fraudd.rules.legacy import VELOCITY, WIRE_TYPES, swipe_columns, swipe_schema
from fraudd.rules.model import RuleSet
from fraudd.rules.nodes import Expr, Name, Type
from fraudd.rules.syntax import parse
from fraudd.settings import OwnField, Settings
from fraudd.settings.fields import wire_type


def rule_schema(settings: Settings) -> dict[str, Type]:
    """Every name a rule may read under ``settings``, with its type."""
    features = {name: Type.NUMBER for name in settings.features.selected().features}
    own = {f.name: WIRE_TYPES[wire_type(f.type)] for f in settings.fields.declared}
    return {**features, **swipe_schema(), **own, VELOCITY: Type.NUMBER, SCORE: Type.NUMBER}


def feature_inputs(settings: Settings) -> tuple[str, ...]:
    """The configured catalog's features a rule reads as features (not shadowed by a record
    field, ``velocity`` or ``score`` of the same name), in the catalog's order."""
    taken = {*swipe_schema(), *(f.name for f in settings.fields.declared), SCORE}
    return tuple(n for n in settings.features.selected().features if n not in taken)


def names_read(rule_set: RuleSet) -> frozenset[str]:
    """Every name the rules' conditions read (lists and literals aside)."""
    return frozenset(n for rule in rule_set.rules for n in _names(parse(rule.when)))


def _names(expr: Expr) -> Iterator[str]:
    if isinstance(expr, Name):
        yield expr.name
        return
    for f in dataclasses.fields(expr):
        value = getattr(expr, f.name)
        for child in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(child) and hasattr(child, "type"):
                yield from _names(child)  # type: ignore[arg-type]


def record_columns(
    swipes: Sequence[Swipe], velocities: Sequence[int], declared: Sequence[OwnField]
) -> dict[str, Any]:
    """A batch of swipes as the record's columns: the built-in fields, ``velocity`` and each
    declared field (missing where a swipe carries none)."""
    columns = swipe_columns(swipes, velocities)
    for field in declared:
        columns[field.name] = [s.fields.get(field.name) for s in swipes]
    return columns


def feature_columns(
    matrix: np.ndarray, features: Sequence[str], read: Sequence[str]
) -> dict[str, np.ndarray]:
    """The columns ``read`` of a feature matrix whose columns are ``features`` (the catalog's,
    in order): views, not copies."""
    index = {name: i for i, name in enumerate(features)}
    return {name: matrix[:, index[name]] for name in read}
