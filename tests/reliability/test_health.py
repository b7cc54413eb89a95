"""`GET /healthz` tells a load balancer (status code) and an operator (JSON) whether the
store answers and whether the sender is alive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_app
from bot.health import WORKERS_EXPECTED
from services.platform.config import Settings
from services.platform.health import HEARTBEAT_STALE_SECONDS
from services.platform.worker_settings import WorkerSettings
from storage.models import WorkerHeartbeat
from tests.factories import NOW

Health = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


@pytest_asyncio.fixture(loop_scope="session")
async def health(database_url: str) -> AsyncIterator[Health]:
    """GET /healthz of a freshly started app; `expected` sets WORKERS_EXPECTED."""
    servers: list[TestServer] = []

    async def get(
        *, expected: bool | None = None, url: str = database_url
    ) -> tuple[int, dict[str, Any]]:
        app = create_app(Settings(database_url=url, app_id="health-test"), clock=lambda: NOW)
        if expected is not None:
            app[WORKERS_EXPECTED] = expected
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        async with (
            aiohttp.ClientSession() as http,
            http.get(str(server.make_url("/healthz"))) as response,
        ):
            return response.status, await response.json()

    yield get
    for server in servers:
        await server.close()


def beat(worker_id: str, age_seconds: int, role: str = "sender") -> WorkerHeartbeat:
    at = NOW - timedelta(seconds=age_seconds)
    return WorkerHeartbeat(worker_id=worker_id, role=role, started_at=at, heartbeat_at=at)


async def test_a_recent_sender_heartbeat_is_healthy(health: Health, session: AsyncSession) -> None:
    # host-b's process stopped an hour ago; its row stays behind.
    session.add_all([beat("host-a:sender", 5), beat("host-b:sender", 3600)])
    await session.commit()
    status, body = await health(expected=True)
    assert status == 200
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["sender"]["state"] == "ok"
    ages = {w["worker_id"]: w["age_seconds"] for w in body["sender"]["workers"]}
    assert ages == {"host-a:sender": 5, "host-b:sender": 3600}


async def test_a_sender_that_stopped_reporting_is_unhealthy(
    health: Health, session: AsyncSession
) -> None:
    session.add(beat("host-a:sender", HEARTBEAT_STALE_SECONDS + 1))
    # A live scheduler only queues messages: without a sender nothing goes out.
    session.add(beat("host-a:scheduler", 1, role="scheduler"))
    await session.commit()
    status, body = await health(expected=True)
    assert status == 503
    assert body["status"] == "degraded"
    assert body["sender"]["state"] == "stale"
    assert body["database"] == "ok"
    assert len(body["sender"]["workers"]) == 2


async def test_expected_workers_that_never_reported_are_unhealthy(health: Health) -> None:
    status, body = await health(expected=True)
    assert (status, body["sender"]["state"]) == (503, "missing")


async def test_the_app_expects_workers_when_its_settings_run_them(health: Health) -> None:
    # Settings built in code run no workers (tests, the demo's own app): nothing to check.
    status, body = await health()
    assert (status, body["sender"]["state"]) == (200, "disabled")


async def test_a_deployment_without_workers_is_healthy_whatever_the_table_holds(
    health: Health, session: AsyncSession
) -> None:
    session.add(beat("old-host:sender", 86400))
    await session.commit()
    status, body = await health(expected=False)
    assert status == 200
    assert body["sender"]["state"] == "disabled"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_an_unreachable_database_is_unhealthy(health: Health, tmp_path: Any) -> None:
    for url in (
        f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/db.sqlite3",
        "postgresql+asyncpg://postgres@127.0.0.1:1/nothing",
    ):
        status, body = await health(expected=False, url=url)
        assert status == 503
        assert body["status"] == "degraded"
        assert body["database"].startswith("error: ")
        assert "127.0.0.1" not in body["database"]
        assert body["sender"]["state"] == "unknown"


async def test_an_app_whose_settings_run_workers_expects_its_sender_heartbeat(
    database_url: str, session: AsyncSession
) -> None:
    """Workers on (LAGESBOT_WORKERS): healthy while the app's own sender reports, 503 once
    its heartbeat is older than HEARTBEAT_STALE_SECONDS; without any heartbeat, 503 too."""
    now = [NOW]
    workers = WorkerSettings(enabled=True, heartbeat_seconds=3600, sender_poll_seconds=0.05)
    settings = Settings(database_url=database_url, app_id="health-test", workers=workers)
    app = create_app(settings, clock=lambda: now[0])
    assert app[WORKERS_EXPECTED] is True
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:

            async def get() -> tuple[int, dict[str, Any]]:
                async with http.get(str(server.make_url("/healthz"))) as response:
                    return response.status, await response.json()

            # The sender writes its first heartbeat as it starts, the scheduler at the end of
            # its first tick; both are in before the rows are deleted below, or a late
            # scheduler row would make "missing" read "stale" on a busy machine.
            for _ in range(200):
                status, body = await get()
                if {w["role"] for w in body["sender"]["workers"]} == {"sender", "scheduler"}:
                    break
                await asyncio.sleep(0.05)
            assert (status, body["sender"]["state"]) == (200, "ok")

            now[0] = NOW + timedelta(seconds=HEARTBEAT_STALE_SECONDS + 5)
            status, body = await get()
            assert (status, body["sender"]["state"]) == (503, "stale")

            await session.execute(delete(WorkerHeartbeat))
            await session.commit()
            status, body = await get()
            assert (status, body["sender"]["state"]) == (503, "missing")
    finally:
        await server.close()
