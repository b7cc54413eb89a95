"""One deadline rule, held by the server: answers are taken until the round closes, and
those given after the deadline are marked late. After closing (or before opening) the card
offers nothing to press, and the server refuses what an older copy of the card sends."""

from __future__ import annotations

from datetime import timedelta

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
    late = fill(card, s, {f"comment.{s.goal.id}": "Skrivet efter stängning."})
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


async def test_after_the_deadline_the_card_takes_answers_and_marks_them_late(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    # Anna answers on time ...
    on_time = await status_card(bot, s)
    await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(on_time, s))
    )
    assert await stored(session) == 3

    # ... and changes the indicator a day after the deadline, before the round is closed.
    bot.clock.now = s.round.deadline_at + timedelta(days=1)
    recorded = await status_card(bot, s)
    text = cardtools.all_text(recorded)
    assert "Sista svarsdagen var" in text and "tills omgången stängs" in text
    assert "sent svar" not in text  # nothing late yet
    form = await invoke(
        bot,
        bot.card_action(
            user=s.owner, verb=verbs.EDIT_STATUS, data=cardtools.press(recorded, verbs.EDIT_STATUS)
        ),
    )
    changed = cardtools.press(form, verbs.SUBMIT_STATUS, {f"value.{s.indicator.id}": "75"})
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=changed)
    )

    assert await stored(session) == 4
    current = await response_store.current_answers(session, s.round.id, [s.goal.id, s.indicator.id])
    assert current[s.indicator.id].revision == 2
    assert current[s.indicator.id].answered_at == bot.clock.now
    late_lines = [t for t in cardtools.texts(refreshed) if "sent svar, efter sista svarsdagen" in t]
    assert len(late_lines) == 1  # the indicator only; the goal and risk came in on time
    assert "Ändra" in cardtools.action_titles(refreshed)


async def test_a_card_from_the_open_round_does_nothing_once_it_is_closed(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    form = await status_card(bot, s)
    recorded = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(form, s))
    )
    edit = cardtools.press(recorded, verbs.EDIT_STATUS)
    edited_form = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.EDIT_STATUS, data=edit)
    )
    submit = cardtools.press(
        edited_form, verbs.SUBMIT_STATUS, {f"comment.{s.goal.id}": "Efter stängning."}
    )
    assert await stored(session) == 3

    s.round.state = RoundState.CLOSED
    await session.commit()
    # Ändra, pressed on the card from before: the closed card, nothing to fill in or press.
    shown = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.EDIT_STATUS, data=edit))
    assert "Omgången är stängd" in cardtools.all_text(shown)
    assert cardtools.inputs(shown) == {} and cardtools.actions(shown) == []
    # Skicka, pressed on the form from before: refused, nothing stored.
    refused = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=submit)
    )
    assert "Omgången är stängd, så svaret sparades inte." in cardtools.all_text(refused)
    assert cardtools.actions(refused) == []
    assert await stored(session) == 3


async def test_a_round_that_is_not_open_takes_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    form = await status_card(bot, s)
    recorded = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(form, s))
    )
    edit = cardtools.press(recorded, verbs.EDIT_STATUS)
    again = fill(form, s, {f"comment.{s.goal.id}": "Ändrat."})
    s.round.state = RoundState.SCHEDULED  # e.g. moved back to a later opening
    await session.commit()

    refused = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=again))
    assert "Omgången har inte öppnat än" in cardtools.all_text(refused)
    assert await stored(session) == 3
    shown = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.EDIT_STATUS, data=edit))
    assert "Omgången är inte öppen" in cardtools.all_text(shown)
    assert cardtools.inputs(shown) == {} and cardtools.actions(shown) == []
