"""A delegate answers for the owner through the real endpoint: their card holds exactly the
items delegated to them, headed with the owner's name; Skicka on it as rendered stores the
answers as the delegate's, and both cards say who answered for whom."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from catalogue import texts
from storage import responses as response_store
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import answers, invoke, stored
from tests.factories import RoundSetup, open_round


async def status_cards(bot: BotHarness, user: Any, **kw: Any) -> list[dict[str, Any]]:
    before = len(bot.connector.posted_cards())
    response = await bot.post(bot.activity(user=user, text="status", **kw))
    assert response.status in (200, 201, 202), await response.text()
    return bot.connector.posted_cards()[before:]


def risk_answer(s: RoundSetup) -> dict[str, str]:
    return {
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": "2",
        f"consequence.{s.risk.id}": "3",
        f"comment.{s.risk.id}": "Två tjänster tillsatta.",
    }


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_the_delegate_answers_on_the_card_they_are_shown(
    bot: BotHarness, session: AsyncSession, language: str
) -> None:
    s = await open_round(session)
    s.delegate.preferred_language = language
    await session.commit()
    tx = texts.for_language(language)
    header = tx.t("card.on_behalf_of", owner="Anna Lindqvist")

    [card] = await status_cards(bot, s.delegate)
    text = cardtools.all_text(card)
    assert header in text
    lines = cardtools.texts(card)
    assert s.risk.title in lines
    assert s.goal.title not in lines and s.indicator.title not in text  # the goal is its path
    assert {key.split(".")[1] for key in cardtools.inputs(card)} == {str(s.risk.id)}

    data = cardtools.press(card, verbs.SUBMIT_STATUS, risk_answer(s))
    refreshed = await invoke(
        bot, bot.card_action(user=s.delegate, verb=verbs.SUBMIT_STATUS, data=data)
    )
    stored_risk = (await response_store.current_answers(session, s.round.id, [s.risk.id]))[
        s.risk.id
    ]
    assert stored_risk.answered_by_id == s.delegate.id
    assert (stored_risk.status_key, stored_risk.likelihood, stored_risk.consequence) == (
        "at_risk",
        2,
        3,
    )
    assert stored_risk.request_id == s.request.id  # Anna's request
    assert await stored(session) == 1
    shown = cardtools.all_text(refreshed)
    assert header in shown
    recorded_for = tx.t("card.recorded_by_for", name="Bo Ek", owner="Anna Lindqvist", when="")
    assert recorded_for.rstrip() in shown
    assert cardtools.inputs(refreshed) == {}
    assert verbs.EDIT_STATUS in {a.get("verb") for a in cardtools.actions(refreshed)}


async def test_the_owners_card_still_holds_every_item_and_who_answered_which(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    [delegates] = await status_cards(bot, s.delegate)
    data = cardtools.press(delegates, verbs.SUBMIT_STATUS, risk_answer(s))
    await invoke(bot, bot.card_action(user=s.delegate, verb=verbs.SUBMIT_STATUS, data=data))

    [owners] = await status_cards(bot, s.owner)
    text = cardtools.all_text(owners)
    assert all(item.title in text for item in (s.goal, s.indicator, s.risk))
    assert "Registrerat av Bo Ek för Anna Lindqvist" in text
    assert "För Anna Lindqvist" not in text  # her own card needs no "for whom"
    # Anna answers the rest; her card keeps Bo's answer and adds hers.
    mine = {k: v for k, v in answers(s).items() if not k.endswith(f".{s.risk.id}")}
    refreshed = await invoke(
        bot,
        bot.card_action(
            user=s.owner,
            verb=verbs.SUBMIT_STATUS,
            data=cardtools.press(owners, verbs.SUBMIT_STATUS, mine),
        ),
    )
    shown = cardtools.all_text(refreshed)
    assert "Registrerat av Bo Ek för Anna Lindqvist" in shown
    assert "Registrerat av Anna Lindqvist," in shown
    current = await response_store.current_answers(
        session, s.round.id, [s.goal.id, s.indicator.id, s.risk.id]
    )
    assert {item: r.answered_by_id for item, r in current.items()} == {
        s.goal.id: s.owner.id,
        s.indicator.id: s.owner.id,
        s.risk.id: s.delegate.id,
    }


async def test_the_delegates_edit_opens_only_their_items(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    [card] = await status_cards(bot, s.delegate)
    recorded = await invoke(
        bot,
        bot.card_action(
            user=s.delegate,
            verb=verbs.SUBMIT_STATUS,
            data=cardtools.press(card, verbs.SUBMIT_STATUS, risk_answer(s)),
        ),
    )
    form = await invoke(
        bot,
        bot.card_action(
            user=s.delegate,
            verb=verbs.EDIT_STATUS,
            data=cardtools.press(recorded, verbs.EDIT_STATUS),
        ),
    )
    assert {key.split(".")[1] for key in cardtools.inputs(form)} == {str(s.risk.id)}
    again = cardtools.press(form, verbs.SUBMIT_STATUS, {f"status.{s.risk.id}": "deviation"})
    await invoke(bot, bot.card_action(user=s.delegate, verb=verbs.SUBMIT_STATUS, data=again))
    current = await response_store.current_answers(session, s.round.id, [s.risk.id])
    assert (current[s.risk.id].status_key, current[s.risk.id].revision) == ("deviation", 2)


async def test_the_owners_whole_card_sent_by_the_delegate_stores_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    [owners] = await status_cards(bot, s.owner)
    data = cardtools.press(owners, verbs.SUBMIT_STATUS, answers(s))
    refused = await invoke(
        bot, bot.card_action(user=s.delegate, verb=verbs.SUBMIT_STATUS, data=data)
    )
    assert "Inget sparades" in cardtools.all_text(refused)
    assert s.goal.title not in cardtools.all_text(refused)
    assert await stored(session) == 0
