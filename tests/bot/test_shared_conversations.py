"""In a channel or group chat, which others read, the bot shows nobody's items, answers or
comments: `status` and `mina punkter` point to the 1:1 chat, `hjälp` lists the channel's
commands, and a status card's buttons pressed there are refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from catalogue import texts
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import fill, invoke, status_card, stored
from tests.factories import RoundSetup, open_round

CHANNEL = "19:styrgrupp@thread.tacv2"
GROUP_CHAT = "19:planering-grupp@thread.v2"


def shared(activity: dict[str, Any], kind: str) -> dict[str, Any]:
    """The activity as it arrives from a team channel or a group chat instead of the 1:1."""
    if kind == "channel":
        activity["conversation"].update(id=CHANNEL, conversationType="channel")
        activity["channelData"].update(team={"id": "19:team@thread.tacv2"}, channel={"id": CHANNEL})
    else:
        activity["conversation"].update(id=GROUP_CHAT, conversationType="groupChat")
    return activity


async def say(bot: BotHarness, s: RoundSetup, text: str, kind: str) -> tuple[str, list[Any]]:
    before = len(bot.connector.posted())
    response = await bot.post(shared(bot.activity(user=s.owner, text=text), kind))
    assert response.status in (200, 201, 202), await response.text()
    posted = bot.connector.posted()[before:]
    cards = [
        a["content"]
        for body in posted
        for a in body.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]
    shown = [body.get("text") or "" for body in posted] + [cardtools.all_text(c) for c in cards]
    return "\n".join(shown), cards


async def answered(bot: BotHarness, s: RoundSetup) -> dict[str, Any]:
    """Anna has answered in her 1:1 chat, with comments; her card from there."""
    card = await status_card(bot, s)
    data = fill(card, s, {f"comment.{s.goal.id}": "Internt: två vakanser."})
    await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data))
    return card


def secrets(s: RoundSetup) -> list[str]:
    return [s.goal.title, s.indicator.title, s.risk.title, "Internt: två vakanser.", "72,5"]


@pytest.mark.parametrize("kind", ["channel", "groupChat"])
@pytest.mark.parametrize(
    ("said", "command"), [("status", "status"), ("mina punkter", "mina punkter")]
)
async def test_personal_commands_point_to_the_personal_chat(
    bot: BotHarness, session: AsyncSession, kind: str, said: str, command: str
) -> None:
    s = await open_round(session)
    await answered(bot, s)
    shown, cards = await say(bot, s, said, kind)
    assert cards == []
    assert shown == texts.for_language("sv").t("shared.personal_only", command=command)
    assert not any(secret in shown for secret in secrets(s))


async def test_help_in_a_channel_lists_the_channels_commands(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    shown, [card] = await say(bot, s, "hjälp", "channel")
    lines = cardtools.texts(card)
    assert (
        "**sammanfattning** – visar sammanställningen för styrgruppen som kanalen är kopplad till"
        in lines
    )
    assert any(line.startswith("**koppla styrgrupp NYCKEL** –") for line in lines)
    one_to_one = texts.for_language("sv").t("help.command.status")
    assert one_to_one not in shown and "**status** –" not in shown
    assert "personliga chatt" in lines[-1]

    s.owner.preferred_language = "en"
    await session.commit()
    shown, _ = await say(bot, s, "help", "channel")
    assert "**digest** – shows the summary for the steering group" in shown


async def test_help_in_a_group_chat_says_nothing_personal_is_shown_there(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    shown, [card] = await say(bot, s, "hjälp", "groupChat")
    assert texts.for_language("sv").t("shared.help.group_chat") in cardtools.texts(card)
    assert "**sammanfattning** –" not in shown and "**status** –" not in shown


@pytest.mark.parametrize("kind", ["channel", "groupChat"])
async def test_status_card_buttons_pressed_in_a_shared_conversation_are_refused(
    bot: BotHarness, session: AsyncSession, kind: str
) -> None:
    s = await open_round(session)
    form = await status_card(bot, s)
    recorded = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(form, s))
    )
    assert await stored(session) == 3
    presses = [
        (verbs.EDIT_STATUS, cardtools.press(recorded, verbs.EDIT_STATUS)),
        (verbs.SUBMIT_STATUS, fill(form, s, {f"comment.{s.goal.id}": "Ny kommentar."})),
    ]
    for verb, data in presses:
        card = await invoke(bot, shared(bot.card_action(user=s.owner, verb=verb, data=data), kind))
        shown = cardtools.all_text(card)
        assert shown == texts.for_language("sv").t("shared.card_refused")
        assert cardtools.inputs(card) == {} and cardtools.actions(card) == []
    assert await stored(session) == 3
