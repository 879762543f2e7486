"""The always-on service: the process that runs the roles until it is stopped.

- :mod:`fraudd.service.daemon` — lifecycle: one TaskGroup, signal handlers, the stop deadline.
- :mod:`fraudd.service.startup` — checks at start that turn a deployment mistake into one line.
- :mod:`fraudd.service.health` — task heartbeats and dependency state (every task beats into it
  through its ``Deps``, so it sits in the foundation layer although it lives here).
- :mod:`fraudd.service.readiness` — checks the stream and the warehouse for ``/readyz``.
- :mod:`fraudd.service.http` — ``/metrics``, ``/healthz``, ``/readyz``.
- :mod:`fraudd.service.systemd` — sd_notify: READY, STATUS, STOPPING and the watchdog pings.

Nothing is imported here: :mod:`fraudd.deps` imports :mod:`fraudd.service.health` alone.
"""
