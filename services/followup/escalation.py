"""Escalation after a missed deadline: once ``deadline + escalation_delay_hours`` has passed,
each line manager (from the stored people data) of owners with unanswered items gets ONE card
per round listing those people and items.

The job's dedupe key is ``escalation:<round>:<line manager>``, so several scheduler instances
or ticks never write a second one. The list is rendered when the card is sent, from the
answers stored then: if everyone answered in the meantime, nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.followup.reminders import (
    WorkingHours,
    next_working_moment,
    open_rounds,
    owner_progress,
)
from services.followup.working_days import SWEDISH, WorkingDays
from storage import outbox
from storage.models import (
    OutboxKind,
    Person,
    ReportingRound,
    ReportRequest,
)


def escalation_key(round_id: int, manager_id: int) -> str:
    return f"escalation:{round_id}:{manager_id}"


def escalation_due_at(rnd: ReportingRound) -> datetime:
    return rnd.deadline_at + timedelta(hours=max(0, rnd.escalation_delay_hours or 0))


@dataclass(frozen=True)
class OverdueOwner:
    person: Person
    request: ReportRequest
    unanswered_titles: tuple[str, ...]
    total_items: int


async def overdue_by_manager(
    session: AsyncSession, rnd: ReportingRound, manager_id: int | None = None
) -> dict[int, list[OverdueOwner]]:
    """Owners in the round with unanswered items, grouped by their current line manager."""
    query = (
        select(ReportRequest, Person)
        .join(Person, Person.id == ReportRequest.person_id)
        .where(ReportRequest.round_id == rnd.id, Person.line_manager_id.is_not(None))
        .order_by(Person.display_name, Person.id)
    )
    if manager_id is not None:
        query = query.where(Person.line_manager_id == manager_id)
    rows = (await session.execute(query)).all()
    progress = await owner_progress(session, rnd.id, [person.id for _, person in rows])
    grouped: dict[int, list[OverdueOwner]] = {}
    for request, person in rows:
        owner = progress.get(person.id)
        if owner is None or not owner.unanswered or person.line_manager_id is None:
            continue
        grouped.setdefault(person.line_manager_id, []).append(
            OverdueOwner(person, request, tuple(i.title for i in owner.unanswered), owner.total)
        )
    return grouped


async def enqueue_due_escalations(
    session: AsyncSession,
    now: datetime,
    *,
    hours: WorkingHours = (8, 17),
    days: WorkingDays = SWEDISH,
) -> int:
    written = 0
    for rnd in await open_rounds(session):
        if now < escalation_due_at(rnd):
            continue
        grouped = await overdue_by_manager(session, rnd)
        if not grouped:
            continue
        managers = {
            m.id: m
            for m in (
                await session.execute(select(Person).where(Person.id.in_(list(grouped))))
            ).scalars()
        }
        written_keys = await outbox.keys_of_round(session, rnd.id, OutboxKind.ESCALATION)
        for manager_id in sorted(grouped):
            if escalation_key(rnd.id, manager_id) in written_keys:
                continue
            manager = managers.get(manager_id)
            if manager is None or not manager.active or manager.erased_at is not None:
                continue
            written += await outbox.enqueue(
                session,
                kind=OutboxKind.ESCALATION,
                dedupe_key=escalation_key(rnd.id, manager_id),
                tenant_id=None,
                person_id=manager_id,
                round_id=rnd.id,
                payload={"deadline": rnd.deadline_at.isoformat()},
                now=now,
                not_before=next_working_moment(now, manager.time_zone, hours, days),
            )
    return written
