"""A wire-level shim that lets ``redshift_connector`` talk to stock PostgreSQL (a test fixture).

What ``redshift_connector`` 2.2 does differently from a PostgreSQL client (read from its
``core.py``) and what this shim or the driver does about it:

* StartupMessage carries Redshift-only parameters next to ``user``/``database``/
  ``application_name``: ``client_protocol_version``, ``driver_version``, ``os_version``,
  ``driver_discovery_version`` always; ``plugin_name``, ``idp_type``, ``provider_name``,
  ``identity_namespace``, ``token_type``, ``idc_client_display_name`` with IdP plugins.
  PostgreSQL rejects each as an unknown configuration parameter (FATAL 42704). The shim keeps an
  allow-list of PostgreSQL startup parameters and strips everything else, recording what it
  stripped (``RedshiftShim.stripped``) so a test notices when a driver upgrade sends more.
* ``server_version`` ParameterStatus is parsed with ``packaging.version.parse``; Debian's
  ``"15.x (Debian 15.x-1.pgdg...)"`` raises ``InvalidVersion``. The shim rewrites it to the
  leading dotted number. Only messages before the first ReadyForQuery are parsed; after that the
  bytes are piped untouched (server_version never changes within a session).
* SSL: with ``ssl=False`` the driver sends no SSLRequest; should one arrive, the shim answers
  ``N`` (no SSL) and the driver fails clearly instead of hanging.
* Authentication: SCRAM-SHA-256 fails with this driver against PostgreSQL, so the test cluster
  uses md5 (``password_encryption=md5``); the shim does not touch authentication.
* Protocol version: the server never reports ``server_protocol_version``, so the driver falls
  back to the plain PostgreSQL protocol (text numerics, classic RowDescription). The production
  driver asks for that same protocol explicitly (``fraudd.warehouse.redshift_login``), so the
  conversions tested here are the ones used against Redshift.
* The driver runs no queries on connect (no catalog probes, no ``SET``), so nothing else needs
  emulating. CancelRequest packets are forwarded unchanged.

The shim runs its own event loop in a daemon thread, so sync and async tests can share it.

**Redshift mode** (``RedshiftShim(..., redshift=RedshiftMode(...))``) adds what Redshift does and
PostgreSQL does not, message by message in both directions (see :mod:`tests.shim.redshift_wire`
for each behaviour and its source): serialization failures come back in Redshift's error 1023
shape, statements over 16 MB are refused with Redshift's error before they reach PostgreSQL,
``bytes`` parameters (which redshift_connector sends as bare hex text, as Redshift's VARBYTE
reads them) reach PostgreSQL's bytea as the same bytes, and every session starts at the
isolation level asked for, through the startup packet's ``options``
(``-c default_transaction_isolation=...``), as a database's own setting would: SNAPSHOT is
PostgreSQL's REPEATABLE READ (both are snapshot isolation), SERIALIZABLE is SERIALIZABLE.
``options`` may also put a schema of Redshift-compatible functions first on the search path.
"""

from __future__ import annotations

import asyncio
import re
import struct
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.shim import redshift_wire as wire

_PROTOCOL_3 = 196608
_SSL_REQUEST = 80877103
_GSS_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
# Startup parameters PostgreSQL itself understands (libpq sends these; any GUC is also legal,
# but the driver sends none besides these).
PG_STARTUP_PARAMS = frozenset(
    {"user", "database", "options", "application_name", "replication", "client_encoding"}
)
_VERSION = re.compile(rb"^\d+(\.\d+)*")


def _startup_params(body: bytes) -> list[tuple[bytes, bytes]]:
    parts = body.split(b"\x00")
    # body ends with "\0\0": the last two parts are empty
    return [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 2, 2) if parts[i]]


def _startup_message(params: list[tuple[bytes, bytes]]) -> bytes:
    body = struct.pack("!i", _PROTOCOL_3)
    body += b"".join(k + b"\x00" + v + b"\x00" for k, v in params) + b"\x00"
    return struct.pack("!i", len(body) + 4) + body


# Redshift's two isolation levels and the PostgreSQL level that behaves like each.
ISOLATION = {"snapshot": "repeatable read", "serializable": "serializable"}
Isolation = Literal["snapshot", "serializable"]


