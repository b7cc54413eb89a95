"""The append-only review history of owners' answers per round (fastställande)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Review, ReviewEvent


async def latest(session: AsyncSession, round_id: int, owner_id: int) -> Review | None:
    query = (
        select(Review)
        .where(Review.round_id == round_id, Review.owner_id == owner_id)
        .order_by(Review.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def latest_of_round(session: AsyncSession, round_id: int) -> dict[int, Review]:
    """owner id -> their latest review step in the round."""
    newest = (
        select(Review.owner_id, func.max(Review.id).label("id"))
        .where(Review.round_id == round_id)
        .group_by(Review.owner_id)
        .subquery()
    )
    query = select(Review).join(newest, Review.id == newest.c.id)
    return {review.owner_id: review for review in (await session.execute(query)).scalars()}


async def latest_is_approved(session: AsyncSession, round_id: int, owner_id: int) -> bool:
    last = await latest(session, round_id, owner_id)
    return last is not None and last.event == ReviewEvent.APPROVED


def append(session: AsyncSession, review: Review) -> Review:
    session.add(review)
    return review
