"""The local stack for real: kinesalite, moto server and PostgreSQL started, used and stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from fraudd import localstack
from fraudd.localstack import LocalStackError, StackInfo
from fraudd.localstack import process as proc
from fraudd.localstack import state as stack_state
from fraudd.settings import Settings

SettingsFactory = Callable[[Path], Settings]


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, local_stack_settings_factory: SettingsFactory
) -> Iterator[tuple[Settings, StackInfo]]:
    """A private stack for this module (the lifecycle test below starts its own)."""
    base = local_stack_settings_factory(tmp_path_factory.mktemp("stack"))
    info = localstack.up(base)
    try:
        yield localstack.stack_settings(base, info), info
    finally:
        localstack.down(base, purge=True)


def _client(service: str, endpoint: str, settings: Settings) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=settings.aws.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _pids(settings: Settings) -> dict[str, int | None]:
    return {name: s.pid for name, s in localstack.status(settings).items()}


def _listen_addresses(port: int) -> set[str]:
    """Addresses with a listening TCP socket on ``port``, from the kernel's own table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_kinesis_stream_is_active_with_configured_shards(
    stack: tuple[Settings, StackInfo],
) -> None:
    settings, info = stack
    kinesis = _client("kinesis", info.kinesis_endpoint, settings)
    assert info.stream_name in kinesis.list_streams()["StreamNames"]
    summary = kinesis.describe_stream_summary(StreamName=info.stream_name)
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == settings.kinesis.shard_count


def test_sns_publish_arrives_in_queue_with_attributes(stack: tuple[Settings, StackInfo]) -> None:
    settings, info = stack
    sns = _client("sns", info.moto_endpoint, settings)
    sqs = _client("sqs", info.moto_endpoint, settings)
    sns.publish(
        TopicArn=info.topic_arn,
        Message='{"alert": "test"}',
        MessageAttributes={"decision": {"DataType": "String", "StringValue": "block"}},
    )
    received = sqs.receive_message(QueueUrl=info.queue_url, WaitTimeSeconds=5)
    envelope = json.loads(received["Messages"][0]["Body"])
    assert envelope["TopicArn"] == info.topic_arn
    assert json.loads(envelope["Message"]) == {"alert": "test"}
    assert envelope["MessageAttributes"]["decision"]["Value"] == "block"


def test_postgres_takes_password_logins_and_commits_durably(
    stack: tuple[Settings, StackInfo],
) -> None:
    settings, _ = stack
    with _connect(settings) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SHOW password_encryption").fetchone() == ("md5",)
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
        assert conn.execute("SHOW max_connections").fetchone() == ("200",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(settings, password="wrong").close()


def test_every_server_listens_on_loopback_only(stack: tuple[Settings, StackInfo]) -> None:
    settings, _ = stack
    loopback = "0100007F"  # 127.0.0.1 as the kernel prints it
    local = settings.local
    for port in (local.kinesis_port, local.moto_port, local.postgres_port):
        assert _listen_addresses(port) == {loopback}


def test_up_again_keeps_processes_and_recreates_missing_resources(
    stack: tuple[Settings, StackInfo],
) -> None:
    settings, info = stack
    before = _pids(settings)
    sqs = _client("sqs", info.moto_endpoint, settings)
    kinesis = _client("kinesis", info.kinesis_endpoint, settings)
    sqs.delete_queue(QueueUrl=info.queue_url)
    kinesis.delete_stream(StreamName=info.stream_name)

    again = localstack.up(settings)

    assert _pids(settings) == before
    assert again == info
    assert info.stream_name in kinesis.list_streams()["StreamNames"]
    assert sqs.get_queue_url(QueueName=settings.sqs.queue_name)["QueueUrl"] == info.queue_url


def test_lifecycle_up_status_down_restart_purge(
    tmp_path: Path, local_stack_settings_factory: SettingsFactory
) -> None:
    settings = local_stack_settings_factory(tmp_path / "state")
    info = localstack.up(settings)
    running = localstack.status(settings)
    assert all(s.running and s.pid for s in running.values()), running
    assert running["kinesis"].endpoint == info.kinesis_endpoint
    recorded_pg = stack_state.load(info.state_dir).postgres
    assert recorded_pg is not None
    pointed = localstack.stack_settings(settings, info)
    _create_table(pointed)

    localstack.down(settings)

    assert not any(s.running for s in localstack.status(settings).values())
    for component in running.values():
        assert component.pid is not None and proc.start_time(component.pid) is None
    localstack.up(settings)
    assert _count_rows(pointed) == 1, "committed row lost across down/up"
    localstack.down(settings, purge=True)
    assert not info.state_dir.exists()
    assert not recorded_pg.pg_root.exists()


def _connect(settings: Settings, password: str | None = None) -> psycopg.Connection[Any]:
    """A password login over TCP, as the daemon makes it."""
    wh = settings.warehouse
    return psycopg.connect(
        host=wh.host,
        port=wh.port,
        dbname=wh.database,
        user=wh.user,
        password=wh.password.get_secret_value() if password is None else password,
    )


def _create_table(settings: Settings) -> None:
    with _connect(settings) as conn:
        conn.execute("CREATE TABLE kept (id int)")
        conn.execute("INSERT INTO kept VALUES (1)")


def _count_rows(settings: Settings) -> int:
    with _connect(settings) as conn:
        row = conn.execute("SELECT count(*) FROM kept").fetchone()
    assert row is not None
    return int(row[0])


def test_port_held_by_another_program_is_a_clear_error(
    tmp_path: Path, local_stack_settings_factory: SettingsFactory
) -> None:
    settings = local_stack_settings_factory(tmp_path / "state")
    port = settings.local.postgres_port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(LocalStackError, match=rf"port {port} .*local\.postgres_port"):
            localstack.up(settings)
    # Checked before anything starts: nothing is left running to clean up.
    assert not any(s.running for s in localstack.status(settings).values())
    localstack.down(settings, purge=True)


def test_down_never_signals_a_process_it_did_not_start(
    tmp_path: Path, local_stack_settings_factory: SettingsFactory
) -> None:
    settings = local_stack_settings_factory(tmp_path / "state")
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        directory = stack_state.state_dir(settings)
        directory.mkdir(parents=True)
        # The recorded PID now belongs to another program (as after PID reuse).
        reused = proc.ProcessRef(pid=stranger.pid, start_time=1, marker="launcher.js")
        recorded = stack_state.ComponentState(process=reused, port=1, endpoint="http://x")
        stack_state.save(stack_state.StackState(state_dir=directory, kinesis=recorded))
        localstack.down(settings, purge=True)
        time.sleep(0.2)
        assert stranger.poll() is None, "down killed a process it did not start"
    finally:
        os.kill(stranger.pid, signal.SIGKILL)
        stranger.wait()


def test_postgres_never_runs_as_root(stack: tuple[Settings, StackInfo]) -> None:
    settings, _ = stack
    pid = localstack.status(settings)["postgres"].pid
    assert pid is not None
    assert Path(f"/proc/{pid}").stat().st_uid != 0


def test_session_fixture_points_settings_at_its_stack(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    settings, info = local_stack
    assert settings.endpoint("kinesis") == info.kinesis_endpoint
    assert settings.endpoint("sns") == settings.endpoint("sqs") == info.moto_endpoint
    assert settings.sns.topic_arn == info.topic_arn
    with _connect(settings) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (
            settings.warehouse.database,
        )
