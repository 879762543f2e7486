"""PostgreSQL, the local stand-in for Redshift: a throwaway cluster from the machine's binaries.

The cluster listens on 127.0.0.1 only. TCP logins use md5 passwords, because redshift_connector
(exercised through a test shim) cannot do SCRAM; psycopg handles md5 as well. Administration
goes through a Unix socket in the cluster's private directory (mode 0700) with trust auth, so no
superuser password exists anywhere.

PostgreSQL refuses to run as root. Under root the cluster belongs to the ``postgres`` system user
(created as ``fraudd-pg`` if there is none), and every server binary runs as that user. If that
user cannot reach the state directory, the cluster lives in ``/tmp/fraudd-pg-<hash>/`` instead.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import structlog
from psycopg import sql

from fraudd.localstack import process
from fraudd.localstack.errors import LocalStackError
from fraudd.localstack.process import LOOPBACK, ProcessRef
from fraudd.settings import WarehouseSettings

log = structlog.get_logger(__name__)

SUPERUSER = "postgres"
FALLBACK_OS_USER = "fraudd-pg"
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes; ".s.PGSQL.<port>" and NUL come on top
START_TIMEOUT_S = 60
INITDB_OPTIONS = (
    f"--username={SUPERUSER}",
    "--auth-local=trust",
    "--auth-host=md5",
    "--no-locale",
    "--encoding=UTF8",
    "--no-sync",
    "--no-instructions",
)
USERADD = ("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent")

HBA = """\
# Written by `fraudd local up` on every start.
# The socket directory is private to the cluster's owner, so trust is safe there.
local   all   all                  trust
host    all   all   127.0.0.1/32   md5
"""


@dataclass(frozen=True)
class OsUser:
    """The unprivileged account that owns and runs the cluster when we are root."""

    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class Cluster:
    """Where one cluster lives: ``root`` (mode 0700) holds ``data/``, the log and the socket."""

    bindir: Path
    root: Path
    owner: OsUser | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"


def find_bindir() -> Path:
    """The directory of initdb, pg_ctl and postgres: ``pg_config --bindir`` or the newest Debian."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(found.stdout.strip()))
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda p: _version_key(p.parent.name), reverse=True)
    for bindir in candidates:
        if all((bindir / name).is_file() for name in SERVER_BINARIES):
            return bindir
    raise LocalStackError(
        "no PostgreSQL server binaries found (looked at `pg_config --bindir` and "
        "/usr/lib/postgresql/*/bin): install PostgreSQL 15+ (Debian: apt-get install postgresql). "
        "The pgserver fallback is not implemented."
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def cluster_owner() -> OsUser | None:
    """None when not root (the cluster runs as us), else ``postgres`` (created if missing)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_OS_USER):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return OsUser(name=name, uid=entry.pw_uid, gid=entry.pw_gid)
    subprocess.run([*USERADD, "--shell", "/usr/sbin/nologin", FALLBACK_OS_USER], check=True)
    log.info("postgres.os_user_created", user=FALLBACK_OS_USER)
    return cluster_owner()


def locate(state_dir: Path) -> Cluster:
    """Choose the cluster's directory for a state directory (``<state_dir>/pg`` when usable)."""
    owner = cluster_owner()
    preferred = state_dir / "pg"
    if len(str(preferred)) <= MAX_SOCKET_PATH - 16 and _reachable(state_dir, owner):
        return Cluster(bindir=find_bindir(), root=preferred, owner=owner)
    digest = hashlib.sha256(str(state_dir).encode()).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / f"fraudd-pg-{digest}"
    return Cluster(bindir=find_bindir(), root=root, owner=owner)


def _reachable(directory: Path, owner: OsUser | None) -> bool:
    """Can ``owner`` traverse every directory down to ``directory``? Asked of the kernel itself."""
    if owner is None:
        return True
    result = subprocess.run(
        ["test", "-x", str(directory)], **_as_owner(owner), check=False, cwd="/"
    )
    return result.returncode == 0


def _as_owner(owner: OsUser | None) -> dict[str, Any]:
    if owner is None:
        return {}
    return {"user": owner.uid, "group": owner.gid, "extra_groups": []}


def _run(
    cluster: Cluster, *argv: str, new_session: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    return subprocess.run(
        [str(cluster.bindir / argv[0]), *argv[1:]],
        cwd=cluster.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=new_session,
        **_as_owner(cluster.owner),
    )


def _make_root(cluster: Cluster) -> None:
    root = cluster.root
    refused = LocalStackError(f"{root} exists but is not a directory owned by us")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file (or a link to one) holds the name
        raise refused from None
    info = root.lstat()
    allowed = {os.geteuid()} | ({cluster.owner.uid} if cluster.owner else set())
    # In a shared /tmp another user could have planted this name: refuse anything not ours.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid not in allowed:
        raise refused
    if cluster.owner is not None:
        os.chown(root, cluster.owner.uid, cluster.owner.gid)
    root.chmod(0o700)


def _write(cluster: Cluster, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    if cluster.owner is not None:
        os.chown(path, cluster.owner.uid, cluster.owner.gid)


def _check(result: subprocess.CompletedProcess[str], what: str, cluster: Cluster) -> None:
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        tail = process.log_tail(cluster.log_path)
        raise LocalStackError(f"{what} failed: {detail}\n{tail}".strip())


def init(cluster: Cluster) -> None:
    """Create the cluster unless it exists (``--no-sync``: it is throwaway, skip initdb's fsync)."""
    if (cluster.data_dir / "PG_VERSION").is_file():
        return
    _make_root(cluster)
    if cluster.data_dir.exists():  # left half-made by an interrupted initdb
        shutil.rmtree(cluster.data_dir)
    result = _run(cluster, "initdb", "-D", str(cluster.data_dir), *INITDB_OPTIONS)
    _check(result, "initdb", cluster)
    with (cluster.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("\ninclude = 'fraudd.conf'\n")
    log.info("postgres.initialised", data_dir=str(cluster.data_dir))


def _config(cluster: Cluster, port: int) -> str:
    socket_dir = str(cluster.root).replace("'", "''")
    return f"""\
# Written by `fraudd local up` on every start; edits are overwritten.
listen_addresses = '{LOOPBACK}'
port = {port}
unix_socket_directories = '{socket_dir}'
unix_socket_permissions = 0700
# redshift_connector cannot do SCRAM: store and check md5 passwords.
password_encryption = md5
max_connections = 200
shared_buffers = 256MB
max_wal_size = 2GB
# Crash tests (SIGKILL) expect every committed transaction to survive: keep commits durable.
fsync = on
synchronous_commit = on
timezone = 'UTC'
log_timezone = 'UTC'
"""


def postmaster(cluster: Cluster) -> tuple[ProcessRef, int] | None:
    """The running postmaster of this cluster and its port, from ``postmaster.pid``; else None."""
    try:
        lines = (cluster.data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    ref = process.ref_for(pid, str(cluster.data_dir))
    return None if ref is None else (ref, port)


def start(cluster: Cluster, port: int) -> ProcessRef:
    """Write the configuration and start the server in its own session; wait until it accepts."""
    _write(cluster, cluster.data_dir / "fraudd.conf", _config(cluster, port))
    _write(cluster, cluster.data_dir / "pg_hba.conf", HBA)
    data, log_path = str(cluster.data_dir), str(cluster.log_path)
    argv = ("pg_ctl", "start", "-w", "-s", "-t", str(START_TIMEOUT_S), "-D", data, "-l", log_path)
    result = _run(cluster, *argv, new_session=True)
    _check(result, "pg_ctl start", cluster)
    running = postmaster(cluster)
    if running is None:
        raise LocalStackError(
            f"PostgreSQL started but left no postmaster.pid in {cluster.data_dir}"
        )
    log.info("postgres.started", pid=running[0].pid, port=port)
    return running[0]


def stop(cluster: Cluster) -> None:
    """Fast shutdown (roll back open transactions, keep committed ones) if it runs."""
    if postmaster(cluster) is None:
        return
    result = _run(cluster, "pg_ctl", "stop", "-m", "fast", "-w", "-s", "-D", str(cluster.data_dir))
    _check(result, "pg_ctl stop", cluster)
    log.info("postgres.stopped", data_dir=str(cluster.data_dir))


def check_password(warehouse: WarehouseSettings) -> None:
    """The cluster only takes password logins over TCP, so an empty password cannot work."""
    if not warehouse.password.get_secret_value():
        raise LocalStackError("warehouse.password is empty: the local PostgreSQL needs one")


def ensure_database(cluster: Cluster, port: int, warehouse: WarehouseSettings) -> None:
    """Create (or re-password) the login role and create its database unless it exists."""
    check_password(warehouse)
    role, password = sql.Identifier(warehouse.user), warehouse.password.get_secret_value()
    with psycopg.connect(
        host=str(cluster.root), port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (warehouse.user,))
        verb = sql.SQL("ALTER" if found.fetchone() else "CREATE")
        # Utility statements take no bind parameters: Literal quotes the password client-side.
        conn.execute(
            sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, role, sql.Literal(password))
        )
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (warehouse.database,))
        if found.fetchone() is None:
            database = sql.Identifier(warehouse.database)
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
            log.info("postgres.database_created", database=warehouse.database, role=warehouse.user)


def dsn(port: int, warehouse: WarehouseSettings) -> str:
    """A connection URL without the password (safe to record and print)."""
    return f"postgresql://{quote(warehouse.user)}@{LOOPBACK}:{port}/{quote(warehouse.database)}"


def remove(cluster: Cluster) -> None:
    """Delete the cluster's directory (the server must be stopped)."""
    shutil.rmtree(cluster.root, ignore_errors=True)
