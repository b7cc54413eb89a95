"""Files sent to the bot, waiting for the admin's Importera or Avbryt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PendingImport, PendingImportState


async def add(
    session: AsyncSession,
    *,
    kind: str,
    file_name: str,
    content: bytes,
    options: dict[str, Any],
    preview: dict[str, Any],
    actor: str,
    now: datetime,
) -> PendingImport:
    row = PendingImport(
        kind=kind,
        file_name=file_name[:300],
        content=content,
        options=options,
        preview=preview,
        state=PendingImportState.PENDING,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, pending_id: int) -> PendingImport | None:
    return await session.get(PendingImport, pending_id, with_for_update=True)


def decide(row: PendingImport, state: PendingImportState, *, actor: str, now: datetime) -> None:
    row.state = state
    row.decided_by = actor
    row.decided_at = now
    if state is PendingImportState.CANCELLED:
        # A discarded file is not kept: only that it was sent and discarded.
        row.content = b""
