"""Engine and session factory for the central store (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
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


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, **kwargs)
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_async_engine(database_url, **kwargs)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
