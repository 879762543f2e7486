"""The rules page's named lists (fraudd.console.rule_lists) over real HTTP: everyone sees them, a
viewer cannot change them, an analyst can (the change audited), and a card number is refused."""

from __future__ import annotations

import html
import re

from fraudd.scoring.policy import live_or_first
from tests.console.conftest import BOTH_DIALECTS, POSTGRES, Running, User, rules_audited


async def kept(console: Running) -> dict[str, tuple[str | float, ...]]:
    async with console.deps.warehouse.session() as s:
        state = await s.rule_lists()
    return {name: lst.values for name, lst in state.lists.items()}


async def audited(console: Running) -> list[tuple[str, str, str]]:
    """The audit log's list changes."""
    return [a for a in await rules_audited(console) if a[0] == "rules.list_changed"]


@BOTH_DIALECTS
async def test_a_viewer_sees_the_lists_but_cannot_change_them(
    console: Running, ana: User, vera: User
) -> None:
    made = await ana.post("/rules/lists", name="stolen_cards", type="string",
                          values="tok_a\r\ntok_b\r\n")  # fmt: skip
    assert made[0] == 303
    async with vera.client.get(f"{console.url}/rules") as resp:
        page = await resp.text()
    status, _ = await vera.post("/rules/lists", name="stolen_cards", values="tok_c")
    row = re.search(r'<tr id="list-stolen_cards">.*?</tr>', page, re.S)
    assert row and "tok_a, tok_b" in html.unescape(row.group()) and "<textarea" not in row.group()
    assert 'id="new-list-form"' not in page and status == 403
    assert await kept(console) == {"stolen_cards": ("tok_a", "tok_b")}
    assert await audited(console) == [
        ("rules.list_changed", "ana@bank.example", "rule-list:stolen_cards")
    ]


@POSTGRES
async def test_an_analyst_edits_a_list_and_sees_it_on_the_page(console: Running, ana: User) -> None:
    """Version 1's block list (declared inline) is shown with its source; an analyst replaces its
    values; the page then shows the list's revision and the change in the rules' audit log."""
    async with console.deps.warehouse.session() as s:  # as a consumer's start or migrate does
        await live_or_first(s, console.deps.settings)
    status, _ = await ana.post("/rules/lists", name="block_cards", values="tok_x\r\ntok_y")
    async with ana.client.get(f"{console.url}/rules?done=list_changed") as resp:
        page = await resp.text()
    assert status == 303 and await kept(console) == {"block_cards": ("tok_x", "tok_y")}
    assert "List changed" in page and "rule-list:block_cards" in page
    row = re.search(r'<tr id="list-block_cards">.*?</tr>', page, re.S)
    assert row and "by ana@bank.example" in row.group() and "tok_x\ntok_y" in row.group()


@POSTGRES
async def test_a_card_number_in_a_list_is_refused(console: Running, ana: User) -> None:
    status, page = await ana.post("/rules/lists", name="stolen_cards", type="string",
                                  values="tok_a\n4111 1111 1111 1111")  # fmt: skip
    assert status == 409 and "lists.stolen_cards: a value holds 13-19 digits" in page
    assert "4111" not in page
    assert await kept(console) == {} and await audited(console) == []
