"""Whether this process can serve: the database answers, and a sender has reported lately.

The rules behind `GET /healthz` (bot/health.py serves them over HTTP): database is ``SELECT 1``
within ``DATABASE_TIMEOUT_SECONDS``; the sender state comes from ``worker_heartbeats``, which
every running sender and scheduler refreshes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import health as health_store

DATABASE_TIMEOUT_SECONDS: Final = 2.0
HEARTBEAT_STALE_SECONDS: Final = 120
SENDER_ROLE: Final = "sender"


async def database_state(engine: AsyncEngine) -> str:
    """Either "ok" or "error: <type of failure>" (never the message: it may name hosts)."""

    try:
        await asyncio.wait_for(health_store.ping(engine), timeout=DATABASE_TIMEOUT_SECONDS)
    except TimeoutError:
        return "error: timeout"
    except Exception as exc:  # whatever the driver raises is what health reports
        return f"error: {type(exc).__name__}"
    return "ok"


async def sender_state(engine: AsyncEngine, now: datetime, expected: bool) -> dict[str, Any]:
    try:
        beats = await asyncio.wait_for(
            health_store.heartbeats(engine), timeout=DATABASE_TIMEOUT_SECONDS
        )
    except Exception as exc:  # the store is down: health cannot know, and says so
        return {"state": "unknown", "error": type(exc).__name__}
    workers: list[dict[str, Any]] = [
        {
            "worker_id": worker_id,
            "role": role,
            "heartbeat_at": heartbeat_at.isoformat(),
            "age_seconds": max(0, int((now - heartbeat_at).total_seconds())),
        }
        for worker_id, role, heartbeat_at in beats
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


def healthy(database: str, sender: dict[str, Any]) -> bool:
    return database == "ok" and sender["state"] in ("ok", "disabled")
