"""The card an outbox job carries, rendered when it is sent from what is stored at that
moment, or the reason it is not to be sent any more (the round closed, the deadline moved,
everything was answered meanwhile). The only place in services that builds cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.escalation_card import EscalationView, OverdueReport, create_escalation_card
from cards.reminder_card import ReminderView, create_reminder_card
from cards.status_card import create_status_card, status_card_page_size
from services.answering.status_view import build_status_view, language_of
from services.followup.escalation import escalation_due_at, overdue_by_manager
from services.followup.reminders import owner_progress
from storage.models import OutboxJob, OutboxKind, Person, ReportingRound, ReportRequest, RoundState


@dataclass(frozen=True)
class RenderedCard:
    card: dict[str, Any] | None
    cancel_reason: str | None = None
    # Escalations: the requests whose owners the card names (marked escalated once sent).
    request_ids: tuple[int, ...] = ()


def cancelled(reason: str) -> RenderedCard:
    return RenderedCard(None, reason)


async def render_request_card(
    session: AsyncSession,
    request: ReportRequest,
    rnd: ReportingRound,
    now: datetime,
    viewer: Person | None = None,
) -> dict[str, Any]:
    """The owner's status card (first page) as stored now, in the owner's language: the form
    while the round is open, read-only once it is closed. A ``viewer`` other than the owner
    is their substitute: the card holds every item of the owner's, "För <owner>"."""
    person = await session.get(Person, request.person_id)
    assert person is not None  # requests reference people by foreign key
    reader = viewer or person
    view = await build_status_view(
        session,
        request=request,
        rnd=rnd,
        person=person,
        language=language_of(reader.preferred_language),
        now=now,
        page=1,
        page_size=status_card_page_size,
        viewer=reader,
        stands_in=reader.id != person.id,
    )
    return create_status_card(view)


async def render_request(
    session: AsyncSession, job: OutboxJob, now: datetime, viewer: Person | None = None
) -> RenderedCard:
    """The card of a REQUEST or ROUND_CLOSED job."""
    request = None if job.request_id is None else await session.get(ReportRequest, job.request_id)
    rnd = None if request is None else await session.get(ReportingRound, request.round_id)
    if request is None or rnd is None:
        return cancelled("request not found")
    if job.kind == OutboxKind.REQUEST and rnd.state == RoundState.CLOSED:
        return cancelled("round closed before the card was sent")
    if job.kind == OutboxKind.ROUND_CLOSED and rnd.state != RoundState.CLOSED:
        return cancelled("round is not closed")
    return RenderedCard(await render_request_card(session, request, rnd, now, viewer))


async def render_reminder(
    session: AsyncSession, job: OutboxJob, now: datetime, viewer: Person | None = None
) -> RenderedCard:
    request = None if job.request_id is None else await session.get(ReportRequest, job.request_id)
    if request is None:
        return cancelled("request not found")
    rnd = await session.get(ReportingRound, request.round_id)
    person = await session.get(Person, request.person_id)
    if rnd is None or person is None:
        return cancelled("round or person not found")
    if rnd.state != RoundState.OPEN:
        return cancelled(f"round is {rnd.state}")
    if job.payload.get("deadline") != rnd.deadline_at.isoformat():
        return cancelled("deadline changed")
    if now >= rnd.deadline_at:
        return cancelled("deadline passed")
    owner = (await owner_progress(session, rnd.id, [person.id])).get(person.id)
    if owner is None or not owner.unanswered:
        return cancelled("everything answered")
    # A substitute's reminder is about the owner's items, in the substitute's words and zone.
    reader = viewer or person
    view = ReminderView(
        language=language_of(reader.preferred_language),
        round_id=rnd.id,
        request_id=request.id,
        round_name=rnd.name,
        person_name=reader.display_name,
        deadline=rnd.deadline_at,
        time_zone=reader.time_zone,
        unanswered=tuple(item.title for item in owner.unanswered),
        total_items=owner.total,
    )
    return RenderedCard(create_reminder_card(view))


async def render_escalation(
    session: AsyncSession, job: OutboxJob, now: datetime, viewer: Person | None = None
) -> RenderedCard:
    rnd = None if job.round_id is None else await session.get(ReportingRound, job.round_id)
    manager = None if job.person_id is None else await session.get(Person, job.person_id)
    if rnd is None or manager is None:
        return cancelled("round or line manager not found")
    if rnd.state != RoundState.OPEN:
        return cancelled(f"round is {rnd.state}")
    if now < escalation_due_at(rnd):
        return cancelled("deadline was extended")
    overdue = (await overdue_by_manager(session, rnd, manager.id)).get(manager.id, [])
    if not overdue:
        return cancelled("everything answered")
    view = EscalationView(
        language=language_of(manager.preferred_language),
        manager_name=manager.display_name,
        round_name=rnd.name,
        deadline=rnd.deadline_at,
        time_zone=manager.time_zone,
        reports=tuple(
            OverdueReport(o.person.display_name, o.unanswered_titles, o.total_items)
            for o in overdue
        ),
    )
    return RenderedCard(
        create_escalation_card(view), request_ids=tuple(o.request.id for o in overdue)
    )


_RENDERERS = {
    OutboxKind.REQUEST: render_request,
    OutboxKind.ROUND_CLOSED: render_request,
    OutboxKind.REMINDER: render_reminder,
    OutboxKind.ESCALATION: render_escalation,
}


async def render_job(
    session: AsyncSession, job: OutboxJob, now: datetime, viewer: Person | None = None
) -> RenderedCard | None:
    """The job's card as of ``now`` for ``viewer`` (default: the person the job names; a
    substitute standing in for them otherwise); None for kinds whose card travels in the
    job's payload."""
    renderer = _RENDERERS.get(job.kind)
    return None if renderer is None else await renderer(session, job, now, viewer)
