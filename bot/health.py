"""`GET /healthz`: can this process serve Teams right now, and are messages going out?

The answer is JSON, 200 when healthy and 503 when not, so a load balancer or container
orchestrator can act on the status code alone while an operator reads the details:

    {"status": "ok", "database": "ok",
     "sender": {"state": "ok", "workers": [{"worker_id": ..., "role": "sender",
                                            "heartbeat_at": ..., "age_seconds": 4}]}}

database: ``SELECT 1`` within ``DATABASE_TIMEOUT_SECONDS``.
sender: read from ``worker_heartbeats``, which every running sender/scheduler refreshes.
``ok`` when a heartbeat is younger than ``HEARTBEAT_STALE_SECONDS``; ``disabled`` when this
deployment runs no workers (``WORKERS_EXPECTED`` set False); ``stale`` (unhealthy) when
workers did report but none recently; ``missing`` when workers are expected but none ever
reported (unhealthy only when ``WORKERS_EXPECTED`` is True, so a fresh install whose workers
have not started yet is not reported down before they had a chance to).
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

Clock = Callable[[], datetime]

ENGINE_KEY = web.AppKey("health_engine", AsyncEngine)
CLOCK: web.AppKey[Clock] = web.AppKey("health_clock")
# Whether this deployment runs senders/schedulers; unset = judge from the heartbeats alone.
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


async def _sender(engine: AsyncEngine, now: datetime, expected: bool | None) -> dict[str, Any]:
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
    fresh = any(w["age_seconds"] <= HEARTBEAT_STALE_SECONDS for w in workers)
    if expected is False:
        state = "disabled"
    elif fresh:
        state = "ok"
    elif workers:
        state = "stale"
    else:
        state = "missing"
    return {"state": state, "workers": workers}


def _healthy(database: str, sender: dict[str, Any], expected: bool | None) -> bool:
    if database != "ok":
        return False
    if sender["state"] in ("ok", "disabled"):
        return True
    return sender["state"] == "missing" and expected is None


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE_KEY]
    expected = request.app.get(WORKERS_EXPECTED)
    database = await _database(engine)
    if database == "ok":
        sender = await _sender(engine, request.app[CLOCK](), expected)
    else:
        sender = {"state": "unknown"}
    healthy = _healthy(database, sender, expected)
    body = {"status": "ok" if healthy else "degraded", "database": database, "sender": sender}
    return web.json_response(body, status=200 if healthy else 503)


def install(app: web.Application, engine: AsyncEngine, clock: Clock) -> None:
    """Called from the app's store context once the engine exists."""
    app[ENGINE_KEY] = engine
    app[CLOCK] = clock
