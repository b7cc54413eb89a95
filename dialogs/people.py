"""Who is talking: the person behind an activity, and the language to answer in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.texts import Language
from dialogs.context import Inbound
from services.answering.status_view import language_of
from storage.models import Person


async def person_of(session: AsyncSession, inbound: Inbound) -> Person | None:
    if not inbound.user_object_id:
        return None
    query = select(Person).where(
        Person.entra_object_id == inbound.user_object_id, Person.active.is_(True)
    )
    return (await session.execute(query)).scalar_one_or_none()


def language_for(person: Person | None, inbound: Inbound) -> Language:
    """A known person's stored preference (from Entra ID, or set by an admin) wins: Teams
    clients often run in en-US for Swedish users, and the Agents Playground always does.
    For people we do not know yet, the client's locale is the best guess."""
    if person is not None:
        return language_of(person.preferred_language)
    return language_of(inbound.locale)
