"""fraudd: near-real-time card-fraud detection daemon."""

__version__ = "0.1.0"