@dataclass(frozen=True)
class RedshiftMode:
    """How the shim behaves like Redshift: the database's isolation level, a search path."""

    isolation: Isolation = "snapshot"
    search_path: str | None = None
    hex_types: frozenset[int] = frozenset({17})  # bytea; add the compat VARBYTE's OID
    # Statements of these users' sessions go through ``unsupported`` first: the error fields
    # to refuse a statement with, or None to let it pass.
    checked_users: frozenset[str] = frozenset()
    unsupported: Callable[[str], dict[str, str] | None] | None = None

    def options(self) -> bytes:
        """The startup ``options`` value (spaces inside a value are backslash-escaped)."""
        level = ISOLATION[self.isolation].replace(" ", "\\ ")
        parts = [f"-c default_transaction_isolation={level}"]
        if self.search_path:
            parts.append(f"-c search_path={self.search_path}")
        return " ".join(parts).encode()


def plain_server_version(value: bytes) -> bytes:
    """``b"15.18 (Debian 15.18-0+deb12u1)"`` -> ``b"15.18"``; plain versions pass through."""
    match = _VERSION.match(value)
    return match.group(0) if match else value


@dataclass
class _Statements:
    """What one Redshift-mode connection has prepared: text sizes, parameter types."""

    user: str = ""
    sizes: dict[bytes, int] = field(default_factory=dict)
    types: dict[bytes, tuple[int, ...]] = field(default_factory=dict)
    describing: deque[bytes] = field(default_factory=deque)


