"""The outbox on both backends: idempotent enqueue, one job per owner on open, claims, progress."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery import fanout
from services.followup import rounds
from storage import outbox
from storage.models import OutboxJob, OutboxKind, OutboxState, RoundState
from tests.factories import NOW, TENANT_ID, open_round


async def test_enqueue_same_key_twice_writes_one_job(session: AsyncSession) -> None:
    first = await outbox.enqueue(
        session, kind=OutboxKind.NOTICE, dedupe_key="notice:1", tenant_id=TENANT_ID, now=NOW
    )
    second = await outbox.enqueue(
        session,
        kind=OutboxKind.NOTICE,
        dedupe_key="notice:1",
        tenant_id=TENANT_ID,
        payload={"card": {"type": "AdaptiveCard"}},
        now=NOW,
    )
    await session.commit()
    assert (first, second) == (True, False)
    jobs = list((await session.execute(select(OutboxJob))).scalars())
    assert len(jobs) == 1
    assert jobs[0].payload == {}
    assert jobs[0].state == OutboxState.PENDING


async def test_enqueue_duplicate_does_not_abort_the_transaction(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        await outbox.enqueue(
            session, kind=OutboxKind.NOTICE, dedupe_key="k", tenant_id=None, now=NOW
        )
    async with session_factory() as session, session.begin():
        assert not await outbox.enqueue(
            session, kind=OutboxKind.NOTICE, dedupe_key="k", tenant_id=None, now=NOW
        )
        assert await outbox.enqueue(
            session, kind=OutboxKind.NOTICE, dedupe_key="k2", tenant_id=None, now=NOW
        )
    async with session_factory() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxJob))
    assert count == 2


async def test_opening_a_round_enqueues_one_request_job_per_owner(session: AsyncSession) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    # The factory's requests already exist; opening adds their jobs (and would add requests).
    per_owner = await rounds.open_round(session, s.round, now=NOW, actor="admin@region.se")
    await session.commit()
    again = await rounds.open_round(session, s.round, now=NOW, actor="admin@region.se")
    await session.commit()
    assert per_owner == again
    jobs = list((await session.execute(select(OutboxJob).order_by(OutboxJob.id))).scalars())
    assert sorted(j.person_id for j in jobs if j.person_id) == sorted(per_owner)
    assert {j.kind for j in jobs} == {OutboxKind.REQUEST}
    assert {j.request_id for j in jobs} == {s.request.id, s.other_request.id}
    progress = await outbox.progress(session, s.round.id)
    assert progress["pending"] == len(per_owner) == progress["total"]


async def test_claim_leases_due_jobs_and_reclaims_expired_leases(session: AsyncSession) -> None:
    await outbox.enqueue(session, kind=OutboxKind.NOTICE, dedupe_key="a", tenant_id=None, now=NOW)
    await outbox.enqueue(
        session,
        kind=OutboxKind.NOTICE,
        dedupe_key="later",
        tenant_id=None,
        now=NOW,
        not_before=NOW + timedelta(hours=1),
    )
    await session.commit()
    claimed = await outbox.claim(
        session, owner="w1", now=NOW + timedelta(hours=1), lease=timedelta(seconds=30), limit=10
    )
    await session.commit()
    assert {j.dedupe_key for j in claimed} == {"a", "later"}
    # Another sender sees nothing while the lease holds ...
    now = NOW + timedelta(hours=1, seconds=10)
    assert (
        await outbox.claim(session, owner="w2", now=now, lease=timedelta(seconds=30), limit=10)
        == []
    )
    # ... and takes over once it expired (the first sender died).
    now = NOW + timedelta(hours=1, seconds=31)
    again = await outbox.claim(session, owner="w2", now=now, lease=timedelta(seconds=30), limit=10)
    assert {j.lease_owner for j in again} == {"w2"}
    assert {j.attempts for j in again} == {2}


async def test_failed_jobs_are_listed_with_person_and_reason(session: AsyncSession) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    job = await outbox.get_by_key(session, fanout.request_key(s.request.id))
    assert job is not None
    outbox.mark_failed(job, status=403, error="the user blocked the bot")
    await session.commit()
    failed = await outbox.failed_jobs(session, s.round.id)
    assert [(f.person_name, f.last_status, f.reason) for f in failed] == [
        ("Anna Lindqvist", 403, "the user blocked the bot")
    ]
    progress = await outbox.progress(session, s.round.id)
    assert (progress["failed"], progress["pending"]) == (1, 1)
