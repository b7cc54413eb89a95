"""Steering groups set up in Teams, through the real endpoint: `ny styrgrupp` in a channel
posts the form, Spara creates the group linked to that channel; `styrgrupper` lists them
with scope and next digest; Ändra and Ta bort work from the list; all of it is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import controller_cards as cc
from cards import verbs
from storage.models import AuditEntry, ConversationReference, SteeringGroup
from tests import cardtools
from tests.admin.helpers import region
from tests.bot.conftest import BotHarness

CHANNEL = "19:uppfoljning@thread.tacv2"
TEAM = "19:team-rs@thread.tacv2"


def in_channel(activity: dict[str, Any]) -> dict[str, Any]:
    activity["conversation"].update(id=f"{CHANNEL};messageid=17", conversationType="channel")
    activity["channelData"].update(team={"id": TEAM}, channel={"id": CHANNEL})
    return activity


async def says(bot: BotHarness, user: Any, text: str, *, channel: bool = False) -> dict[str, Any]:
    before = len(bot.connector.posted())
    activity = bot.activity(user=user, text=text)
    await bot.post(in_channel(activity) if channel else activity)
    [posted] = bot.connector.posted()[before:]
    return dict(posted)


async def presses(
    bot: BotHarness,
    user: Any,
    card: dict[str, Any],
    verb: str,
    typed: dict[str, Any] | None = None,
    *,
    channel: bool = False,
    **match: Any,
) -> dict[str, Any]:
    data = cardtools.press(card, verb, typed, match=match or None)
    action = bot.card_action(user=user, verb=verb, data=data)
    response = await bot.post(in_channel(action) if channel else action)
    body = await response.json()
    return dict(body["value"])


async def groups(session: AsyncSession) -> list[SteeringGroup]:
    await session.commit()
    query = select(SteeringGroup).order_by(SteeringGroup.id)
    return list((await session.execute(query.execution_options(populate_existing=True))).scalars())


async def test_ny_styrgrupp_in_a_channel_creates_the_group_linked_to_that_channel(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    [form] = (await says(bot, r.admin, "ny styrgrupp", channel=True))["attachments"]
    typed = {
        cc.GROUP_NAME: "Hälso- och sjukvårdens styrgrupp",
        cc.GROUP_ORG_UNITS: "HSN",
        cc.GROUP_PLAN_ITEMS: "S1",
        cc.GROUP_WEEKDAY: "3",
        cc.GROUP_HOUR: "9",
    }
    listed = await presses(bot, r.admin, form["content"], verbs.STEERING_SAVE, typed, channel=True)
    # A double click: the second press finds the group the first one made.
    again = await presses(bot, r.admin, form["content"], verbs.STEERING_SAVE, typed, channel=True)
    assert "är skapad och kopplad till kanalen" in cardtools.all_text(again)

    shown = cardtools.all_text(listed)
    assert "är skapad och kopplad till kanalen" in shown
    assert "Hälso- och sjukvårdsnämnden" in shown and "S1 God och jämlik hälsa" in shown
    # NOW is Monday 23 Nov 2026 10:00 UTC: the next Wednesday 09:00 in Stockholm.
    assert "25 nov. 2026 09:00" in shown or "25 nov 2026 09:00" in shown, shown
    [group] = await groups(session)
    assert group.key == "halso-och-sjukvardens-styrgrupp"
    assert group.scope == {"org_units": ["HSN"], "plan_items": ["S1"]}
    assert (group.digest_weekday, group.digest_hour, group.time_zone) == (3, 9, "Europe/Stockholm")
    channel = await session.get(ConversationReference, group.conversation_reference_id)
    assert channel is not None and channel.conversation_id == CHANNEL
    actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert actions == ["steering_group.create"]


async def test_in_the_1_1_chat_ny_styrgrupp_points_to_the_channel(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    posted = await says(bot, r.admin, "ny styrgrupp")
    assert "i den kanal där styrgruppen" in posted["text"]
    assert await groups(session) == []


async def test_a_group_is_edited_and_removed_from_the_list(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    [form] = (await says(bot, r.admin, "ny styrgrupp", channel=True))["attachments"]
    await presses(
        bot, r.admin, form["content"], verbs.STEERING_SAVE, {cc.GROUP_NAME: "RS"}, channel=True
    )
    [group] = await groups(session)
    [listed] = (await says(bot, r.admin, "styrgrupper"))["attachments"]
    edit = await presses(bot, r.admin, listed["content"], verbs.STEERING_EDIT, group_id=group.id)
    assert cardtools.inputs(edit)[cc.GROUP_NAME]["value"] == "RS"
    saved = await presses(
        bot,
        r.admin,
        edit,
        verbs.STEERING_SAVE,
        {cc.GROUP_NAME: "Regionstyrelsen", cc.GROUP_WEEKDAY: cc.WEEKDAY_OFF},
    )
    assert "Styrgruppen Regionstyrelsen är sparad." in cardtools.all_text(saved)
    [group] = await groups(session)
    assert (group.name, group.digest_weekday) == ("Regionstyrelsen", None)
    assert group.conversation_reference_id is not None, "editing keeps the channel"

    confirm = await presses(bot, r.admin, saved, verbs.STEERING_CONFIRM_REMOVE, group_id=group.id)
    removed = await presses(bot, r.admin, confirm, verbs.STEERING_REMOVE)
    assert "är borttagen" in cardtools.all_text(removed)
    assert "Inga styrgrupper än" in cardtools.all_text(removed)
    [group] = await groups(session)
    assert not group.active
    actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert actions == ["steering_group.create", "steering_group.update", "steering_group.remove"]


async def test_a_group_without_a_name_is_not_saved(bot: BotHarness, session: AsyncSession) -> None:
    r = await region(session)
    [form] = (await says(bot, r.admin, "ny styrgrupp", channel=True))["attachments"]
    again = await presses(
        bot,
        r.admin,
        form["content"],
        verbs.STEERING_SAVE,
        {cc.GROUP_NAME: "---"},
        channel=True,
    )
    assert "Ny styrgrupp" in cardtools.all_text(again)
    assert await groups(session) == []


async def test_a_non_admin_cannot_create_a_group(bot: BotHarness, session: AsyncSession) -> None:
    r = await region(session)
    refused = await says(bot, r.anna, "ny styrgrupp", channel=True)
    assert "administratör" in refused["text"]
    [form] = (await says(bot, r.admin, "ny styrgrupp", channel=True))["attachments"]
    pressed = await presses(
        bot, r.anna, form["content"], verbs.STEERING_SAVE, {cc.GROUP_NAME: "X"}, channel=True
    )
    assert "administratör" in cardtools.all_text(pressed)
    assert await groups(session) == []
