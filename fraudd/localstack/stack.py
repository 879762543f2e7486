"""``up``, ``down`` and ``status`` of the whole local stack, and the settings that point at it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import structlog
from pydantic import SecretStr

from fraudd.localstack import aws, kinesis, moto, postgres, process, state
from fraudd.localstack.errors import LocalStackError
from fraudd.localstack.process import LOOPBACK, ProcessRef
from fraudd.localstack.state import ComponentState, PostgresState, StackState
from fraudd.settings import Settings

log = structlog.get_logger(__name__)

LOG_DIR = "logs"


@dataclass(frozen=True)
class StackInfo:
    """Where the running local stack answers, and the names of what it created."""

    kinesis_endpoint: str
    moto_endpoint: str
    postgres_host: str
    postgres_port: int
    topic_arn: str
    queue_url: str
    stream_name: str
    state_dir: Path


@dataclass(frozen=True)
class ComponentStatus:
    """One component as ``status`` sees it."""

    running: bool
    endpoint: str | None
    pid: int | None


def up(settings: Settings) -> StackInfo:
    """Start whatever is not running, create whatever is missing; return where it all is.

    Idempotent: running components (verified by PID, start time and command line) are kept.
    """
    moto.check_names(settings.sns, settings.sqs)
    postgres.check_password(settings.warehouse)
    directory = state.state_dir(settings)
    began = time.monotonic()
    with state.locked(directory):
        logs = directory / LOG_DIR
        logs.mkdir(exist_ok=True)
        current = state.load(directory)
        cluster = _cluster(current)
        _claim_ports(settings, current, cluster)
        current = _start_emulators(settings, current, logs)
        current = _up_postgres(settings, current, cluster)
        _wait_emulators(current, logs)
        current = _create_resources(settings, current)
        state.save(current)
    log.info(
        "stack.up_finished", seconds=round(time.monotonic() - began, 2), state_dir=str(directory)
    )
    return _info(current)


def _start_emulators(settings: Settings, current: StackState, logs: Path) -> StackState:
    """Spawn moto (slowest to boot) and kinesalite without waiting; PostgreSQL starts meanwhile."""
    local = settings.local
    mot = _server(
        current.moto,
        local.moto_port,
        "moto",
        lambda port: moto.start(port, logs / "moto.log"),
        moto.endpoint,
    )
    current = current.replace(moto=mot)
    state.save(current)  # recorded at once, so `down` can stop it even if a later step fails
    kin = _server(
        current.kinesis,
        local.kinesis_port,
        "kinesis",
        lambda port: kinesis.start(port, logs / "kinesalite.log", current.state_dir),
        kinesis.endpoint,
    )
    current = current.replace(kinesis=kin)
    state.save(current)
    return current


def _server(
    recorded: ComponentState | None,
    port: int,
    name: str,
    start: Callable[[int], ProcessRef],
    endpoint: Callable[[int], str],
) -> ComponentState:
    """Keep the recorded server if it is still ours, else start one on ``port``."""
    if _alive(recorded):
        _same_port(name, recorded.port, port)
        return recorded
    return ComponentState(process=start(port), port=port, endpoint=endpoint(port))


def _same_port(name: str, running: int, configured: int) -> None:
    if running != configured:
        raise LocalStackError(
            f"{name} already runs on port {running} but settings say {configured}: "
            "run `fraudd local down` first"
        )


def _claim_ports(settings: Settings, current: StackState, cluster: postgres.Cluster) -> None:
    """Fail before starting anything if a port to be bound is held by another program."""
    local = settings.local
    ports = {local.kinesis_port, local.moto_port, local.postgres_port}
    if len(ports) < 3:
        raise LocalStackError("local.kinesis_port, moto_port and postgres_port must differ")
    needed = [
        (local.kinesis_port, "local.kinesis_port", not _alive(current.kinesis)),
        (local.moto_port, "local.moto_port", not _alive(current.moto)),
        (local.postgres_port, "local.postgres_port", postgres.postmaster(cluster) is None),
    ]
    for port, setting, to_start in needed:
        if to_start and process.port_in_use(port):
            raise LocalStackError(
                f"port {port} is in use by another program: if it is another checkout's local "
                f"stack, stop it with `fraudd local down` there; or choose another port with "
                f"{setting} (FRAUDD_{setting.upper().replace('.', '__')}, and the endpoint "
                "setting that points at it)"
            )


def _alive(recorded: ComponentState | None) -> TypeGuard[ComponentState]:
    return recorded is not None and process.is_ours(recorded.process)


def _cluster(current: StackState) -> postgres.Cluster:
    """The recorded cluster if there is one (its place must not move), else a new location."""
    if current.postgres is None:
        return postgres.locate(current.state_dir)
    pg = current.postgres
    # The binaries may have moved (package upgrade); the cluster's directory must not.
    bindir = pg.bindir if (pg.bindir / "pg_ctl").is_file() else postgres.find_bindir()
    return postgres.Cluster(bindir=bindir, root=pg.pg_root, owner=postgres.cluster_owner())


def _up_postgres(settings: Settings, current: StackState, cluster: postgres.Cluster) -> StackState:
    port = settings.local.postgres_port
    running = postgres.postmaster(cluster)
    if running is None:
        postgres.init(cluster)
        ref = postgres.start(cluster, port)
    else:
        ref, running_port = running
        _same_port("postgres", running_port, port)
    pg = PostgresState(
        process=ref,
        port=port,
        endpoint=f"{LOOPBACK}:{port}",
        pg_root=cluster.root,
        bindir=cluster.bindir,
        dsn=postgres.dsn(port, settings.warehouse),
    )
    current = current.replace(postgres=pg)
    state.save(current)
    postgres.ensure_database(cluster, port, settings.warehouse)
    return current


def _wait_emulators(current: StackState, logs: Path) -> None:
    assert current.kinesis is not None and current.moto is not None
    _wait_answering("kinesalite", current.kinesis, kinesis.START_TIMEOUT_S, logs / "kinesalite.log")
    _wait_answering("moto", current.moto, moto.START_TIMEOUT_S, logs / "moto.log")


def _wait_answering(name: str, component: ComponentState, timeout_s: float, log_path: Path) -> None:
    """Wait until the server accepts connections; fail early if its process has died."""
    ok = process.wait_until(
        lambda: process.port_open(component.port),
        lambda: process.is_ours(component.process),
        timeout_s,
    )
    if not ok:
        raise LocalStackError(
            f"{name} is not answering on port {component.port} after {timeout_s:.0f}s "
            f"(log {log_path}); run `fraudd local down` and retry\n{process.log_tail(log_path)}"
        )


def _create_resources(settings: Settings, current: StackState) -> StackState:
    assert current.kinesis is not None and current.moto is not None
    kinesis_client = aws.client("kinesis", settings, current.kinesis.endpoint)
    kinesis.ensure_stream(
        kinesis_client, settings.kinesis.stream_name, settings.kinesis.shard_count
    )
    sns = aws.client("sns", settings, current.moto.endpoint)
    sqs = aws.client("sqs", settings, current.moto.endpoint)
    topic_arn, queue_url = moto.ensure_resources(sns, sqs, settings.sns, settings.sqs)
    return current.replace(
        stream_name=settings.kinesis.stream_name, topic_arn=topic_arn, queue_url=queue_url
    )


def _info(current: StackState) -> StackInfo:
    assert current.kinesis and current.moto and current.postgres
    assert current.topic_arn and current.queue_url and current.stream_name
    return StackInfo(
        kinesis_endpoint=current.kinesis.endpoint,
        moto_endpoint=current.moto.endpoint,
        postgres_host=LOOPBACK,
        postgres_port=current.postgres.port,
        topic_arn=current.topic_arn,
        queue_url=current.queue_url,
        stream_name=current.stream_name,
        state_dir=current.state_dir,
    )


def down(settings: Settings, purge: bool = False) -> None:
    """Stop the processes ``up`` started (only those, checked by PID); ``purge`` deletes state."""
    directory = state.state_dir(settings)
    if not directory.is_dir():
        return
    with state.locked(directory):
        current = state.load(directory)
        for component in (current.kinesis, current.moto):
            if component is not None and component.process is not None:
                process.terminate(component.process)
        cluster = None if current.postgres is None else _cluster(current)
        if cluster is not None:
            postgres.stop(cluster)
        if purge:
            if cluster is not None:
                postgres.remove(cluster)
            shutil.rmtree(directory)
            log.info("stack.purged", state_dir=str(directory))
            return
        state.save(_forget_processes(current))
    log.info("stack.down_finished", state_dir=str(directory))


def _forget_processes(current: StackState) -> StackState:
    forgotten = {}
    for name in ("kinesis", "moto", "postgres"):
        component: ComponentState | None = getattr(current, name)
        if component is not None:
            forgotten[name] = component.replace(process=None)
    return current.replace(**forgotten)


def status(settings: Settings) -> dict[str, ComponentStatus]:
    """Each component (``kinesis``, ``moto``, ``postgres``): running or not, endpoint, PID."""
    current = state.load(state.state_dir(settings))
    pg = current.postgres
    running = None if pg is None else postgres.postmaster(_cluster(current))
    return {
        "kinesis": _status(current.kinesis, current.kinesis.process if current.kinesis else None),
        "moto": _status(current.moto, current.moto.process if current.moto else None),
        "postgres": _status(pg, running[0] if running else None),
    }


def _status(component: ComponentState | None, ref: ProcessRef | None) -> ComponentStatus:
    if component is None:
        return ComponentStatus(running=False, endpoint=None, pid=None)
    alive = process.is_ours(ref) and process.port_open(component.port)
    return ComponentStatus(
        running=alive, endpoint=component.endpoint, pid=ref.pid if alive and ref else None
    )


def stack_settings(settings: Settings, info: StackInfo) -> Settings:
    """A copy of ``settings`` whose services point at the local stack ``info`` describes."""
    key, secret = aws.credentials(settings)
    return settings.derive(
        aws={"access_key_id": SecretStr(key), "secret_access_key": SecretStr(secret)},
        kinesis={"endpoint_url": info.kinesis_endpoint},
        sns={"endpoint_url": info.moto_endpoint, "topic_arn": info.topic_arn},
        sqs={"endpoint_url": info.moto_endpoint},
        warehouse={"host": info.postgres_host, "port": info.postgres_port},
    )
