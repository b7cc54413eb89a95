"""A manager answers in the status card through the real endpoint; the card refreshes in place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from storage import responses as response_store
from storage.models import ConversationReference, Response, RoundState
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.factories import RoundSetup, open_round


async def invoke(bot: BotHarness, activity: dict[str, Any]) -> dict[str, Any]:
    response = await bot.post(activity)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["statusCode"] == 200, body
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    return dict(body["value"])


async def status_card(bot: BotHarness, s: RoundSetup, **kw: Any) -> dict[str, Any]:
    await bot.post(bot.activity(user=s.owner, text="status", **kw))
    cards = bot.connector.posted_cards()
    assert cards, bot.connector.posted_texts()
    return cards[-1]


def answers(s: RoundSetup) -> dict[str, str]:
    """What the manager chooses and types on a fresh card."""
    return {
        f"status.{s.goal.id}": "on_track",
        f"comment.{s.goal.id}": "Väntetiderna minskar.",
        f"status.{s.indicator.id}": "deviation",
        f"value.{s.indicator.id}": "72,5",
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": "3",
        f"consequence.{s.risk.id}": "4",
    }


def fill(
    card: dict[str, Any],
    s: RoundSetup,
    changes: dict[str, str] | None = None,
    *,
    client_validates: bool = True,
) -> dict[str, Any]:
    """What Teams sends when the manager fills in the card (``answers`` with ``changes``)
    and presses the submit button."""
    return cardtools.press(
        card,
        verbs.SUBMIT_STATUS,
        {**answers(s), **(changes or {})},
        client_validates=client_validates,
    )


async def stored(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(Response.id)))).scalar_one())


async def test_installing_the_bot_stores_the_reference_and_greets_in_swedish(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    update = bot.activity(
        user=s.owner,
        type_="conversationUpdate",
        membersAdded=[{"id": "28:00000000-0000-4000-8000-00000000b07a"}],
    )
    assert (await bot.post(update)).status in (200, 202)
    reference = (await session.execute(select(ConversationReference))).scalar_one()
    assert reference.person_id == s.owner.id
    assert reference.service_url == bot.service_url
    assert "Hej" in bot.connector.posted_texts()[0] + cardtools.all_text(
        (bot.connector.posted_cards() or [{}])[0]
    )


async def test_a_person_who_prefers_english_is_greeted_in_english(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session, owner_language="en")
    update = bot.activity(
        user=s.owner,
        type_="installationUpdate",
        action="add",
        locale="en-GB",
    )
    await bot.post(update)
    shown = bot.connector.posted_texts()[0] + cardtools.all_text(
        (bot.connector.posted_cards() or [{}])[0]
    )
    assert "Hello" in shown or "Hi" in shown


async def test_the_status_card_lists_the_owners_items_with_their_path(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    text = cardtools.all_text(card)
    assert "Kortare väntetider i vården" in text
    assert "Andel operationer inom 90 dagar" in text
    assert "God och jämlik hälsa" in text  # the path above the goal
    assert "Inför digitala vårdbesök" not in text  # Cecilia's item
    fields = cardtools.inputs(card)
    assert f"status.{s.goal.id}" in fields
    assert f"likelihood.{s.risk.id}" in fields
    assert f"value.{s.indicator.id}" in fields
    assert f"likelihood.{s.goal.id}" not in fields
    assert card["version"] == "1.5"


async def test_submitting_stores_the_answers_and_refreshes_the_card(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    data = fill(card, s)
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data)
    )
    text = cardtools.all_text(refreshed)
    assert "Enligt plan" in text and "Risk att inte nås" in text
    assert "Anna Lindqvist" in text
    assert "Väntetiderna minskar." in text
    assert cardtools.inputs(refreshed) == {}
    assert any(a.get("verb") == verbs.EDIT_STATUS for a in cardtools.actions(refreshed))

    answers = await response_store.current_answers(
        session, s.round.id, [s.goal.id, s.indicator.id, s.risk.id]
    )
    assert answers[s.goal.id].status_key == "on_track"
    assert answers[s.risk.id].likelihood == 3
    assert answers[s.goal.id].answered_by_id == s.owner.id


async def test_a_replayed_submit_stores_one_answer(bot: BotHarness, session: AsyncSession) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    action = bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(card, s))
    await invoke(bot, action)
    await invoke(bot, action)
    assert await stored(session) == 3


async def test_a_redelivered_submit_is_not_a_conflict_after_a_later_change(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    first = bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(card, s))
    recorded = await invoke(bot, first)
    edit = cardtools.press(recorded, verbs.EDIT_STATUS)
    form = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.EDIT_STATUS, data=edit))
    later = cardtools.press(form, verbs.SUBMIT_STATUS, {f"status.{s.goal.id}": "deviation"})
    await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=later))
    assert await stored(session) == 4
    # Teams redelivers the first submit (same activity id): it is already stored, so the
    # card shows what is recorded instead of a conflict, and nothing more is written.
    refreshed = await invoke(bot, first)
    assert "medan du hade kortet öppet" not in cardtools.all_text(refreshed)
    assert cardtools.inputs(refreshed) == {}
    assert await stored(session) == 4


async def test_validation_errors_sit_next_to_the_field_and_keep_what_was_typed(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    # A client that does not check required inputs (the server holds every rule itself).
    data = fill(
        card,
        s,
        {f"value.{s.indicator.id}": "tolv", f"status.{s.goal.id}": ""},
        client_validates=False,
    )
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data)
    )
    fields = cardtools.inputs(refreshed)
    assert fields[f"value.{s.indicator.id}"].get("value") == "tolv"
    assert fields[f"comment.{s.goal.id}"].get("value") == "Väntetiderna minskar."
    value_error = cardtools.text_after_input(refreshed, f"value.{s.indicator.id}")
    status_error = cardtools.text_after_input(refreshed, f"status.{s.goal.id}")
    assert value_error and "tal" in value_error[0].lower()
    assert status_error and "status" in status_error[0].lower()
    assert await stored(session) == 0


async def test_a_closed_round_says_so_and_stores_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    s.round.state = RoundState.CLOSED
    await session.commit()
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(card, s))
    )
    assert "stängd" in cardtools.all_text(refreshed).lower()
    assert cardtools.inputs(refreshed) == {}
    assert await stored(session) == 0


async def test_someone_else_is_refused_and_nothing_is_stored(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    refreshed = await invoke(
        bot, bot.card_action(user=s.other, verb=verbs.SUBMIT_STATUS, data=fill(card, s))
    )
    assert "Anna Lindqvist" not in cardtools.all_text(refreshed)
    assert cardtools.inputs(refreshed) == {}
    assert await stored(session) == 0


async def test_markdown_in_a_comment_is_shown_as_text(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    evil = "[Klicka här](https://evil.example) **viktigt**"
    refreshed = await invoke(
        bot,
        bot.card_action(
            user=s.owner,
            verb=verbs.SUBMIT_STATUS,
            data=fill(card, s, {f"comment.{s.goal.id}": evil}),
        ),
    )
    text = cardtools.all_text(refreshed)
    assert "[Klicka här](https://evil.example)" not in text
    assert "Klicka här" in text


async def test_text_commands_in_the_chat(bot: BotHarness, session: AsyncSession) -> None:
    s = await open_round(session)
    await bot.post(bot.activity(user=s.owner, text="hjälp"))
    await bot.post(bot.activity(user=s.owner, text="mina punkter"))
    await bot.post(bot.activity(user=s.owner, text="vad är klockan"))
    shown = [
        cardtools.all_text(body["attachments"][0]["content"])
        if body.get("attachments")
        else body.get("text", "")
        for body in bot.connector.posted()
    ]
    assert "mina punkter" in shown[0].lower()
    assert "Tertial 2 2026" in shown[1] and "3" in shown[1]
    assert "hjälp" in shown[2].lower()


async def test_every_verb_a_card_emits_has_a_handler(
    bot: BotHarness, session: AsyncSession
) -> None:
    from dialogs.router import all_action_handlers

    handlers = all_action_handlers()
    s = await open_round(session)
    card = await status_card(bot, s)
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(card, s))
    )
    emitted = {
        a["verb"]
        for c in (card, refreshed)
        for a in cardtools.actions(c)
        if a.get("type") == "Action.Execute"
    }
    assert emitted and emitted <= set(handlers)
    assert set(handlers) == verbs.ALL_VERBS
