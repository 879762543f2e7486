"""The card application's cards: a blocked card is reissued, as an issuer does.

A block (``card_blocks``, written by the actions role) declines every swipe of the card's token.
An issuer does not leave its cardholder without a card for the block's 30 days: it sends a new
card, with a new token and new last 4 digits (:func:`fraudd.simulator.cards.card_token`'s next
generation). :class:`CardRegister` plays that part for the simulated cardholders:

* when a swipe of a customer's card in use is declined because the card is blocked, the card
  application has learnt of the block: the customer's next card is in use ``delay`` of simulated
  time later (``producer.reissue_days``: the card in the post). Until then the customer's swipes
  carry the blocked token and are declined;
* from then on the customer's own swipes carry the new card. The fraudster's swipes of the
  card-compromise kinds (:data:`fraudd.simulator.CARD_COMPROMISES`: they hold the stolen card's
  details, not the new card) keep the blocked token and go on being declined. A compromise of
  the new card itself is not modelled: its fraud, too, uses the blocked card.

The register lives in the producer's memory. After a restart the first declined swipe of a card
still blocked reissues it again: the same next generation, the same token, after a new delay.
Tokens stay tokens (invariant 7): no card number exists anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fraudd.simulator import CARD_COMPROMISES
from fraudd.simulator.cards import card_last4, card_token
from fraudd.sources.base import Draft


@dataclass(frozen=True)
class _Card:
    generation: int
    """The customer's newest card (0: the first one)."""
    since: datetime
    """Simulated time from which ``generation`` is in use (before it, the previous one)."""


class CardRegister:
    """Which card each simulated customer holds; reissues blocked cards after ``delay``."""

    def __init__(self, seed: int, delay: timedelta) -> None:
        self.seed = seed
        self.delay = delay
        self._cards: dict[str, _Card] = {}

    def issued(self, draft: Draft) -> Draft:
        """``draft`` with the token and last 4 digits of the card it is made with."""
        card = self._cards.get(draft.customer_id)
        if card is None:
            return draft
        in_use = card.generation if draft.tx_time >= card.since else card.generation - 1
        if draft.fraud_scenario in CARD_COMPROMISES:
            in_use = card.generation - 1  # the fraudster holds the blocked card
        if in_use == 0:
            return draft
        customer = int(draft.customer_id)
        return replace(
            draft,
            card_token=card_token(self.seed, customer, in_use),
            last4=card_last4(self.seed, customer, in_use),
        )

    def declined(self, draft: Draft) -> bool:
        """A swipe (as :meth:`issued` made it) was declined for a block: reissue the card when
        it is the customer's card in use and no new card is on its way. True when reissued."""
        card = self._cards.get(draft.customer_id)
        generation = 0 if card is None else card.generation
        if card is not None and draft.tx_time < card.since:
            return False  # a new card is already in the post
        if draft.card_token != card_token(self.seed, int(draft.customer_id), generation):
            return False  # an older card's block: the customer holds a newer one
        self._cards[draft.customer_id] = _Card(generation + 1, draft.tx_time + self.delay)
        return True

    def generation(self, customer_id: str) -> int:
        """The customer's newest card's generation (0 before any reissue)."""
        card = self._cards.get(customer_id)
        return 0 if card is None else card.generation