class RedshiftShim:
    """TCP proxy on 127.0.0.1 in front of a PostgreSQL server; see the module docstring."""

    def __init__(
        self, upstream_host: str, upstream_port: int, *, redshift: RedshiftMode | None = None
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.redshift = redshift
        self.rewritten: list[tuple[str, str]] = []  # (SQLSTATE, message) PostgreSQL had sent
        self.refusals: dict[int, dict[str, str]] = {}  # error fields, by refusal number
        self.statements: list[str] = []  # every statement text of the checked users' sessions
        self.port = 0
        self.stripped: set[str] = set()
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> int:
        """Listen on a free port of 127.0.0.1; return the port."""
        self._thread.start()
        self._server = self._run(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def stop(self) -> None:
        """Close the listener and every proxied connection, then stop the thread."""
        if self._server is not None:
            self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        swriter: asyncio.StreamWriter | None = None
        try:
            state = _Statements()
            first = await self._read_startup(creader, cwriter, state)
            if first is None:
                return
            sreader, swriter = await asyncio.open_connection(*self.upstream)
            swriter.write(first)
            await swriter.drain()
            if self.redshift is None:
                await asyncio.gather(
                    self._pipe(creader, swriter), self._server_to_client(sreader, cwriter)
                )
            else:
                await asyncio.gather(
                    self._redshift_client(creader, swriter, state),
                    self._redshift_server(sreader, cwriter, state),
                )
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._tasks.discard(task)
            for writer in (cwriter, swriter):
                if writer is not None:
                    writer.close()

    async def _read_startup(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: _Statements
    ) -> bytes | None:
        """Return the packet to send upstream: a cleaned StartupMessage, or a CancelRequest."""
        while True:
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            (code,) = struct.unpack("!i", body[:4])
            if code in (_SSL_REQUEST, _GSS_REQUEST):
                writer.write(b"N")
                await writer.drain()
                continue
            if code == _CANCEL_REQUEST:
                return struct.pack("!i", length) + body
            if code != _PROTOCOL_3:
                return None
            kept = []
            for key, value in _startup_params(body[4:]):
                if key == b"user":
                    state.user = value.decode()
                if key.decode() in PG_STARTUP_PARAMS:
                    kept.append((key, value))
                else:
                    self.stripped.add(key.decode())
            if self.redshift is not None:
                kept = [(k, v) for k, v in kept if k != b"options"]
                kept.append((b"options", self.redshift.options()))
            return _startup_message(kept)

    async def _server_to_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Rewrite server_version until the first ReadyForQuery, then pipe raw bytes."""
        while True:
            header = await reader.readexactly(5)
            kind, length = header[:1], struct.unpack("!i", header[1:])[0]
            body = await reader.readexactly(length - 4)
            if kind == b"S" and body.startswith(b"server_version\x00"):
                value = plain_server_version(body[len(b"server_version\x00") : -1])
                body = b"server_version\x00" + value + b"\x00"
                header = kind + struct.pack("!i", len(body) + 4)
            writer.write(header + body)
            await writer.drain()
            if kind in (b"Z", b"E"):
                break
        await self._pipe(reader, writer)

    @staticmethod
    async def _message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
        header = await reader.readexactly(5)
        return header[:1], await reader.readexactly(struct.unpack("!i", header[1:])[0] - 4)

    @staticmethod
    def _frame(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("!i", len(body) + 4) + body

    async def _redshift_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: _Statements
    ) -> None:
        """Client to server: refuse statements over Redshift's 16 MB before PostgreSQL sees them,
        and send VARBYTE parameters the way Redshift reads them (see redshift_wire).

        A Bind is measured as its statement's text (remembered from the Parse) plus its values.
        """
        try:
            while True:
                kind, body = await self._message(reader)
                writer.write(self._frame(kind, self._checked(kind, body, state)))
                await writer.drain()
        finally:
            writer.close()

    def _checked(self, kind: bytes, body: bytes, state: _Statements) -> bytes:
        assert self.redshift is not None
        limit = wire.MAX_STATEMENT_BYTES
        if kind == b"Q":
            refusal = self._refusal(body[:-1], state)
            return body if refusal is None else wire.refused_query(refusal) + b"\x00"
        if kind == b"P":
            name, query = wire.parse_statement(body)
            state.sizes[name] = len(query)
            refusal = self._refusal(query, state)
            return body if refusal is None else wire.refused_parse(name, refusal)
        if kind == b"D" and (described := wire.described_statement(body)) is not None:
            state.describing.append(described)
        if kind == b"B":
            statement, values = wire.bind_parameters(body)
            size = state.sizes.get(statement, 0) + values
            if size > limit:
                return wire.refused_bind(self._refuse(wire.statement_too_large_error(size)))
            types = state.types.get(statement, ())
            if set(types) & self.redshift.hex_types:
                return wire.hex_prefixed_bind(body, types, self.redshift.hex_types)
        return body

    def _refusal(self, query: bytes, state: _Statements) -> int | None:
        """The refusal number for a statement Redshift would refuse by its text alone."""
        assert self.redshift is not None
        if len(query) > wire.MAX_STATEMENT_BYTES:
            return self._refuse(wire.statement_too_large_error(len(query)))
        check = self.redshift.unsupported
        if check is None or state.user not in self.redshift.checked_users:
            return None
        text = query.decode("utf-8", "replace")
        self.statements.append(text)
        error = check(text)
        return None if error is None else self._refuse(error)

    def _refuse(self, error: dict[str, str]) -> int:
        number = len(self.refusals)
        self.refusals[number] = error
        return number

    async def _redshift_server(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: _Statements
    ) -> None:
        """Server to client: fix server_version, put errors into Redshift's shape, learn each
        statement's parameter types."""
        pid = 0
        try:
            while True:
                kind, body = await self._message(reader)
                if kind == b"K":  # BackendKeyData: the pid Redshift's error 1023 names
                    pid = struct.unpack("!i", body[:4])[0]
                if kind == b"t" and state.describing:  # answers the oldest Describe
                    state.types[state.describing.popleft()] = wire.parameter_types(body)
                if kind == b"Z":  # a Describe after an error is never answered
                    state.describing.clear()
                if kind == b"S" and body.startswith(b"server_version\x00"):
                    value = plain_server_version(body[len(b"server_version\x00") : -1])
                    body = b"server_version\x00" + value + b"\x00"
                if kind == b"E":
                    writer.write(self._redshift_error(body, pid))
                else:
                    writer.write(self._frame(kind, body))
                await writer.drain()
        finally:
            writer.close()

    def _redshift_error(self, body: bytes, pid: int) -> bytes:
        fields = wire.parse_error(body)
        redshift = wire.as_redshift(fields, pid, self.refusals)
        if redshift is None:
            return self._frame(b"E", body)
        self.rewritten.append((fields.get("C", ""), fields.get("M", "")))
        return wire.error_message(redshift)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
