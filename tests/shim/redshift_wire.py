"""What the shim's Redshift mode does to PostgreSQL protocol messages (pure functions).

Redshift behaviours reproduced, each from a source:

* **Serialization conflicts** arrive as ``{'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D':
  'Serializable isolation violation on table - 119371, transactions forming the cycle are:
  1745830, 1745762 (pid:15021)', 'F': '/home/ec2-user/padb/src/sys/xen_execute.cpp', 'L':
  '9797', 'R': 'pg_throw'}`` — the fields of a redshift_connector error against Redshift quoted
  in https://github.com/aws/aws-sdk-pandas/issues/665. PostgreSQL's 40001 (REPEATABLE READ's
  "could not serialize access due to concurrent update", SERIALIZABLE's "... due to read/write
  dependencies") becomes exactly that shape. Deadlocks (40P01) pass unchanged: AWS's page on
  concurrent writes ("Write and read/write operations", c_write_readwrite.html) describes when
  Redshift deadlocks but documents no other error shape for it.
* **Statements over 16 MB** are refused: "The maximum size for a single Amazon Redshift SQL
  statement is 16 MB" (https://docs.aws.amazon.com/redshift/latest/dg/c_redshift-sql.html),
  with ``Statement is too large. Statement Size: 46557879 bytes. Maximum Allowed: 16777216
  bytes`` under SQLSTATE 42601 (psycopg2 raised it as ``errors.SyntaxError``, which is 42601:
  https://github.com/psycopg/psycopg2/issues/1091). A statement's size here is its text plus its
  bound parameter values: the documentation does not say whether Redshift counts bound values,
  so the shim takes the side that cannot hide a too-large statement.

* **Constructs Redshift lacks** (optional, for the daemon's sessions): a statement the mode's
  checker objects to (tests/redshift/unsupported.py) is refused with the error it names.

The shim refuses a statement by swapping it for one PostgreSQL itself rejects (a call of an
unknown function, a Bind to an unknown prepared statement) whose name carries the refusal's
number, and rewriting that error on its way back into the refusal's. PostgreSQL therefore
aborts the transaction and skips to Sync exactly as for any other error, and the protocol never
falls out of step.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping

MAX_STATEMENT_BYTES = 16 * 1024 * 1024  # 16777216, the figure in Redshift's own error
NULL = struct.pack("!i", -1)  # a Bind value's length when the value is NULL
_MARKER = "fraudd_shim_refused_"
_MARKER_REF = re.compile(_MARKER + r"(\d+)")

REDSHIFT_1023_DETAIL = (
    "Serializable isolation violation on table - {table}, transactions forming the cycle are: "
    "{xid}, {xid} (pid:{pid})"
)


# --------------------------------------------------------------------------- ErrorResponse


def parse_error(body: bytes) -> dict[str, str]:
    """An ErrorResponse body (``<code><text>\\0`` fields, then ``\\0``) as a dict."""
    fields: dict[str, str] = {}
    for part in body.split(b"\x00"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


def error_message(fields: dict[str, str]) -> bytes:
    """A whole ErrorResponse message (type byte, length, fields) built from ``fields``."""
    body = b"".join(k.encode() + v.encode() + b"\x00" for k, v in fields.items()) + b"\x00"
    return b"E" + struct.pack("!i", len(body) + 4) + body


def redshift_serialization_error(pid: int) -> dict[str, str]:
    """Redshift's error 1023, in the field order of the quoted real one."""
    return {
        "S": "ERROR",
        "C": "XX000",
        "M": "1023",
        "D": REDSHIFT_1023_DETAIL.format(table=0, xid=0, pid=pid),
        "F": "/home/ec2-user/padb/src/sys/xen_execute.cpp",
        "L": "9797",
        "R": "pg_throw",
    }


def statement_too_large_error(size: int) -> dict[str, str]:
    """Redshift's refusal of a statement over :data:`MAX_STATEMENT_BYTES`."""
    return {
        "S": "ERROR",
        "C": "42601",
        "M": f"Statement is too large. Statement Size: {size} bytes. "
        f"Maximum Allowed: {MAX_STATEMENT_BYTES} bytes",
    }


