"""The always-on service: the process that runs the roles until it is stopped.

- :mod:`fraudd.service.daemon` — lifecycle: one TaskGroup, signal handlers, the stop deadline.
- :mod:`fraudd.service.startup` — checks at start that turn a deployment mistake into one line.
- :mod:`fraudd.service.readiness` — checks the stream and the warehouse for ``/readyz``.
- :mod:`fraudd.service.http` — ``/metrics``, ``/healthz``, ``/readyz``.
- :mod:`fraudd.service.systemd` — sd_notify: READY, STATUS, STOPPING and the watchdog pings.

The heartbeats every task beats into through its ``Deps`` are :mod:`fraudd.health`'s (the
foundation), which the endpoints and the watchdog read. Nothing is imported here.
"""
