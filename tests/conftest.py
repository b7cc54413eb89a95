"""Shared fixtures. Every test that touches the store runs once on SQLite and once on
PostgreSQL; each test gets a fresh database cloned from one migrated template, so tests
never see each other's rows."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import migrate
from storage.db import create_engine, create_session_factory

PG_ADMIN_DSN = os.environ.get("LAGESBOT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
_PG_BASE = PG_ADMIN_DSN.rsplit("/", 1)[0]
_counter = itertools.count()
_PREFIX = f"lagesbot_t{os.getpid()}"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_url(database: str) -> str:
    return f"{_PG_BASE.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


async def pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class DatabaseFactory:
    """Hands out empty or migrated databases of one backend and removes them afterwards."""

    def __init__(self, backend: str, tmp_root: Path) -> None:
        self.backend = backend
        self.tmp_root = tmp_root
        self._template: str | None = None
        self._created: list[str] = []

    async def empty(self) -> str:
        n = next(_counter)
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp_root / f'db{n}.sqlite3'}"
        name = f"{_PREFIX}_{n}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return pg_url(name)

    async def migrated(self) -> str:
        if self._template is None:
            self._template = await self.empty()
            engine = create_engine(self._template)
            await migrate.upgrade(engine)
            await engine.dispose()
        n = next(_counter)
        if self.backend == "sqlite":
            source = Path(self._template.split("///", 1)[1])
            target = self.tmp_root / f"db{n}.sqlite3"
            shutil.copyfile(source, target)
            return f"sqlite+aiosqlite:///{target}"
        name = f"{_PREFIX}_{n}"
        template = self._template.rsplit("/", 1)[1]
        await pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created.append(name)
        return pg_url(name)

    async def drop_all(self) -> None:
        for name in reversed(self._created):
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_factories(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[dict[str, DatabaseFactory]]:
    root = tmp_path_factory.mktemp("databases")
    factories = {name: DatabaseFactory(name, root) for name in ("sqlite", "postgresql")}
    yield factories
    for factory in factories.values():
        await factory.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(loop_scope="session")
async def database_url(backend: str, database_factories: dict[str, DatabaseFactory]) -> str:
    """A freshly migrated database of the parametrised backend."""
    return await database_factories[backend].migrated()


@pytest_asyncio.fixture(loop_scope="session")
async def empty_database_url(backend: str, database_factories: dict[str, DatabaseFactory]) -> str:
    return await database_factories[backend].empty()


@pytest_asyncio.fixture(loop_scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest_asyncio.fixture(loop_scope="session")
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session
