"""While an owner is away, the sender posts their new card (and reminders) to their
substitute, rendered for the substitute: every item of the owner's, "För <owner>". The
owner's own chat gets nothing and stays theirs."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.followup import rounds
from services.standins import substitutes
from storage import conversations
from storage.models import RoundState
from tests.factories import NOW, open_round
from tests.rounds.builders import remember_chat
from tests.rounds.conftest import Teams
from tests.rounds.test_sender import card_text


async def test_the_owners_card_goes_to_the_substitute_during_the_period(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    annas_chat = await remember_chat(session, s.owner, teams.service_url)
    bos_chat = await remember_chat(session, s.delegate, teams.service_url)
    await substitutes.name_substitute(
        session,
        owner=s.owner,
        substitute=s.delegate,
        starts_on=date(2026, 11, 20),
        ends_on=date(2026, 12, 10),
        actor="test",
        today=NOW.date(),
    )
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()

    stats = await teams.sender(clock=lambda: NOW).run_until_idle()

    assert stats.sent == 2 and stats.failed == 0
    assert teams.connector.messages_to(annas_chat) == []
    [to_bo] = teams.connector.messages_to(bos_chat)
    text = card_text(to_bo.body["attachments"][0]["content"])
    assert "För Anna Lindqvist" in text
    assert all(item.title in text for item in (s.indicator, s.risk))
    async with teams.sessions() as fresh:
        reference = await conversations.personal_reference(fresh, s.owner.id)
    assert reference is not None and reference.conversation_id == annas_chat


async def test_after_the_period_the_owner_gets_their_card(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    annas_chat = await remember_chat(session, s.owner, teams.service_url)
    await substitutes.name_substitute(
        session,
        owner=s.owner,
        substitute=s.delegate,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 22),
        actor="test",
        today=date(2026, 11, 1),
    )
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    await teams.sender(clock=lambda: NOW).run_until_idle()
    [to_anna] = teams.connector.messages_to(annas_chat)
    assert "För Anna" not in card_text(to_anna.body["attachments"][0]["content"])
