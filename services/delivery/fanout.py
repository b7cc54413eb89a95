"""A round's cards through the outbox: one request card per owner when the round opens, and
every posted request card replaced by its closed, read-only state when the round closes.

Only the intent is written here (in the caller's transaction). The cards themselves are
rendered by the sender at send time from the stored state, so a card never shows answers older
than the moment it was posted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import (
    ConversationKind,
    ConversationReference,
    OutboxJob,
    OutboxKind,
    OutboxOperation,
    OutboxState,
    ReportingRound,
    ReportRequest,
)

# Jobs that only make sense while the round is open; closing the round cancels those not sent.
OPEN_ROUND_KINDS = (OutboxKind.REQUEST, OutboxKind.REMINDER, OutboxKind.ESCALATION)


def request_key(request_id: int) -> str:
    return f"request:{request_id}"


def closed_key(request_id: int, activity_id: str, tag: str = "") -> str:
    key = f"closed:{request_id}:{activity_id}"
    return f"{key}:{tag}" if tag else key


async def tenants_of(session: AsyncSession, person_ids: list[int]) -> dict[int, str | None]:
    """The tenant each person was last seen in (their 1:1 conversation), where known."""
    if not person_ids:
        return {}
    query = (
        select(ConversationReference.person_id, ConversationReference.tenant_id)
        .where(
            ConversationReference.person_id.in_(person_ids),
            ConversationReference.kind == ConversationKind.PERSONAL,
        )
        .order_by(ConversationReference.updated_at)
    )
    found: dict[int, str | None] = {}
    for person_id, tenant_id in (await session.execute(query)).all():
        if person_id is not None and tenant_id:
            found[person_id] = tenant_id
    return found


async def enqueue_round_requests(session: AsyncSession, rnd: ReportingRound, now: datetime) -> int:
    """One SEND job per request of the round (one request per owner). Safe to call again:
    requests that already have a job are skipped. Returns the number of jobs written."""
    requests = list(
        (
            await session.execute(
                select(ReportRequest)
                .where(ReportRequest.round_id == rnd.id)
                .order_by(ReportRequest.id)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    tenants = await tenants_of(session, [r.person_id for r in requests])
    written = 0
    for request in requests:
        if request.sent_at is not None:
            continue
        written += await outbox.enqueue(
            session,
            kind=OutboxKind.REQUEST,
            dedupe_key=request_key(request.id),
            tenant_id=tenants.get(request.person_id),
            person_id=request.person_id,
            round_id=rnd.id,
            request_id=request.id,
            now=now,
        )
    return written


async def enqueue_closed_update(
    session: AsyncSession, request: ReportRequest, now: datetime, *, tag: str = ""
) -> bool:
    """Replace one posted request card with its closed state. ``tag`` makes a later update
    of the same card its own job (e.g. "published": the card gets the intranet link)."""
    if request.card_activity_id is None or request.conversation_id is None:
        return False
    tenants = await tenants_of(session, [request.person_id])
    return await outbox.enqueue(
        session,
        kind=OutboxKind.ROUND_CLOSED,
        operation=OutboxOperation.UPDATE,
        dedupe_key=closed_key(request.id, request.card_activity_id, tag),
        tenant_id=tenants.get(request.person_id),
        person_id=request.person_id,
        round_id=request.round_id,
        request_id=request.id,
        conversation_id=request.conversation_id,
        activity_id=request.card_activity_id,
        now=now,
    )


async def enqueue_round_closed(session: AsyncSession, rnd: ReportingRound, now: datetime) -> int:
    """Call in the transaction that closes the round: one UPDATE job per posted request card
    (the card is re-rendered read-only at send time), and the round's request, reminder and
    escalation jobs not yet sent are cancelled. A request card still in flight at this moment
    gets its update from the sender once it is posted. Returns the number of update jobs."""
    await session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.round_id == rnd.id,
            OutboxJob.kind.in_(list(OPEN_ROUND_KINDS)),
            OutboxJob.state == OutboxState.PENDING,
        )
        .values(state=OutboxState.CANCELLED, last_error="round closed", updated_at=now)
    )
    return await enqueue_round_closed_updates(session, rnd, now)


async def enqueue_round_closed_updates(
    session: AsyncSession, rnd: ReportingRound, now: datetime, *, tag: str = ""
) -> int:
    """Replace every posted card of a closed round with its closed state again (after
    something the closed card shows changed, e.g. the round was published on the intranet)."""
    requests = (
        await session.execute(
            select(ReportRequest)
            .where(ReportRequest.round_id == rnd.id, ReportRequest.card_activity_id.is_not(None))
            .order_by(ReportRequest.id)
            # The sender updates these rows in its own sessions; read what is stored now.
            .execution_options(populate_existing=True)
        )
    ).scalars()
    written = 0
    for request in requests:
        written += await enqueue_closed_update(session, request, now, tag=tag)
    return written
