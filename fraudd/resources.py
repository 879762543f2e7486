"""Context managers that open several things on enter and close all of them, in reverse, on exit.

The ``ExitStack`` recipe of the standard library's documentation ("Cleaning up in an
``__enter__`` implementation"): what :meth:`OpenOnEnter._open` has opened when it raises is
closed at once, so a failed ``with`` (a bad header, say) leaves nothing open.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Self


class OpenOnEnter:
    """Base class: subclasses open what they hold in :meth:`_open`, on the stack it is given."""

    _opened: ExitStack | None = None

    def _open(self, stack: ExitStack) -> None:
        """Open resources with ``stack.enter_context`` / ``stack.callback``."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        with ExitStack() as stack:
            self._open(stack)
            self._opened = stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._opened is not None:
            self._opened.close()
