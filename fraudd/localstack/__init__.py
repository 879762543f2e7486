"""The embedded local stack: Kinesis, SNS/SQS and a warehouse on this machine, loopback only.

``fraudd local up | down | status`` call :func:`up`, :func:`down` and :func:`status`.

Components (each in its own module):

- **kinesalite** (:mod:`.kinesis`): the npm package pinned by ``node/package-lock.json``,
  installed with ``npm ci`` into ``node/node_modules`` on first use, started by ``node/launcher.js``
  through its JS API on 127.0.0.1 (its CLI would bind every interface), streams in memory and
  ACTIVE at once. The stream ``kinesis.stream_name`` is created with ``kinesis.shard_count``.
- **moto server** (:mod:`.moto`): ``python -m moto.server`` from the running interpreter's
  environment, for SNS and SQS. It creates the topic ``sns.topic_name`` (FIFO when ``sns.fifo``;
  names must then end in ``.fifo``) and the queue ``sqs.queue_name`` subscribed to it with
  ``RawMessageDelivery=false``, so messages arrive in the SNS envelope with MessageAttributes.
- **PostgreSQL** (:mod:`.postgres`): a throwaway cluster from the machine's binaries, on
  127.0.0.1:``local.postgres_port``, md5 password auth (so redshift_connector works through the
  test shim), durable commits. The role ``warehouse.user`` owns the database ``warehouse.database``.
  Under root the cluster runs as the ``postgres`` system user.

State (:mod:`.state`): everything lives under ``local.state_dir`` (default ``.fraudd/``):
``stack.json`` (PIDs with start times, ports, endpoints, topic ARN, queue URL, stream name, DSN
without password), ``logs/`` and ``pg/`` (or ``/tmp/fraudd-pg-<hash>/`` when the ``postgres``
user cannot reach the state directory; the place is recorded in ``stack.json``).

Behaviour: processes run in their own sessions and outlive ``up``. ``up`` is idempotent: live
components are kept (same PIDs) and only missing resources are created. ``down`` stops only
processes whose PID, start time and command line still match what ``up`` recorded (PostgreSQL
through ``pg_ctl stop -m fast``); ``down(purge=True)`` also deletes the state. A port held by
another program is an error naming the setting to change.

Use :func:`stack_settings` to point a :class:`~fraudd.settings.Settings` at a running stack.
This package is for the CLI and tests only: it blocks, so never call it on the event loop.
"""

from fraudd.localstack.errors import LocalStackError
from fraudd.localstack.stack import (
    ComponentStatus,
    StackInfo,
    down,
    stack_settings,
    status,
    up,
)

__all__ = [
    "ComponentStatus",
    "LocalStackError",
    "StackInfo",
    "down",
    "stack_settings",
    "status",
    "up",
]
