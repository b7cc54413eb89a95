"""Exactly-once fan-out with real `lagesbot serve` processes on one PostgreSQL database.

The Bot Connector is the local fake, served by this test process; the servers run in
anonymous mode (no tokens) with their workers on and post to it by URL. Figures are printed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.followup import rounds
from storage.db import create_engine, create_session_factory
from storage.models import OutboxJob, OutboxState, Person
from tests.conftest import DatabaseFactory
from tests.factories import NOW
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector
from tests.rounds.builders import remember_chat, round_with_owners

pytestmark = pytest.mark.postgres

LAGESBOT = Path(sys.executable).parent / "lagesbot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, service_url: str, log: Path, **env: str) -> Iterator[int]:
    """One `lagesbot serve` process; yields its pid and stops it (SIGTERM) afterwards."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url.replace("postgresql+asyncpg://", "postgresql://"),
        "LAGESBOT_ANONYMOUS": "1",
        "LAGESBOT_HOST": "127.0.0.1",
        "LAGESBOT_PORT": str(free_port()),
        "LAGESBOT_SERVICE_URL": service_url,
        "LAGESBOT_WORKERS": "1",
        "LAGESBOT_SEND_RATE": "50",
        "LAGESBOT_CONVERSATION_INTERVAL": "0",
        "LAGESBOT_SENDER_POLL": "0.05",
        "LAGESBOT_HEARTBEAT": "1",
        "LAGESBOT_SCHEDULER_INTERVAL": "3600",
        "LAGESBOT_LOG_LEVEL": "WARNING",
        **env,
    }
    environment.pop("PORT", None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(LAGESBOT), "serve"], env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@asynccontextmanager
async def fanout_setup(
    factory: DatabaseFactory, owners: int
) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession], BotConnector, str, dict[int, str]]]:
    database_url = await factory.migrated()
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    connector = BotConnector()
    server = await bot_connector.start(connector)
    service_url = str(server.make_url("")).rstrip("/") + "/"
    chats: dict[int, str] = {}
    async with sessions() as session:
        many = await round_with_owners(session, owners)
        # Two in three owners talked to the bot before; the rest get a new 1:1 chat.
        for n, owner in enumerate(many.owners):
            if n % 3:
                chats[owner.id] = await remember_chat(session, owner, service_url)
        await rounds.open_round(session, many.round, now=NOW, actor="admin")
        await session.commit()
    try:
        yield database_url, sessions, connector, service_url, chats
    finally:
        await server.close()
        await engine.dispose()


async def counts(sessions: async_sessionmaker[AsyncSession]) -> Counter[str]:
    async with sessions() as session:
        query = select(OutboxJob.state, func.count()).group_by(OutboxJob.state)
        return Counter({str(state): int(n) for state, n in (await session.execute(query)).all()})


async def wait_until_sent(
    sessions: async_sessionmaker[AsyncSession], total: int, within: float
) -> None:
    deadline = time.monotonic() + within
    while (await counts(sessions))["sent"] < total:
        if time.monotonic() > deadline:
            raise AssertionError(f"not all sent in time: {dict(await counts(sessions))}")
        await asyncio.sleep(0.2)


def per_owner(connector: BotConnector) -> Counter[str]:
    """Messages per conversation: each owner has exactly one 1:1 conversation."""
    return Counter(d.conversation_id for d in connector.delivered if d.method == "POST")


async def test_two_serve_processes_deliver_every_card_once(
    database_factories: dict[str, DatabaseFactory], tmp_path: Path
) -> None:
    owners = 240
    async with fanout_setup(database_factories["postgresql"], owners) as (
        url,
        sessions,
        connector,
        service_url,
        _chats,
    ):
        connector.tenant_limit = 50
        started = time.monotonic()
        with (
            serve(url, service_url, tmp_path / "serve-1.log"),
            serve(url, service_url, tmp_path / "serve-2.log"),
        ):
            await wait_until_sent(sessions, owners, within=180)
        elapsed = time.monotonic() - started
        delivered = per_owner(connector)
        duplicates = sum(n - 1 for n in delivered.values() if n > 1)
        lost = owners - len(delivered)
        async with sessions() as session:
            senders = {
                owner for owner in (await session.execute(select(OutboxJob.lease_owner))).scalars()
            }
            assert senders == {None}  # every lease released when marked sent
        print(
            f"\ntwo serve processes: {owners} owners, {len(delivered)} reached, "
            f"{duplicates} duplicates, {lost} lost, 429s: {connector.throttled}, "
            f"peak {connector.peak_per_second('72f988bf-0000-4000-8000-000000000001')}/s, "
            f"{elapsed:.1f} s including start-up"
        )
        assert (duplicates, lost) == (0, 0)
        assert (await counts(sessions))["sent"] == owners


async def test_a_killed_sender_resumes_and_only_in_flight_jobs_can_repeat(
    database_factories: dict[str, DatabaseFactory], tmp_path: Path
) -> None:
    owners = 240
    async with fanout_setup(database_factories["postgresql"], owners) as (
        url,
        sessions,
        connector,
        service_url,
        chats,
    ):
        # Answers come back late, so at any moment several messages are delivered but not
        # yet acknowledged: the window a kill can hit.
        connector.latency_seconds = 0.15
        settings = {"LAGESBOT_SEND_LEASE": "3"}
        with serve(url, service_url, tmp_path / "serve-1.log", **settings) as pid:
            deadline = time.monotonic() + 120
            while (await counts(sessions))["sent"] < owners // 3:
                assert time.monotonic() < deadline, "the first server sent nothing"
                await asyncio.sleep(0.05)
            os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.3)  # let the connector finish what was already sent to it
        async with sessions() as session:
            query = select(OutboxJob.person_id).where(OutboxJob.state == OutboxState.IN_FLIGHT)
            in_flight = [p for p in (await session.execute(query)).scalars() if p is not None]
        sent_at_kill = (await counts(sessions))["sent"]
        with serve(url, service_url, tmp_path / "serve-2.log", **settings):
            await wait_until_sent(sessions, owners, within=180)

        delivered = per_owner(connector)
        duplicates = {c: n for c, n in delivered.items() if n > 1}
        lost = owners - len(delivered)
        async with sessions() as session:
            people = {
                p.id: p
                for p in (
                    await session.execute(select(Person).where(Person.id.in_(in_flight)))
                ).scalars()
            }
        in_flight_chats = {
            chats.get(pid) or f"created:{people[pid].entra_object_id}" for pid in in_flight
        }
        print(
            f"\nSIGKILL after {sent_at_kill} of {owners} sent: {len(in_flight)} jobs in flight "
            f"at the kill, {sum(n - 1 for n in duplicates.values())} duplicates after restart, "
            f"{lost} lost"
        )
        assert lost == 0
        assert sum(n - 1 for n in duplicates.values()) <= len(in_flight)
        # Any duplicate went to an owner whose job was in flight when the process died.
        known_duplicates = {c for c in duplicates if not c.startswith("a:conversation-")}
        assert known_duplicates <= in_flight_chats
        assert (await counts(sessions))["sent"] == owners
