"""kinesalite and the stream: where it runs from (the checkout's node/ or a copy under the state
directory), and the stream made ACTIVE with its shards, on the running local stack."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from fraudd.localstack import LocalStackError, StackInfo, kinesis
from fraudd.localstack import aws as local_aws
from fraudd.settings import Settings
from tests.localstack.test_aws import unanswered_client


@pytest.fixture
def client(local_stack: tuple[Settings, StackInfo]) -> Any:
    settings, info = local_stack
    return local_aws.client("kinesis", settings, info.kinesis_endpoint)


def summary(client: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = client.describe_stream_summary(StreamName=name)
    return found["StreamDescriptionSummary"]


def test_ensure_stream_creates_it_active_with_its_shards_once(client: Any) -> None:
    name = f"k-{uuid.uuid4().hex[:8]}"
    with capture_logs() as logs:
        kinesis.ensure_stream(client, name, 3)
        kinesis.ensure_stream(client, name, 3)  # exists: nothing more happens
    found = summary(client, name)
    assert (found["StreamStatus"], found["OpenShardCount"]) == ("ACTIVE", 3)
    assert [e["event"] for e in logs] == ["kinesis.stream_created"]


def test_a_stream_with_other_shards_is_kept_with_a_warning(client: Any) -> None:
    name = f"k-{uuid.uuid4().hex[:8]}"
    kinesis.ensure_stream(client, name, 1)
    with capture_logs() as logs:
        kinesis.ensure_stream(client, name, 4)
    assert summary(client, name)["OpenShardCount"] == 1
    assert [(e["event"], e["open_shards"], e["configured"]) for e in logs] == [
        ("kinesis.shard_count_differs", 1, 4)
    ]


def test_healthy_only_when_kinesalite_answers(
    local_stack: tuple[Settings, StackInfo], client: Any
) -> None:
    settings, info = local_stack
    assert kinesis.healthy(client)
    assert not kinesis.healthy(unanswered_client("kinesis"))
    assert kinesis.endpoint(settings.local.kinesis_port) == info.kinesis_endpoint


def test_a_checkout_runs_kinesalite_from_its_own_node_dir(tmp_path: Path) -> None:
    assert (kinesis.NODE_DIR / "node_modules" / "kinesalite").is_dir()  # make install did it
    assert kinesis.node_home(tmp_path) == kinesis.NODE_DIR
    kinesis.ensure_node_modules(kinesis.NODE_DIR)  # installed: nothing to do
    assert not (tmp_path / "node").exists()


def test_an_installed_wheel_copies_the_packaged_files_under_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = tmp_path / "site-packages" / "node"  # a wheel's package data: no node_modules
    packaged.mkdir(parents=True)
    for name in kinesis.NODE_FILES:
        shutil.copyfile(kinesis.NODE_DIR / name, packaged / name)
    monkeypatch.setattr(kinesis, "NODE_DIR", packaged)
    state = tmp_path / "state"

    home = kinesis.node_home(state)

    assert home == state / "node"
    for name in kinesis.NODE_FILES:
        assert (home / name).read_bytes() == (packaged / name).read_bytes()
    installed = home / "node_modules" / "kinesalite"
    installed.mkdir(parents=True)
    kinesis.node_home(state)  # unchanged files: the installed modules stay
    assert installed.is_dir()
    (packaged / "package-lock.json").write_text('{"lockfileVersion": 3}\n')  # an upgrade
    kinesis.node_home(state)
    assert (home / "package-lock.json").read_text() == '{"lockfileVersion": 3}\n'
    assert not (home / "node_modules").exists(), "modules of the old lock were kept"


def test_without_npm_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalStackError, match=r"'npm' not found on PATH: install Node\.js"):
        kinesis.ensure_node_modules(tmp_path)
