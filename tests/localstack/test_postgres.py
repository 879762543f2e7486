"""The local PostgreSQL: where its cluster lives, how the running postmaster is recognised, and
the login role and database made (and re-passworded) on the session's real cluster."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from fraudd.localstack import LocalStackError, StackInfo, postgres
from fraudd.localstack import state as stack_state
from fraudd.settings import Settings, WarehouseSettings


@pytest.fixture
def cluster(local_stack: tuple[Settings, StackInfo]) -> postgres.Cluster:
    """The session stack's running cluster, as ``up`` recorded it."""
    recorded = stack_state.load(local_stack[1].state_dir).postgres
    assert recorded is not None
    return postgres.Cluster(recorded.bindir, recorded.pg_root, postgres.cluster_owner())


def superuser(cluster: postgres.Cluster, port: int) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=str(cluster.root), port=port, user=postgres.SUPERUSER, dbname="postgres",
        autocommit=True,
    )  # fmt: skip


def login(port: int, wh: WarehouseSettings) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host="127.0.0.1", port=port, user=wh.user, dbname=wh.database,
        password=wh.password.get_secret_value(),
    )  # fmt: skip


@pytest.fixture
def new_login(
    cluster: postgres.Cluster, local_stack: tuple[Settings, StackInfo]
) -> Iterator[WarehouseSettings]:
    """A role and database name of the test's own (dropped afterwards)."""
    tag = uuid.uuid4().hex[:8]
    yield WarehouseSettings(user=f"u {tag}", database=f"db-{tag}", password=SecretStr("pw-1"))
    with superuser(cluster, local_stack[1].postgres_port) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(f"db-{tag}")))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(f"u {tag}")))


def test_the_running_postmaster_is_found_with_its_port(
    cluster: postgres.Cluster, local_stack: tuple[Settings, StackInfo]
) -> None:
    running = postgres.postmaster(cluster)
    assert running is not None
    ref, port = running
    assert port == local_stack[0].local.postgres_port
    assert str(cluster.data_dir) in ref.marker
    assert Path(f"/proc/{ref.pid}").stat().st_uid == (cluster.owner.uid if cluster.owner else 0)


def test_no_postmaster_without_a_valid_pid_file(tmp_path: Path) -> None:
    cluster = postgres.Cluster(bindir=tmp_path, root=tmp_path, owner=None)
    assert postgres.postmaster(cluster) is None
    cluster.data_dir.mkdir()
    (cluster.data_dir / "postmaster.pid").write_text("not a pid\n")
    assert postgres.postmaster(cluster) is None
    # a PID file left by a crash, naming a process that is not this cluster's postmaster
    (cluster.data_dir / "postmaster.pid").write_text(f"{os.getpid()}\n{cluster.data_dir}\n0\n5\n")
    assert postgres.postmaster(cluster) is None
    postgres.stop(cluster)  # not running: nothing to stop, and no pg_ctl is needed


def test_ensure_database_creates_the_login_and_repasswords_it(
    cluster: postgres.Cluster, local_stack: tuple[Settings, StackInfo], new_login: WarehouseSettings
) -> None:
    port = local_stack[1].postgres_port
    postgres.ensure_database(cluster, port, new_login)
    with login(port, new_login) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (
            new_login.user, new_login.database,
        )  # fmt: skip
    changed = new_login.derive(password=SecretStr("pw-2"))
    postgres.ensure_database(cluster, port, changed)  # both exist: the role gets the new password
    login(port, changed).close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        login(port, new_login).close()


def test_an_empty_password_is_refused_before_anything_runs() -> None:
    with pytest.raises(LocalStackError, match=r"warehouse\.password is empty"):
        postgres.check_password(WarehouseSettings())


def test_the_dsn_is_quoted_and_never_holds_the_password() -> None:
    wh = WarehouseSettings(user="a b@c", database="d/e", password=SecretStr("hunter2"))
    assert postgres.dsn(5433, wh) == "postgresql://a%20b%40c@127.0.0.1:5433/d/e"
    assert "hunter2" not in postgres.dsn(5433, wh)


def test_the_cluster_lives_in_the_state_dir_when_its_owner_can_reach_it() -> None:
    # pytest's own tmp dirs are 0700 (unreachable for the postgres user when we are root)
    reachable = Path(tempfile.mkdtemp(prefix="fraudd-test-"))
    try:
        reachable.chmod(0o711)
        assert postgres.locate(reachable).root == reachable / "pg"
    finally:
        reachable.rmdir()


def test_a_long_or_unreachable_state_dir_puts_the_cluster_under_tmp(tmp_path: Path) -> None:
    long = tmp_path / ("x" * (postgres.MAX_SOCKET_PATH - 10))
    first, again = postgres.locate(long), postgres.locate(long)
    assert first.root == again.root != long / "pg"  # the same place every time
    assert first.root.parent == Path(tempfile.gettempdir())
    assert first.root.name.startswith("fraudd-pg-")
    if os.geteuid() == 0:  # the postgres user cannot enter a root-only directory
        hidden = tmp_path / "hidden"
        hidden.mkdir(mode=0o700)
        assert postgres.locate(hidden / "state").root.name.startswith("fraudd-pg-")


def test_binaries_are_found_and_the_newest_debian_version_wins() -> None:
    bindir = postgres.find_bindir()
    assert all((bindir / name).is_file() for name in postgres.SERVER_BINARIES)
    versions = ["9.6", "15", "13", "16"]
    assert sorted(versions, key=postgres._version_key, reverse=True) == ["16", "15", "13", "9.6"]


def test_init_keeps_an_existing_cluster(tmp_path: Path) -> None:
    cluster = postgres.Cluster(bindir=tmp_path / "no-binaries", root=tmp_path / "pg", owner=None)
    cluster.data_dir.mkdir(parents=True)
    (cluster.data_dir / "PG_VERSION").write_text("15\n")
    postgres.init(cluster)  # would fail running initdb from a directory without binaries
    assert sorted(p.name for p in cluster.data_dir.iterdir()) == ["PG_VERSION"]


@pytest.mark.parametrize("planted", ["file", "link"])
def test_a_planted_cluster_root_that_is_not_our_directory_is_refused(
    tmp_path: Path, planted: str
) -> None:
    """In a shared /tmp another user could plant the cluster's name, as a file or as a link to
    a directory of theirs: initdb must not write there."""
    root = tmp_path / "fraudd-pg-planted"
    if planted == "file":
        root.write_text("not a directory")
    else:
        (tmp_path / "theirs").mkdir()
        root.symlink_to(tmp_path / "theirs")
    cluster = postgres.Cluster(bindir=postgres.find_bindir(), root=root, owner=None)
    with pytest.raises(LocalStackError, match="exists but is not a directory owned by us"):
        postgres.init(cluster)
    assert not (tmp_path / "theirs" / "data").exists()
