"""Escalation to line managers after the deadline, and the scheduler that opens rounds."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery.scheduler import Scheduler
from services.followup import rounds
from storage import outbox
from storage.models import (
    AuditEntry,
    ItemKind,
    OutboxJob,
    OutboxKind,
    PlanItem,
    ReportingRound,
    ReportRequest,
    RoundItem,
    RoundState,
    WorkerHeartbeat,
)
from tests.factories import NOW, person
from tests.rounds.builders import answer, remember_chat, round_with_owners
from tests.rounds.conftest import FAST, Teams

# Deadline Tuesday 24 Nov 10:00 UTC, escalation delay 48 h: due Thursday 10:00 UTC (11 local).
DEADLINE = datetime(2026, 11, 24, 10, tzinfo=UTC)
ESCALATION_DUE = DEADLINE + timedelta(hours=48)


def scheduler(teams: Teams, at: datetime) -> Scheduler:
    return Scheduler(teams.sessions, FAST, clock=lambda: at)


async def test_each_line_manager_gets_one_card_listing_their_overdue_reports(
    session: AsyncSession, teams: Teams
) -> None:
    first_manager = await person(session, "Maria Chef")
    second_manager = await person(session, "Nils Chef", language="en")
    team_a = await round_with_owners(session, 2, deadline=DEADLINE, line_manager=first_manager)
    rnd = team_a.round
    # Two more owners in the same round, reporting to the second manager; one answered.
    late, punctual = (
        await person(session, "Olle Sen", line_manager=second_manager),
        await person(session, "Petra Punktlig", line_manager=second_manager),
    )
    for owner in (late, punctual):
        await remember_chat(session, owner, teams.service_url)
    for n, owner in enumerate((late, punctual)):
        item = PlanItem(
            plan_id=rnd.plan_id,
            key=f"X{n}",
            kind=ItemKind.GOAL,
            title=f"Aktivitet {n}",
            owner_id=owner.id,
        )
        session.add(item)
        await session.flush()
        session.add(RoundItem(round_id=rnd.id, item_id=item.id, owner_id=owner.id))
        if owner is punctual:
            session.add(answer(rnd, item, owner, NOW))
    for owner in team_a.owners:
        await remember_chat(session, owner, teams.service_url)
    await remember_chat(session, first_manager, teams.service_url)
    await remember_chat(session, second_manager, teams.service_url)
    await rounds.open_round(session, rnd, now=NOW, actor="admin")
    await session.commit()

    too_early = await scheduler(teams, ESCALATION_DUE - timedelta(minutes=1)).tick()
    due = await scheduler(teams, ESCALATION_DUE).tick()
    again = await scheduler(teams, ESCALATION_DUE + timedelta(hours=3)).tick()
    assert (too_early.escalations, due.escalations, again.escalations) == (0, 2, 0)

    before = len(teams.connector.delivered)
    await teams.sender(clock=lambda: ESCALATION_DUE).run_until_idle()
    escalations = [
        d
        for d in teams.connector.delivered[before:]
        if d.conversation_id
        in (f"a:chat-{first_manager.entra_object_id}", f"a:chat-{second_manager.entra_object_id}")
    ]
    assert len(escalations) == 2
    by_manager = {
        d.conversation_id: json.dumps(d.body["attachments"][0]["content"], ensure_ascii=False)
        for d in escalations
    }
    to_first = by_manager[f"a:chat-{first_manager.entra_object_id}"]
    to_second = by_manager[f"a:chat-{second_manager.entra_object_id}"]
    assert "Försenad uppföljning: Månadsuppföljning november" in to_first
    assert all(o.display_name in to_first for o in team_a.owners)
    assert "Overdue follow-up" in to_second
    assert "Olle Sen" in to_second and "Aktivitet 0" in to_second
    assert "Petra Punktlig" not in to_second
    escalated = (
        await session.execute(
            select(ReportRequest.person_id)
            .where(ReportRequest.escalated_at.is_not(None))
            .execution_options(populate_existing=True)
        )
    ).scalars()
    assert sorted(escalated) == sorted([*(o.id for o in team_a.owners), late.id])


async def test_the_scheduler_opens_due_rounds_once_and_writes_their_cards(
    session: AsyncSession, teams: Teams
) -> None:
    many = await round_with_owners(session, 4, opens_at=NOW + timedelta(hours=1))
    await session.commit()

    before = await scheduler(teams, NOW).tick()
    # Two instances tick at the same moment: the round opens once, its jobs are written once.
    ticks = await asyncio.gather(
        scheduler(teams, NOW + timedelta(hours=1)).tick(),
        scheduler(teams, NOW + timedelta(hours=1)).tick(),
    )

    assert before.opened == []
    assert sorted(len(t.opened) for t in ticks) == [0, 1]
    rnd = (
        await session.execute(
            select(ReportingRound)
            .where(ReportingRound.id == many.round.id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    assert rnd.state == RoundState.OPEN
    assert (await outbox.progress(session, rnd.id))["pending"] == 4
    jobs = await session.scalar(
        select(func.count()).select_from(OutboxJob).where(OutboxJob.kind == OutboxKind.REQUEST)
    )
    assert jobs == 4
    opened = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "round.open")
    )
    assert opened == 1
    beats = list((await session.execute(select(WorkerHeartbeat))).scalars())
    assert {b.role for b in beats} == {"scheduler"}
