"""A rule set: a TOML document of rules and named lists, validated by pydantic, then compiled.

::

    [lists.blocked_cards]
    description = "cards the fraud team blocked by hand"
    type = "string"
    values = ["tok_0001", "tok_0002"]

    [[rules]]
    name = "block_listed"
    description = "card is on the block-list"
    when = "card_token in @blocked_cards"
    outcome = "block"
    priority = 100

Every rule's condition is parsed, type-checked against the caller's schema and the set's lists,
and refused when it can never be true; the first refusal is raised as :class:`RuleSetError`,
one line naming the rule and where in its condition.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fraudd.pan import holds_pan, refusal
from fraudd.rules.check import Schema, check
from fraudd.rules.nodes import Expr, RuleError, Scalar, Type
from fraudd.rules.satisfy import refuse_if_never
from fraudd.rules.syntax import parse
from fraudd.settings import describe
from fraudd.settings.base import conflict

Outcome = Literal["approve", "review", "block"]
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
"""A rule's or a named list's name."""
Identifier = Annotated[str, Field(pattern=IDENTIFIER.pattern)]
LIST_TYPES = {"string": Type.STRING, "number": Type.NUMBER}
PAN_ADVICE = "list card tokens (as the stream carries them), never card numbers"


class RuleSetError(ValueError):
    """A rule set refused: one line saying which rule or key, where and what."""


class NamedList(BaseModel):
    """A named list of cards, terminals, merchant categories, countries, …: kept in the
    warehouse apart from the rules (:mod:`fraudd.rules.lists`), or declared inline in a rule
    set (version 1 and older documents). Its values are of its type, and none looks like a card
    number (invariant 7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    type: Literal["string", "number"]
    values: tuple[str | float, ...] = ()

    @model_validator(mode="after")
    def _values_of_its_type(self) -> Self:
        wanted = str if self.type == "string" else float
        for value in self.values:
            if not isinstance(value, wanted) or isinstance(value, bool):
                raise conflict("values", f"{value!r} is not a {self.type}")
            if _pan_like(value):
                raise conflict("values", refusal("a value", PAN_ADVICE))
        return self


def _pan_like(value: str | float) -> bool:
    """A string holding a card number, or a whole number whose digits are one."""
    if isinstance(value, str):
        return holds_pan(value)
    return value.is_integer() and holds_pan(f"{value:.0f}")


class Rule(BaseModel):
    """One rule: when its condition is true, its outcome applies (and its score adjustment)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Identifier
    description: str = Field(min_length=1)
    when: str = Field(min_length=1)
    outcome: Outcome
    priority: int = Field(default=0, ge=0, le=1000)
    score_adjustment: float = Field(default=0.0, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _never_looser(self) -> Self:
        # Rules make the model stricter, never looser; only an allow rule may lower a score.
        if self.score_adjustment < 0 and self.outcome != "approve":
            raise conflict("score_adjustment", "only an approve rule may lower the score")
        return self


class RuleSet(BaseModel):
    """The rules and the named lists they read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lists: dict[Identifier, NamedList] = {}
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _names_unique(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise conflict("rules", f"two rules are named {rule.name!r}")
            seen.add(rule.name)
        return self

    def with_lists(self, kept: Mapping[str, NamedList]) -> RuleSet:
        """This set reading the ``kept`` lists (the warehouse's, :mod:`fraudd.rules.lists`):
        a kept list replaces the values a document declares inline under its name, and rules
        may read kept lists the document does not declare. A kept list of another type than
        the document's declaration is refused (:class:`RuleSetError`)."""
        for name, lst in kept.items():
            declared = self.lists.get(name)
            if declared is not None and declared.type != lst.type:
                raise RuleSetError(
                    f"lists.{name}: the rule set declares a {declared.type} list, the kept list "
                    f"@{name} is a {lst.type} list: change the declaration's type or remove it"
                )
        return RuleSet(lists={**self.lists, **kept}, rules=self.rules)

    def list_types(self) -> dict[str, Type]:
        """Each named list's element type."""
        return {name: LIST_TYPES[lst.type] for name, lst in self.lists.items()}

    def list_values(
        self, replaced: Mapping[str, Sequence[Scalar]] | None = None
    ) -> dict[str, tuple[Scalar, ...]]:
        """Each named list's values, those in ``replaced`` (lists kept apart from the rules)
        instead of the document's; a list the set does not declare, or a value not of its
        type, is refused with :class:`RuleSetError`."""
        values = {name: lst.values for name, lst in self.lists.items()}
        for name, given in (replaced or {}).items():
            if name not in self.lists:
                raise RuleSetError(f"lists.{name}: the rule set declares no such list")
            try:
                values[name] = NamedList(type=self.lists[name].type, values=tuple(given)).values
            except ValidationError as e:
                raise RuleSetError(f"lists.{name}.{describe(e)}") from None
        return values


def load_rule_set(text: str) -> RuleSet:
    """A rule set from its TOML text, or :class:`RuleSetError` in one line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleSetError(f"not valid TOML ({e})") from None
    try:
        return RuleSet.model_validate(data)
    except ValidationError as e:
        raise RuleSetError(describe(e)) from None


def condition(text: str, schema: Schema, lists: Mapping[str, Type]) -> Expr:
    """One condition parsed, type-checked and shown able to match, or :class:`RuleError`."""
    typed = check(parse(text), schema, lists)
    refuse_if_never(typed)
    return typed


def conditions(rule_set: RuleSet, schema: Schema) -> dict[str, Expr]:
    """Each rule's checked condition by rule name; the first refusal as :class:`RuleSetError`."""
    lists = rule_set.list_types()
    checked: dict[str, Expr] = {}
    for rule in rule_set.rules:
        try:
            checked[rule.name] = condition(rule.when, schema, lists)
        except RuleError as e:
            raise RuleSetError(f"rule {rule.name!r}: {e}") from None
    return checked
