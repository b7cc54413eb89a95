"""`GET /healthz`: can this process serve Teams right now, and are messages going out?

The answer is JSON, 200 when healthy and 503 when not, so a load balancer or container
orchestrator can act on the status code alone while an operator reads the details:

    {"status": "ok", "database": "ok",
     "sender": {"state": "ok", "workers": [{"worker_id": ..., "role": "sender",
                                            "heartbeat_at": ..., "age_seconds": 4}]}}

database: ``SELECT 1`` within ``DATABASE_TIMEOUT_SECONDS``.
sender: from ``worker_heartbeats``, which every running sender and scheduler refreshes (all
are listed). ``ok`` when a sender's heartbeat is younger than ``HEARTBEAT_STALE_SECONDS``;
``disabled`` when this process runs no workers (``WORKERS_EXPECTED`` False, from
``LAGESBOT_WORKERS``); otherwise ``stale`` when no sender reported recently (rows of stopped
processes stay behind, stale) and ``missing`` when none ever did, both unhealthy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from aiohttp import web
from sqlalchemy import Row, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import WorkerHeartbeat

DATABASE_TIMEOUT_SECONDS: Final = 2.0
HEARTBEAT_STALE_SECONDS: Final = 120
SENDER_ROLE: Final = "sender"

Clock = Callable[[], datetime]

ENGINE_KEY = web.AppKey("health_engine", AsyncEngine)
CLOCK: web.AppKey[Clock] = web.AppKey("health_clock")
# Whether this process runs the sender and scheduler (create_app sets it from the settings).
WORKERS_EXPECTED = web.AppKey("workers_expected", bool)


async def _database(engine: AsyncEngine) -> str:
    """Either "ok" or "error: <type of failure>" (never the message: it may name hosts)."""

    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(probe(), timeout=DATABASE_TIMEOUT_SECONDS)
    except TimeoutError:
        return "error: timeout"
    except Exception as exc:  # whatever the driver raises is what health reports
        return f"error: {type(exc).__name__}"
    return "ok"


async def _sender(engine: AsyncEngine, now: datetime, expected: bool) -> dict[str, Any]:
    async def read() -> list[Row[tuple[str, str, datetime]]]:
        query = select(
            WorkerHeartbeat.worker_id, WorkerHeartbeat.role, WorkerHeartbeat.heartbeat_at
        ).order_by(WorkerHeartbeat.worker_id)
        async with engine.connect() as connection:
            return list(await connection.execute(query))

    try:
        beats = await asyncio.wait_for(read(), timeout=DATABASE_TIMEOUT_SECONDS)
    except Exception as exc:  # the store is down: health cannot know, and says so
        return {"state": "unknown", "error": type(exc).__name__}
    workers = [
        {
            "worker_id": beat.worker_id,
            "role": beat.role,
            "heartbeat_at": beat.heartbeat_at.isoformat(),
            "age_seconds": max(0, int((now - beat.heartbeat_at).total_seconds())),
        }
        for beat in beats
    ]
    # Schedulers only queue messages; the sender is what delivers them.
    fresh = any(
        w["role"] == SENDER_ROLE and w["age_seconds"] <= HEARTBEAT_STALE_SECONDS for w in workers
    )
    if not expected:
        state = "disabled"
    elif fresh:
        state = "ok"
    elif workers:
        state = "stale"
    else:
        state = "missing"
    return {"state": state, "workers": workers}


def _healthy(database: str, sender: dict[str, Any]) -> bool:
    return database == "ok" and sender["state"] in ("ok", "disabled")


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE_KEY]
    expected = request.app.get(WORKERS_EXPECTED, True)
    database = await _database(engine)
    if database == "ok":
        sender = await _sender(engine, request.app[CLOCK](), expected)
    else:
        sender = {"state": "unknown"}
    healthy = _healthy(database, sender)
    body = {"status": "ok" if healthy else "degraded", "database": database, "sender": sender}
    return web.json_response(body, status=200 if healthy else 503)


def install(app: web.Application, engine: AsyncEngine, clock: Clock) -> None:
    """Called from the app's store context once the engine exists."""
    app[ENGINE_KEY] = engine
    app[CLOCK] = clock
