"""Conversation references under simultaneous installation events, on both backends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import conversations
from storage.models import ConversationKind, ConversationReference
from tests.factories import NOW

CONVERSATION = "a:personal-simultaneous"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"


async def _store(
    sessions: async_sessionmaker[AsyncSession], **overrides: object
) -> conversations.Upserted:
    values: dict[str, object] = {
        "conversation_id": CONVERSATION,
        "kind": ConversationKind.PERSONAL,
        "service_url": SERVICE_URL,
        "reference": {"conversation": {"id": CONVERSATION}},
        "tenant_id": "tenant-1",
        "quiet": timedelta(minutes=1),
        "now": NOW,
    }
    values.update(overrides)
    async with sessions() as session, session.begin():
        # A read first, as the installation dialog does (it looks the person up).
        await session.execute(select(func.count(ConversationReference.id)))
        return await conversations.record(session, **values)  # type: ignore[arg-type]


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[ConversationReference]:
    async with sessions() as session:
        return list((await session.execute(select(ConversationReference))).scalars())


async def test_simultaneous_upserts_of_one_conversation_all_succeed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def plain_upsert() -> None:
        async with session_factory() as session, session.begin():
            await session.execute(select(func.count(ConversationReference.id)))
            await conversations.upsert(
                session,
                conversation_id=CONVERSATION,
                kind=ConversationKind.PERSONAL,
                service_url=SERVICE_URL,
                reference={},
                now=NOW,
            )

    results = await asyncio.gather(*(plain_upsert() for _ in range(6)), return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert len(await _rows(session_factory)) == 1


async def test_of_simultaneous_installation_events_exactly_one_is_fresh(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    results = await asyncio.gather(*(_store(session_factory) for _ in range(6)))
    assert sum(result.fresh for result in results) == 1
    assert {result.reference.id for result in results} == {results[0].reference.id}
    assert len(await _rows(session_factory)) == 1


async def test_a_later_event_refreshes_the_reference_and_keeps_known_fields(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = await _store(session_factory, team_id="team-1", locale="sv-SE")
    soon = await _store(
        session_factory,
        now=NOW + timedelta(seconds=20),
        service_url="https://smba.trafficmanager.net/se/",
        tenant_id=None,
    )
    later = await _store(session_factory, now=NOW + timedelta(minutes=5))
    assert (first.fresh, soon.fresh, later.fresh) == (True, False, True)
    assert soon.reference.service_url == "https://smba.trafficmanager.net/se/"
    # Fields the later call did not know are kept.
    assert soon.reference.tenant_id == "tenant-1"
    assert soon.reference.team_id == "team-1"
    assert soon.reference.locale == "sv-SE"
    (row,) = await _rows(session_factory)
    assert row.updated_at == NOW + timedelta(minutes=5)
