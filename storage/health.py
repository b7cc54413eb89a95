"""The two reads behind the health check: a ping, and the workers' heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import WorkerHeartbeat


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def heartbeats(engine: AsyncEngine) -> list[tuple[str, str, datetime]]:
    """(worker id, role, last heartbeat) of every worker that ever reported."""
    query = select(
        WorkerHeartbeat.worker_id, WorkerHeartbeat.role, WorkerHeartbeat.heartbeat_at
    ).order_by(WorkerHeartbeat.worker_id)
    async with engine.connect() as connection:
        return [(row[0], row[1], row[2]) for row in await connection.execute(query)]
