"""OpenOnEnter: what was opened is closed in reverse on exit, and at once when entering fails."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from fraudd.resources import OpenOnEnter


class Two(OpenOnEnter):
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.closed: list[str] = []

    def _open(self, stack: ExitStack) -> None:
        stack.callback(self.closed.append, "first")
        stack.callback(self.closed.append, "second")
        if self.fail:
            raise ValueError("bad header")


def test_resources_close_in_reverse_on_exit() -> None:
    two = Two()
    with two as entered:
        assert entered is two and two.closed == []
    assert two.closed == ["second", "first"]


def test_a_failed_enter_closes_what_it_had_opened() -> None:
    two = Two(fail=True)
    with pytest.raises(ValueError, match="bad header"), two:
        pass
    assert two.closed == ["second", "first"]
