"""The workers run inside the app (what `lagesbot serve` starts): a scheduled round opens on
its own and its cards arrive; apps built without the setting run no workers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_app
from services.platform.config import Settings
from storage.models import RoundState, WorkerHeartbeat
from tests.factories import NOW, clock_from
from tests.rounds.builders import remember_chat, round_with_owners
from tests.rounds.conftest import FAST, Teams


async def test_the_app_opens_a_due_round_and_delivers_its_cards(
    session: AsyncSession, teams: Teams, database_url: str
) -> None:
    many = await round_with_owners(session, 3, opens_at=NOW - timedelta(minutes=5))
    await remember_chat(session, many.owners[0], teams.service_url)
    await session.commit()
    settings = Settings(
        database_url=database_url,
        anonymous=True,
        workers=replace(FAST, service_url=teams.service_url, scheduler_interval_seconds=0.2),
    )
    server = TestServer(create_app(settings, clock=clock_from(NOW)), host="127.0.0.1")
    await server.start_server()
    try:
        deadline = time.monotonic() + 60
        while len(teams.connector.delivered) < 3:
            assert time.monotonic() < deadline, "the workers delivered nothing"
            await asyncio.sleep(0.05)
    finally:
        await server.close()

    assert sorted(
        len(teams.connector.messages_to(c))
        for c in {d.conversation_id for d in teams.connector.delivered}
    ) == [1, 1, 1]
    await session.refresh(many.round)
    assert many.round.state == RoundState.OPEN
    roles = {b.role for b in (await session.execute(select(WorkerHeartbeat))).scalars()}
    assert roles == {"sender", "scheduler"}


async def test_an_app_built_without_the_setting_sends_nothing(
    session: AsyncSession, teams: Teams, database_url: str
) -> None:
    many = await round_with_owners(session, 2, opens_at=NOW - timedelta(minutes=5))
    await session.commit()
    server = TestServer(
        create_app(Settings(database_url=database_url, anonymous=True), clock=clock_from(NOW)),
        host="127.0.0.1",
    )
    await server.start_server()
    await asyncio.sleep(0.5)
    await server.close()

    await session.refresh(many.round)
    assert many.round.state == RoundState.SCHEDULED
    assert teams.connector.calls == []
    assert list((await session.execute(select(WorkerHeartbeat))).scalars()) == []