def as_redshift(
    fields: dict[str, str], pid: int, refusals: Mapping[int, dict[str, str]]
) -> dict[str, str] | None:
    """The Redshift form of a PostgreSQL error, or None when Redshift reports it the same way.

    ``refusals`` holds the error each refused statement earns, by the number its stand-in names.
    """
    if fields.get("C") == "40001":
        return redshift_serialization_error(pid)
    marker = _MARKER_REF.search(fields.get("M", ""))
    if marker is not None:
        return refusals[int(marker.group(1))]
    return None


# --------------------------------------------------------------------------- client messages


def _cstring(data: bytes, offset: int) -> tuple[bytes, int]:
    end = data.index(b"\x00", offset)
    return data[offset:end], end + 1


def parse_statement(body: bytes) -> tuple[bytes, bytes]:
    """A Parse body: ``(statement name, query text)``."""
    name, offset = _cstring(body, 0)
    query, _ = _cstring(body, offset)
    return name, query


def bind_parameters(body: bytes) -> tuple[bytes, int]:
    """A Bind body: ``(statement name, total bytes of the bound values)``."""
    _portal, offset = _cstring(body, 0)
    statement, offset = _cstring(body, offset)
    (formats,) = struct.unpack_from("!h", body, offset)
    offset += 2 + 2 * formats
    (count,) = struct.unpack_from("!h", body, offset)
    offset += 2
    total = 0
    for _ in range(count):
        (length,) = struct.unpack_from("!i", body, offset)
        offset += 4
        if length > 0:
            total += length
            offset += length
    return statement, total


def refused_query(ref: int) -> bytes:
    """Query text PostgreSQL rejects at parse analysis, naming refusal number ``ref``."""
    return f"SELECT {_MARKER}{ref}()".encode()


def refused_parse(name: bytes, ref: int) -> bytes:
    """A Parse body that PostgreSQL rejects in place of one Redshift would refuse."""
    return name + b"\x00" + refused_query(ref) + b"\x00" + struct.pack("!h", 0)


def refused_bind(ref: int) -> bytes:
    """A Bind body naming a prepared statement that does not exist (PostgreSQL: 26000)."""
    statement = f"{_MARKER}{ref}".encode()
    return b"\x00" + statement + b"\x00" + struct.pack("!hhh", 0, 0, 0)


# --------------------------------------------------------------------------- VARBYTE parameters
# redshift_connector sends a ``bytes`` parameter as hex digits, in text format, of type
# "unknown" (``bytes: (RedshiftOID.UNKNOWN, FC_TEXT, varbyte_send)`` with ``varbyte_send`` =
# ``v.hex()``, redshift_connector/utils/type_utils.py), and Redshift reads that text as the
# VARBYTE's hex form. PostgreSQL's bytea input wants a ``\x`` before hex digits and reads bare
# text byte for byte, so the shim adds the prefix to text parameters PostgreSQL types as bytea
# (or the compat VARBYTE), as learnt from its ParameterDescription of each statement.


def parameter_types(body: bytes) -> tuple[int, ...]:
    """A ParameterDescription body: the parameters' type OIDs."""
    (count,) = struct.unpack_from("!h", body, 0)
    return struct.unpack_from(f"!{count}I", body, 2)


def described_statement(body: bytes) -> bytes | None:
    """A Describe body: the statement's name, or None when it describes a portal."""
    return body[1:-1] if body[:1] == b"S" else None


def hex_prefixed_bind(body: bytes, types: tuple[int, ...], hex_types: frozenset[int]) -> bytes:
    """A Bind body with ``\\x`` before each text-format value of a type in ``hex_types``."""
    _portal, offset = _cstring(body, 0)
    _statement, offset = _cstring(body, offset)
    (nformats,) = struct.unpack_from("!h", body, offset)
    formats = struct.unpack_from(f"!{nformats}h", body, offset + 2)
    offset += 2 + 2 * nformats
    head = body[:offset]
    (count,) = struct.unpack_from("!h", body, offset)
    offset += 2
    packed = []
    for index in range(count):
        (length,) = struct.unpack_from("!i", body, offset)
        value = body[offset + 4 : offset + 4 + max(length, 0)]
        offset += 4 + max(length, 0)
        text = (formats[index] if nformats > 1 else formats[0] if nformats else 0) == 0
        typed = index < len(types) and types[index] in hex_types
        if length >= 0 and text and typed and not value.startswith(b"\\x"):
            value = b"\\x" + value
        packed.append(struct.pack("!i", len(value)) + value if length >= 0 else NULL)
    return head + struct.pack("!h", count) + b"".join(packed) + body[offset:]
