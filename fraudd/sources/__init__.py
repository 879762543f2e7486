"""Sources of swipes for the producer.

- :mod:`fraudd.sources.live` — live mode: the stored history's timeline, continued.
- :mod:`fraudd.sources.history_file` — a labelled history file, replayed in time order.
- :mod:`fraudd.sources.simple` — a small self-contained generator for tests.
"""

from fraudd.sources.base import Draft, Source

__all__ = ["Draft", "Source"]
