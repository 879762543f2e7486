"""Named random streams: one per (seed, purpose, keys), independent of each other."""

from __future__ import annotations

import numpy as np
import pytest

from fraudd.simulator.seeding import Purpose, stream


def test_a_stream_is_a_pure_function_of_its_key() -> None:
    first = stream(42, Purpose.DAY, 17).random(5)
    np.testing.assert_array_equal(stream(42, Purpose.DAY, 17).random(5), first)


def test_streams_never_share_state() -> None:
    """Drawing from one stream first does not move another: day 17 is day 17 in any order."""
    stream(42, Purpose.DAY, 16).random(1000)
    alone = stream(42, Purpose.DAY, 17).random(5)
    np.testing.assert_array_equal(alone, stream(42, Purpose.DAY, 17).random(5))


@pytest.mark.parametrize(
    "other",
    [(43, Purpose.DAY, 17), (42, Purpose.DAY, 18), (42, Purpose.COMPROMISED_TERMINALS, 17),
     (42, Purpose.DAY)],
)  # fmt: skip
def test_every_part_of_the_key_matters(other: tuple[int, Purpose, int]) -> None:
    base = stream(42, Purpose.DAY, 17).random(5)
    assert not np.array_equal(stream(*other).random(5), base)


def test_purposes_are_pinned() -> None:
    """Renumbering a purpose would change every dataset ever generated."""
    assert {p.name: int(p) for p in Purpose} == {
        "PROFILES": 1, "DAY": 2, "COMPROMISED_TERMINALS": 3, "COMPROMISED_CUSTOMERS": 4,
        "HABITS": 5, "HABITUAL_DAY": 6, "CARD_TESTING": 7, "CNP_COMPROMISE": 8,
        "FAR_FROM_HOME": 9, "NIGHT_SPREE": 10,
    }  # fmt: skip
    assert stream(42, Purpose.PROFILES).integers(0, 1_000_000) == 637_987


@pytest.mark.parametrize(("seed", "keys"), [(-1, ()), (1, (3, -2))])
def test_negative_seeds_and_keys_are_refused(seed: int, keys: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        stream(seed, Purpose.DAY, *keys)
