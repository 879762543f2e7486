"""Sources of swipes for the producer: live simulator, replayed history file, simple generator."""

from fraudd.sources.base import Draft, Source

__all__ = ["Draft", "Source"]
