"""Substitutes (ersättare) with a period. Rows are never deleted: ending a period early sets
``ended_at``, so who could answer for whom on which day stays known."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Substitute


def _in_force(day: date) -> object:
    return (
        (Substitute.starts_on <= day) & (Substitute.ends_on >= day) & Substitute.ended_at.is_(None)
    )


async def periods_of_owner(session: AsyncSession, owner_id: int) -> list[Substitute]:
    """The owner's periods not ended early, earliest first."""
    query = (
        select(Substitute)
        .where(Substitute.owner_id == owner_id, Substitute.ended_at.is_(None))
        .order_by(Substitute.starts_on, Substitute.id)
    )
    return list((await session.execute(query)).scalars())


async def in_force_for_owner(session: AsyncSession, owner_id: int, day: date) -> Substitute | None:
    """The period in force for the owner on ``day``; of overlapping ones, the latest made
    (naming a new substitute for part of a period is how an owner changes their mind)."""
    query = (
        select(Substitute)
        .where(Substitute.owner_id == owner_id, _in_force(day))  # type: ignore[arg-type]
        .order_by(Substitute.created_at.desc(), Substitute.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def owners_substituted_by(
    session: AsyncSession, substitute_id: int, day: date
) -> list[Substitute]:
    """Periods in force on ``day`` in which this person stands in for someone."""
    query = (
        select(Substitute)
        .where(Substitute.substitute_id == substitute_id, _in_force(day))  # type: ignore[arg-type]
        .order_by(Substitute.id)
    )
    return list((await session.execute(query)).scalars())


async def active_people(session: AsyncSession) -> list[Person]:
    query = select(Person).where(Person.active.is_(True), Person.erased_at.is_(None))
    return list((await session.execute(query)).scalars())
