"""The admin harness of tests/admin (the real endpoint, admins configured), and a local
server that hands out files the way Teams does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.admin.conftest import bot
from tests.fakes import teams_files
from tests.fakes.teams_files import TeamsFiles

__all__ = ["bot", "files"]


@pytest_asyncio.fixture(loop_scope="session")
async def files() -> AsyncIterator[TeamsFiles]:
    served = TeamsFiles()
    server = await teams_files.start(served)
    yield served
    await server.close()
