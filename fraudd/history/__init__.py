"""Labelled history in the warehouse: files in, bulk loads, replays.

- :mod:`fraudd.history.columns` — the two file layouts, canonical columns, label delays.
- :mod:`fraudd.history.reader`, :mod:`fraudd.history.validate` — chunked reading with line
  numbers; vectorised validation (each bad row gets one reason).
- :mod:`fraudd.history.csvtext`, :mod:`fraudd.history.loader` — rows as CSV text for the
  warehouse seam's bulk load (``history_load``: COPY; S3 + COPY on Redshift).
- :mod:`fraudd.history.importer` (``history import``), :mod:`fraudd.history.simulate`
  (``simulate history``), :mod:`fraudd.history.simulations` (the recorded timelines),
  :mod:`fraudd.history.replay` (``replay``).

Submodules are imported where needed: pandas is heavy, and the CLI loads this package lazily.
"""
