"""Installing the bot: Teams (and the Agents Playground) send installationUpdate and
conversationUpdate for the same installation, often at the same moment."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationReference
from tests.bot.conftest import BOT_MRI, BotHarness
from tests.factories import open_round


def installation_pair(bot: BotHarness, user: Any) -> list[dict[str, Any]]:
    return [
        bot.activity(user=user, type_="installationUpdate", action="add"),
        bot.activity(user=user, type_="conversationUpdate", membersAdded=[{"id": BOT_MRI}]),
    ]


async def test_simultaneous_install_events_store_one_reference_and_greet_once(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    for attempt in range(3):
        responses = await asyncio.gather(
            *(bot.post(activity) for activity in installation_pair(bot, s.owner))
        )
        assert [r.status for r in responses] in ([200, 200], [202, 202], [200, 202], [202, 200])
        # A page reload in the Playground sends the pair again at once: no second hello.
        assert len(bot.connector.posted_cards()) == 1, attempt
    (reference,) = (await session.execute(select(ConversationReference))).scalars()
    assert reference.person_id == s.owner.id


async def test_a_reinstall_later_on_is_greeted_again(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    for activity in installation_pair(bot, s.owner):
        await bot.post(activity)
    assert len(bot.connector.posted_cards()) == 1
    bot.clock.now += timedelta(days=2)
    for activity in installation_pair(bot, s.owner):
        await bot.post(activity)
    assert len(bot.connector.posted_cards()) == 2
