"""``stack.json`` and the state directory, on real files: what ``up`` records is read back whole,
an unreadable record means nothing is recorded, writes are atomic, and the lock is exclusive."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pydantic
import pytest
from structlog.testing import capture_logs

from fraudd.localstack import state
from fraudd.localstack.process import ProcessRef
from fraudd.settings import LocalStackSettings, Settings


def recorded(directory: Path) -> state.StackState:
    ref = ProcessRef(pid=4242, start_time=17, marker="moto.server")
    pg = state.PostgresState(
        port=3,
        endpoint="127.0.0.1:3",
        pg_root=directory / "pg",
        bindir=Path("/usr/lib/postgresql/15/bin"),
        dsn="postgresql://fraudd@127.0.0.1:3/fraudd",
    )
    return state.StackState(
        state_dir=directory,
        moto=state.ComponentState(process=ref, port=2, endpoint="http://127.0.0.1:2"),
        postgres=pg,
        stream_name="s",
        topic_arn="arn:aws:sns:eu-west-1:123456789012:t",
    )


def test_what_is_saved_is_loaded_back(tmp_path: Path) -> None:
    saved = recorded(tmp_path)
    state.save(saved)
    assert state.load(tmp_path) == saved
    assert [p.name for p in tmp_path.iterdir()] == [state.STATE_FILE]  # no temporary file left
    on_disk = json.loads((tmp_path / state.STATE_FILE).read_text())
    assert on_disk["moto"]["process"] == {"pid": 4242, "start_time": 17, "marker": "moto.server"}


def test_nothing_recorded_without_a_file(tmp_path: Path) -> None:
    assert state.load(tmp_path) == state.StackState(state_dir=tmp_path)


@pytest.mark.parametrize("text", ["{not json", '{"state_dir": "/x", "moto": {"port": "p"}}'])
def test_an_unreadable_record_is_logged_and_means_nothing_recorded(
    tmp_path: Path, text: str
) -> None:
    (tmp_path / state.STATE_FILE).write_text(text)
    with capture_logs() as logs:
        assert state.load(tmp_path) == state.StackState(state_dir=tmp_path)
    assert [e["event"] for e in logs] == ["stack.state_unreadable"]
    assert logs[0]["path"] == str(tmp_path / state.STATE_FILE)


def test_replace_validates_the_variant_again(tmp_path: Path) -> None:
    saved = recorded(tmp_path)
    assert saved.replace(stream_name="other").stream_name == "other"
    assert saved.moto is not None and saved.moto.replace(process=None).process is None
    with pytest.raises(pydantic.ValidationError, match="port"):
        saved.moto.replace(port="not a port")


def test_a_relative_state_dir_is_taken_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(local=LocalStackSettings(state_dir=Path("here/.fraudd")))
    assert state.state_dir(settings) == tmp_path.resolve() / "here" / ".fraudd"


def test_the_lock_is_exclusive_while_held_and_creates_the_directory(tmp_path: Path) -> None:
    directory = tmp_path / "new" / "state"
    with state.locked(directory):
        assert directory.is_dir()
        with (directory / state.LOCK_FILE).open("a") as other:  # as another `up` would open it
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with (directory / state.LOCK_FILE).open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released after the block
