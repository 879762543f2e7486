"""Backtests: the combined policy — a rule set and the active model's thresholds — replayed over
labelled history with point-in-time features (:mod:`.replay`), and judged by today's labels
(:mod:`.judge`). Above both :mod:`fraudd.rules` and :mod:`fraudd.scoring`, which it joins."""
