"""The declared fields the simulator fills: by name and type, from what it draws."""

from __future__ import annotations

import datetime as dt

from fraudd.settings import OwnField
from fraudd.simulator import SimulationSpec, Timeline
from fraudd.simulator.fields import simulated_fields, with_simulated_fields

PRESENT = OwnField(name="card_present", type="boolean", description="chip or swipe")
OTHER = OwnField(name="merchant_country", type="string", description="country")
WRONG_TYPE = OwnField(name="card_present", type="string", description="as text")


def test_only_a_known_name_of_its_type_is_filled() -> None:
    assert simulated_fields((OTHER, PRESENT)) == (PRESENT,)
    assert simulated_fields((WRONG_TYPE,)) == ()


def test_card_present_is_every_channel_but_e_commerce() -> None:
    spec = SimulationSpec(origin=dt.date(2018, 4, 1), seed=2, customers=50, terminals=100)
    frame = Timeline(spec).days(0, 2)
    filled = with_simulated_fields(frame, (PRESENT, OTHER))
    assert "merchant_country" not in filled
    assert filled["card_present"].tolist() == (frame["channel"] != "ecom").tolist()
    assert filled["card_present"].any() and not filled["card_present"].all()
