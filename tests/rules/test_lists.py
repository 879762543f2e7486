"""Named lists kept apart from the rules (fraudd.rules.lists): an edit checked as the language
checks a list, the warehouse's lists read as typed lists, and a kept list replacing an inline one
of its name in a rule set (what version 1 reads until its lists are first edited)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fraudd.rules import CompiledRuleSet, RuleSetError, load_rule_set
from fraudd.rules.lists import ListEdit, edited, kept_lists
from fraudd.rules.model import NamedList
from fraudd.rules.nodes import Type
from fraudd.warehouse import ListsState, RuleList

SCHEMA = {"card_token": Type.STRING, "amount": Type.NUMBER}
INLINE = """
[lists.stolen]
type = "string"
values = ["tok_inline"]

[[rules]]
name = "stolen"
description = "stolen card"
when = "card_token in @stolen"
outcome = "block"
"""


def blocks(rule_set_text: str, kept: dict[str, NamedList], cards: list[str]) -> list[bool]:
    compiled = CompiledRuleSet(load_rule_set(rule_set_text).with_lists(kept), SCHEMA)
    columns = {"card_token": cards, "amount": np.zeros(len(cards))}
    return [d == "block" for d in compiled.evaluate(columns).decisions]


def test_an_inline_list_decides_until_a_kept_list_of_its_name_replaces_it() -> None:
    cards = ["tok_inline", "tok_kept", "tok_other"]
    kept = {"stolen": NamedList(type="string", values=("tok_kept",))}
    assert blocks(INLINE, {}, cards) == [True, False, False]
    assert blocks(INLINE, kept, cards) == [False, True, False]


def test_a_rule_may_read_a_kept_list_its_document_does_not_declare() -> None:
    undeclared = INLINE.split("[[rules]]")[1]
    kept = {"stolen": NamedList(type="string", values=("tok_kept",))}
    assert blocks("[[rules]]" + undeclared, kept, ["tok_kept", "x"]) == [True, False]
    with pytest.raises(RuleSetError, match="unknown list @stolen"):
        blocks("[[rules]]" + undeclared, {}, ["x"])


def test_a_kept_list_of_another_type_than_declared_is_refused() -> None:
    kept = {"stolen": NamedList(type="number", values=(1.0,))}
    with pytest.raises(RuleSetError, match="declares a string list, the kept list @stolen is a"):
        load_rule_set(INLINE).with_lists(kept)


def test_an_edit_replaces_adds_and_removes_without_repeats() -> None:
    current = NamedList(type="string", description="d", values=("a", "b"))
    assert edited("l", current, None, ListEdit(add=["c", "a"], remove=["b"])).values == ("a", "c")
    assert edited("l", current, None, ListEdit(values=["z", "z"])).values == ("z",)
    numbers = edited("n", None, "number", ListEdit(add=["5967", " 7995.5 "], description="mcc"))
    assert (numbers.values, numbers.description) == ((5967.0, 7995.5), "mcc")


@pytest.mark.parametrize(
    ("current", "kind", "edit", "message"),
    [
        (None, "string", ListEdit(add=["5500 0000 0000 0004"]), "lists.l: a value holds 13-19"),
        (None, "number", ListEdit(add=["5500000000000004"]), "lists.l: a value holds 13-19"),
        (None, "number", ListEdit(add=["tok"]), "lists.l: 'tok' is not a number"),
        (None, "string", ListEdit(add=[" "]), "lists.l: an empty value"),
        (None, "date", ListEdit(add=["x"]), "list type 'date': a list holds strings or numbers"),
        (NamedList(type="string"), "number", ListEdit(), "@l is a string list and stays one"),
    ],
)
def test_bad_edits_are_refused_in_one_line(
    current: NamedList | None, kind: str, edit: ListEdit, message: str
) -> None:
    with pytest.raises(RuleSetError) as refused:
        edited("l", current, kind, edit)
    assert str(refused.value).startswith(message) and "5500" not in str(refused.value)


def test_a_card_number_declared_inline_is_refused_too() -> None:
    with pytest.raises(RuleSetError, match=r"lists\.stolen\.values: a value holds 13-19 digits"):
        load_rule_set(INLINE.replace("tok_inline", "4111111111111111"))


def test_the_warehouses_lists_are_read_typed() -> None:
    at = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    state = ListsState(
        3,
        {
            "mcc": RuleList("mcc", "number", "", (5967, 7995.5), 3, at, "ana"),
            "stolen": RuleList("stolen", "string", "cards", ("tok_a",), 1, at, "bo"),
        },
    )
    lists = kept_lists(state)
    assert lists["mcc"].values == (5967.0, 7995.5) and isinstance(lists["mcc"].values[0], float)
    assert (lists["stolen"].type, lists["stolen"].description) == ("string", "cards")
