"""The one error type of the local stack."""

from __future__ import annotations


class LocalStackError(Exception):
    """A local-stack component cannot be started, reached or stopped; the message says why."""
