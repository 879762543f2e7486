"""Local logins that cannot be replayed and logouts that end the session everywhere.

The state lives in the warehouse, the one store every console process shares, as audit
entries (people's actions, append-only): ``session.opened`` when a login token is exchanged
for a session, ``session.closed`` at logout, each with the token's id (``jti``) as subject.
A login token whose id has an entry is refused; a session whose id has ``session.closed`` is
refused on every request. On PostgreSQL a unique index (migration 0006) makes two processes
racing with one token exact; on Redshift, whose keys are not enforced, the console runs as
ONE process per warehouse (as its case intake already requires) and the lock below serialises
its logins.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from fraudd.cases.service import audit_entry
from fraudd.console.auth import Unauthenticated, User
from fraudd.warehouse import Warehouse, WarehouseError

OPENED = "session.opened"
CLOSED = "session.closed"
UNIQUE_VIOLATION = "23505"


async def open_session(warehouse: Warehouse, lock: asyncio.Lock, user: User, at: datetime) -> None:
    """Record that the login token ``user.session`` is used; refuse it if it was before."""
    try:
        async with lock, warehouse.session() as s, s.transaction():
            if await s.audit_entries([user.session], 1):
                raise Unauthenticated("login token already used")
            entry = audit_entry(user.actor(), at, OPENED, user.session, detail="local login")
            await s.append_audit(entry)
    except WarehouseError as exc:
        if exc.sqlstate == UNIQUE_VIOLATION:  # another console process took it first
            raise Unauthenticated("login token already used") from None
        raise


async def close_session(warehouse: Warehouse, user: User, at: datetime) -> None:
    """End the session ``user.session`` for every console process (logout)."""
    async with warehouse.session() as s, s.transaction():
        await s.append_audit(audit_entry(user.actor(), at, CLOSED, user.session, detail="logout"))


async def check_open(warehouse: Warehouse, user: User) -> None:
    """Refuse a session that was logged out."""
    async with warehouse.session() as s:
        entries = await s.audit_entries([user.session], 10)
    if any(e.action == CLOSED for e in entries):
        raise Unauthenticated("session ended by logout")
