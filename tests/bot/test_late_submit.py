"""A status submit that reaches the bot after the round was closed: the card says the
answer was not saved, still shows what was recorded, and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from catalogue import texts
from storage import responses as response_store
from storage.models import RoundState
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import fill, invoke, status_card, stored
from tests.factories import open_round


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_a_submit_after_closing_is_refused_with_what_was_recorded(
    bot: BotHarness, session: AsyncSession, language: str
) -> None:
    s = await open_round(session, owner_language=language)
    locale = "sv-SE" if language == "sv" else "en-GB"
    card = await status_card(bot, s, locale=locale)
    await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(card, s)))
    assert await stored(session) == 3

    s.round.state = RoundState.CLOSED
    await session.commit()
    late = fill(card, s, **{f"comment.{s.goal.id}": "Skrivet efter stängning."})
    refreshed = await invoke(
        bot,
        bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=late, locale=locale),
    )

    text = cardtools.all_text(refreshed)
    tx = texts.for_language(language)
    assert tx.t("refusal.round_closed") in text
    assert tx.t("card.closed") not in text  # said once, not twice
    assert "Väntetiderna minskar." in text  # the recorded answer
    assert "Skrivet efter stängning." not in text
    assert cardtools.inputs(refreshed) == {}
    assert await stored(session) == 3
    answers = await response_store.current_answers(session, s.round.id, [s.goal.id])
    assert answers[s.goal.id].comment == "Väntetiderna minskar."
