"""The durable outbox: messages the bot must deliver, written in the caller's transaction.

Delivery protocol (services/delivery/sender.py drives it):

1. ``claim`` moves due jobs to IN_FLIGHT with a lease (owner + expiry) and the caller commits
   BEFORE it calls the Bot Connector. On PostgreSQL the rows are picked with
   ``SELECT ... FOR UPDATE SKIP LOCKED``, so two senders never hold the same job; on SQLite the
   sender is single-process and serialises claims with a process-local lock.
2. After the HTTP call the job is marked SENT (or rescheduled, or FAILED) and committed at
   once, in the same transaction as the request row it updates.
3. A job whose lease expired while IN_FLIGHT belongs to a sender that died; ``claim`` picks it
   up again.

The one window this cannot close: a sender killed after the Bot Connector answered 2xx and
before step 2 committed. The Bot Connector has no idempotency key, so the reclaimed job is sent
again. Only jobs that were IN_FLIGHT at the moment of the crash can be duplicated, and at most
once per crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OutboxJob,
    OutboxKind,
    OutboxOperation,
    OutboxState,
    Person,
)

ERROR_TEXT_MAX = 2000


async def enqueue(
    session: AsyncSession,
    *,
    kind: OutboxKind,
    dedupe_key: str,
    tenant_id: str | None,
    person_id: int | None = None,
    round_id: int | None = None,
    request_id: int | None = None,
    steering_group_id: int | None = None,
    conversation_id: str | None = None,
    operation: OutboxOperation = OutboxOperation.SEND,
    activity_id: str | None = None,
    payload: dict[str, Any] | None = None,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Write one job unless a job with ``dedupe_key`` exists already (then nothing changes).
    Returns True when a job was written. The insert does not raise on a duplicate key, so a
    concurrent writer of the same key (another instance's scheduler tick) cannot abort the
    caller's transaction. ``now`` is the caller's clock, not the wall clock: the job is due
    (``not_before`` defaults to it) by the same clock the sender claims with."""
    values: dict[str, Any] = {
        "kind": kind,
        "operation": operation,
        "dedupe_key": dedupe_key,
        "tenant_id": tenant_id,
        "person_id": person_id,
        "round_id": round_id,
        "request_id": request_id,
        "steering_group_id": steering_group_id,
        "conversation_id": conversation_id,
        "activity_id": activity_id,
        "payload": payload or {},
        "state": OutboxState.PENDING,
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_statement = postgresql.insert(OutboxJob).values(**values)
        statement: Any = pg_statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:
        lite_statement = sqlite.insert(OutboxJob).values(**values)
        statement = lite_statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0) == 1)


async def get_by_key(session: AsyncSession, dedupe_key: str) -> OutboxJob | None:
    query = select(OutboxJob).where(OutboxJob.dedupe_key == dedupe_key)
    return (await session.execute(query)).scalar_one_or_none()


async def keys_of_round(session: AsyncSession, round_id: int, kind: OutboxKind) -> set[str]:
    """Dedupe keys already written for a round, so a scheduler tick can skip them without
    one insert attempt per key."""
    query = select(OutboxJob.dedupe_key).where(
        OutboxJob.round_id == round_id, OutboxJob.kind == kind
    )
    return set((await session.execute(query)).scalars())


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxJob.state == OutboxState.PENDING, OutboxJob.not_before <= now),
        and_(OutboxJob.state == OutboxState.IN_FLIGHT, OutboxJob.lease_until < now),
    )


async def claim(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[OutboxJob]:
    """Lease up to ``limit`` due jobs to ``owner``: state IN_FLIGHT, one more attempt counted.
    The caller must commit before delivering. Counting the attempt at claim time means a job
    that crashes its sender every time still runs out of attempts."""
    query = select(OutboxJob).where(_due(now)).order_by(OutboxJob.not_before, OutboxJob.id)
    query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    jobs = list((await session.execute(query)).scalars())
    for job in jobs:
        job.state = OutboxState.IN_FLIGHT
        job.lease_owner = owner
        job.lease_until = now + lease
        job.attempts += 1
    await session.flush()
    return jobs


def mark_sent(job: OutboxJob, *, now: datetime, status: int, activity_id: str | None) -> None:
    job.state = OutboxState.SENT
    job.sent_at = now
    job.last_status = status
    job.last_error = None
    job.lease_owner = None
    job.lease_until = None
    if activity_id:
        job.activity_id = activity_id


def mark_retry(job: OutboxJob, *, at: datetime, status: int | None, error: str) -> None:
    job.state = OutboxState.PENDING
    job.not_before = at
    job.last_status = status
    job.last_error = error[:ERROR_TEXT_MAX]
    job.lease_owner = None
    job.lease_until = None


def mark_failed(job: OutboxJob, *, status: int | None, error: str) -> None:
    job.state = OutboxState.FAILED
    job.last_status = status
    job.last_error = error[:ERROR_TEXT_MAX]
    job.lease_owner = None
    job.lease_until = None


def mark_cancelled(job: OutboxJob, *, reason: str) -> None:
    job.state = OutboxState.CANCELLED
    job.last_error = reason[:ERROR_TEXT_MAX]
    job.lease_owner = None
    job.lease_until = None


async def progress(
    session: AsyncSession, round_id: int, *, kinds: Sequence[OutboxKind] = (OutboxKind.REQUEST,)
) -> dict[str, int]:
    """How far a round's cards got: count per state (pending/in_flight/sent/failed/cancelled)
    plus ``total``. By default counts the request cards only."""
    query = (
        select(OutboxJob.state, func.count())
        .where(OutboxJob.round_id == round_id, OutboxJob.kind.in_(list(kinds)))
        .group_by(OutboxJob.state)
    )
    counts = {str(state): 0 for state in OutboxState}
    for state, count in (await session.execute(query)).all():
        counts[str(state)] = int(count)
    counts["total"] = sum(counts[str(state)] for state in OutboxState)
    return counts


@dataclass(frozen=True)
class FailedJob:
    job_id: int
    kind: OutboxKind
    person_id: int | None
    person_name: str | None
    person_upn: str | None
    last_status: int | None
    reason: str
    attempts: int
    updated_at: datetime


async def failed_jobs(
    session: AsyncSession, round_id: int, *, kinds: Sequence[OutboxKind] | None = None
) -> list[FailedJob]:
    """Jobs of a round that gave up, with whom they were for and why (all kinds unless
    ``kinds`` is given)."""
    query = (
        select(OutboxJob, Person)
        .outerjoin(Person, Person.id == OutboxJob.person_id)
        .where(OutboxJob.round_id == round_id, OutboxJob.state == OutboxState.FAILED)
        .order_by(OutboxJob.id)
    )
    if kinds is not None:
        query = query.where(OutboxJob.kind.in_(list(kinds)))
    return [
        FailedJob(
            job_id=job.id,
            kind=job.kind,
            person_id=job.person_id,
            person_name=None if person is None else person.display_name,
            person_upn=None if person is None else person.upn,
            last_status=job.last_status,
            reason=job.last_error or "",
            attempts=job.attempts,
            updated_at=job.updated_at,
        )
        for job, person in (await session.execute(query)).all()
    ]


async def retry_failed(session: AsyncSession, round_id: int, *, now: datetime) -> int:
    """Put a round's failed jobs back in the queue with fresh attempts (after the admin fixed
    the cause, e.g. the person installed the app)."""
    result = await session.execute(
        update(OutboxJob)
        .where(OutboxJob.round_id == round_id, OutboxJob.state == OutboxState.FAILED)
        .values(state=OutboxState.PENDING, attempts=0, not_before=now, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
