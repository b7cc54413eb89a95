"""Queries on people: looked up by UPN (case-insensitive, as Entra ID treats it), by Entra
object id (what Teams sends) or by id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person


async def get_person(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def get_by_upn(session: AsyncSession, upn: str) -> Person | None:
    query = select(Person).where(func.lower(Person.upn) == upn.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()


async def get_by_entra_id(session: AsyncSession, object_id: str) -> Person | None:
    query = select(Person).where(Person.entra_object_id == object_id.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()


async def upsert(
    session: AsyncSession, *, upn: str, display_name: str, **fields: Any
) -> tuple[Person, bool]:
    """Create the person with this UPN or update the given fields; returns (person, created).
    Fields equal to the stored value are not assigned, so an unchanged person keeps its
    ``updated_at``."""
    person = await get_by_upn(session, upn)
    if person is None:
        person = Person(upn=upn.strip().lower(), display_name=display_name, **fields)
        session.add(person)
        await session.flush()
        return person, True
    for name, value in {"display_name": display_name, **fields}.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
    await session.flush()
    return person, False
