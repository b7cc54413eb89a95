"""Engine and session factory for the central store (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the bot read while a writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
    # The driver opens a transaction just before the first write; a deferred BEGIN there
    # can fail at once with "database is locked" when another connection committed since
    # (busy_timeout does not cover that upgrade), so concurrent card submits failed.
    # IMMEDIATE takes the write lock at that BEGIN and waits on busy_timeout instead;
    # reads before the first write still run without any lock. 50 managers submitting at
    # once queued for up to 4 s and a few waited past 5 s (bench/submit_bench.py), so the
    # wait is 15 s: a slow answer beats a failed one that Teams has to send again.
    dbapi_connection.isolation_level = "IMMEDIATE"


# A pooled connection unused for longer than this is checked before it is handed out.
IDLE_PING_SECONDS = 5.0


def _note_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """The pool's liveness check, for connections that sat idle (where a restarted or
    failed-over server leaves dead ones). asyncpg's ping is three round trips (begin, an
    empty query, rollback); made on every checkout it was a fifth of a card submit's round
    trips. A connection used moments ago that has died fails its request instead: the
    pool then discards every connection as old as it, and Teams retries the 503."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError("the pooled connection is gone") from exc


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, **kwargs)
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    engine = create_async_engine(database_url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine, "checkin", _note_idle)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
