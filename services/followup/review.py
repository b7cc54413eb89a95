"""Review (fastställande) of an owner's answers in a round that asks for it.

When every item of an owner's is answered, the answers are submitted for review to the
reviewer the round names (the owner's line manager, or the head of the org unit of the
owner's items, the nearest unit up that has one). The reviewer fastställer them, which
locks them, or sends them back with a comment, which opens them again; answering again
submits them anew. Every step is a new ``reviews`` row and an audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage import responses as response_store
from storage import reviews as review_store
from storage import rounds as round_store
from storage.models import (
    OrgUnit,
    OrgUnitHead,
    Person,
    ReportingRound,
    ReportRequest,
    Review,
    ReviewEvent,
    ReviewMode,
)

COMMENT_MAX: Final = 2000
MAX_UNIT_DEPTH: Final = 30


class ReviewRefused(ValueError):
    """The step cannot be taken; ``code`` is a catalogue message id."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def reviewer_for(session: AsyncSession, rnd: ReportingRound, owner: Person) -> Person | None:
    if rnd.review == ReviewMode.LINE_MANAGER:
        found = (
            None
            if owner.line_manager_id is None
            else await session.get(Person, owner.line_manager_id)
        )
    elif rnd.review == ReviewMode.ORG_UNIT_HEAD:
        found = await _unit_head(session, rnd, owner)
    else:
        return None
    if found is None or found.id == owner.id or not found.active:
        return None
    return found


async def _unit_head(session: AsyncSession, rnd: ReportingRound, owner: Person) -> Person | None:
    rows = await round_store.round_items_of_owner(session, rnd.id, owner.id)
    unit_id = next((item.org_unit_id for _, item in rows if item.org_unit_id), owner.org_unit_id)
    for _ in range(MAX_UNIT_DEPTH):
        if unit_id is None:
            return None
        head = await session.get(OrgUnitHead, unit_id)
        if head is not None and head.person_id != owner.id:
            return await session.get(Person, head.person_id)
        unit = await session.get(OrgUnit, unit_id)
        unit_id = None if unit is None else unit.parent_id
    return None


async def answered_revisions(
    session: AsyncSession, rnd: ReportingRound, owner_id: int
) -> dict[str, int] | None:
    """item id -> current revision when every item of the owner's is answered, else None."""
    rows = await round_store.round_items_of_owner(session, rnd.id, owner_id)
    ids = [item.id for _, item in rows]
    current = await response_store.current_answers(session, rnd.id, ids)
    if not ids or len(current) < len(ids):
        return None
    return {str(item_id): current[item_id].revision for item_id in ids}


async def submit_if_complete(
    session: AsyncSession, rnd: ReportingRound, request: ReportRequest, actor: Person, now: datetime
) -> Review | None:
    """A new SUBMITTED step when the owner's answers are complete and not already waiting
    in this very state; None when there is nothing to review (or nobody to review it)."""
    if rnd.review == ReviewMode.NONE:
        return None
    revisions = await answered_revisions(session, rnd, request.person_id)
    if revisions is None:
        return None
    last = await review_store.latest(session, rnd.id, request.person_id)
    if last is not None and last.event == ReviewEvent.SUBMITTED and last.revisions == revisions:
        return None
    owner = await session.get(Person, request.person_id)
    assert owner is not None
    reviewer = await reviewer_for(session, rnd, owner)
    if reviewer is None:
        return None
    review = review_store.append(
        session,
        Review(
            round_id=rnd.id, owner_id=owner.id, reviewer_id=reviewer.id,
            event=ReviewEvent.SUBMITTED, actor_id=actor.id, revisions=revisions, at=now,
        ),
    )  # fmt: skip
    await session.flush()
    _audit(session, actor.upn, review)
    return review


async def decide(
    session: AsyncSession,
    *,
    review_id: int,
    actor: Person,
    approve: bool,
    comment: str | None,
    now: datetime,
) -> Review:
    """Fastställ or send back the submitted answers ``review_id`` names, as their reviewer."""
    submitted = await session.get(Review, review_id)
    if submitted is None or submitted.event != ReviewEvent.SUBMITTED:
        raise ReviewRefused("review.refusal.unknown")
    if submitted.reviewer_id != actor.id:
        raise ReviewRefused("review.refusal.not_reviewer")
    rnd = await round_store.get_round(session, submitted.round_id)
    if rnd is None or rnd.state != "open":
        raise ReviewRefused("review.refusal.round_not_open")
    last = await review_store.latest(session, submitted.round_id, submitted.owner_id)
    if last is None or last.id != submitted.id:
        raise ReviewRefused("review.refusal.already_decided")
    if await answered_revisions(session, rnd, submitted.owner_id) != submitted.revisions:
        raise ReviewRefused("review.refusal.changed")
    text = (comment or "").strip() or None
    if not approve and text is None:
        raise ReviewRefused("review.error.comment_required")
    if text is not None and len(text) > COMMENT_MAX:
        raise ReviewRefused("review.error.comment_too_long")
    review = review_store.append(
        session,
        Review(
            round_id=submitted.round_id, owner_id=submitted.owner_id, reviewer_id=actor.id,
            event=ReviewEvent.APPROVED if approve else ReviewEvent.RETURNED, actor_id=actor.id,
            comment=text, revisions=submitted.revisions, at=now,
        ),
    )  # fmt: skip
    await session.flush()
    _audit(session, actor.upn, review)
    return review


def _audit(session: AsyncSession, actor: str, review: Review) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"review.{review.event}",
        target_type="review",
        target_id=review.id,
        details={
            "round_id": review.round_id,
            "owner_id": review.owner_id,
            "reviewer_id": review.reviewer_id,
            "revisions": review.revisions,
        },
    )


async def is_locked(session: AsyncSession, round_id: int, owner_id: int) -> bool:
    last = await review_store.latest(session, round_id, owner_id)
    return last is not None and last.event == ReviewEvent.APPROVED
