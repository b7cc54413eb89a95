"""A local Bot Connector and a sender pointed at it, on the parametrised backend."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery.connector import AiohttpBotConnector
from services.delivery.installer import NoInstaller, ProactiveInstaller
from services.delivery.sender import Sender
from services.platform.worker_settings import WorkerSettings
from tests.factories import TENANT_ID
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector

FAST = WorkerSettings(
    enabled=True,
    send_rate_per_second=50,
    max_attempts=8,
    timeout_seconds=0.5,
    lease_seconds=30,
    backoff_base_seconds=0.01,
    backoff_max_seconds=0.05,
    conversation_interval_seconds=0,
    sender_poll_seconds=0.02,
)


@dataclass
class Teams:
    connector: BotConnector
    service_url: str
    http: aiohttp.ClientSession
    sessions: async_sessionmaker[AsyncSession]

    def sender(
        self,
        *,
        installer: ProactiveInstaller | None = None,
        clock: Callable[[], Any] | None = None,
        **overrides: Any,
    ) -> Sender:
        settings = replace(FAST, service_url=self.service_url, **overrides)
        api = AiohttpBotConnector(self.http, None, timeout_seconds=settings.timeout_seconds)
        extra: dict[str, Any] = {} if clock is None else {"clock": clock}
        return Sender(
            self.sessions,
            api,
            settings,
            app_id="bot-app",
            default_tenant=TENANT_ID,
            installer=installer or NoInstaller(),
            rng=random.Random(7),
            **extra,
        )


@pytest_asyncio.fixture(loop_scope="session")
async def teams(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Teams]:
    connector = BotConnector(hang_seconds=1.0)
    server = await bot_connector.start(connector)
    async with aiohttp.ClientSession() as http:
        yield Teams(
            connector,
            str(server.make_url("")).rstrip("/") + "/",
            http,
            session_factory,
        )
    await server.close()
