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

from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from services.platform.health import database_state, healthy, sender_state

Clock = Callable[[], datetime]

ENGINE_KEY = web.AppKey("health_engine", AsyncEngine)
CLOCK: web.AppKey[Clock] = web.AppKey("health_clock")
# Whether this process runs the sender and scheduler (create_app sets it from the settings).
WORKERS_EXPECTED = web.AppKey("workers_expected", bool)


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE_KEY]
    expected = request.app.get(WORKERS_EXPECTED, True)
    database = await database_state(engine)
    if database == "ok":
        sender = await sender_state(engine, request.app[CLOCK](), expected)
    else:
        sender = {"state": "unknown"}
    ok = healthy(database, sender)
    body = {"status": "ok" if ok else "degraded", "database": database, "sender": sender}
    return web.json_response(body, status=200 if ok else 503)


def install(app: web.Application, engine: AsyncEngine, clock: Clock) -> None:
    """Called from the app's store context once the engine exists."""
    app[ENGINE_KEY] = engine
    app[CLOCK] = clock
