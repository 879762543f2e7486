"""Labelled history in the warehouse: files in, bulk loads.

- :mod:`fraudd.history.columns` — the two file layouts, canonical columns, label delays.
- :mod:`fraudd.history.reader`, :mod:`fraudd.history.validate` — chunked reading with line
  numbers; vectorised validation (each bad row gets one reason).
- :mod:`fraudd.history.csvtext`, :mod:`fraudd.history.loader` — rows as CSV text for the
  warehouse seam's bulk load (``history_load``: COPY; S3 + COPY on Redshift).
- :mod:`fraudd.history.importer` (``history import``: a file), :mod:`fraudd.history.synthetic`
  (``simulate history``: the simulator's output), :mod:`fraudd.history.timelines` (the
  ``simulations`` table: which simulated timeline the warehouse holds).

Replaying a file into the stream runs the producer, so it lives above the tasks, in
:mod:`fraudd.replay`; the sources read history files through this package.

Submodules are imported where needed: pandas is heavy, and the CLI loads this package lazily.
"""
