"""Placeholder for the steering-group digest posting; its owner replaces this module.

Contract used by the scheduler and the sender:
- ``enqueue_due_digests(session, now)`` is called on every scheduler tick and writes outbox jobs
  (kind DIGEST) for digests that are due; returns how many it wrote.
- ``on_digest_sent(session, job)`` is called by the sender in the transaction that marks a
  DIGEST job sent, so the posted activity id can be remembered for later in-place updates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxJob


async def enqueue_due_digests(session: AsyncSession, now: datetime) -> int:
    return 0


async def on_digest_sent(session: AsyncSession, job: OutboxJob) -> None:
    return None
