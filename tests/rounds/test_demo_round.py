"""The demo's history round is closed like any other round: no request cards for it wait
in the outbox when the demo's workers start."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.demo_rounds import CURRENT_KEY, PREVIOUS_KEY, ensure_demo_rounds
from demo.sample_region import PLAN_KEY, load_sample_region
from storage import rounds as round_store
from storage.models import OutboxJob, OutboxState, RoundState, RoundSummary
from tests.factories import NOW


async def _jobs(session: AsyncSession, round_id: int) -> list[OutboxJob]:
    query = select(OutboxJob).where(OutboxJob.round_id == round_id)
    return list((await session.execute(query)).scalars())


async def test_the_demo_history_round_has_no_pending_jobs(session: AsyncSession) -> None:
    async with session.begin():
        await load_sample_region(session)
        await ensure_demo_rounds(session, plan_key=PLAN_KEY, now=NOW)
    previous = await round_store.get_round_by_key(session, PREVIOUS_KEY)
    current = await round_store.get_round_by_key(session, CURRENT_KEY)
    assert previous is not None and current is not None
    assert previous.state is RoundState.CLOSED
    assert previous.closed_at == NOW - timedelta(days=89)
    pending = [j for j in await _jobs(session, previous.id) if j.state is OutboxState.PENDING]
    assert pending == []
    summary = (
        await session.execute(select(RoundSummary).where(RoundSummary.round_id == previous.id))
    ).scalar_one()
    assert summary.summary["answered"] == summary.summary["items"] > 0
    # The open round's cards still go out.
    assert any(j.state is OutboxState.PENDING for j in await _jobs(session, current.id))
