"""The steering group's channel: the digest on request through the real endpoint, and an
admin binding a channel to a group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs import router
from dialogs.context import Deps, Inbound
from services.platform.config import Settings
from storage import audit, steering
from storage.models import ConversationReference, SteeringGroup
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.digest.helpers import CHANNEL_ID, TEAM_ID, answered_round, steering_group
from tests.factories import NOW, TENANT_ID, open_round

ADMIN_OID = "00000000-0000-4000-8000-0000000000ad"


def in_channel(bot: BotHarness, user: Any, text: str, *, thread: bool = True) -> dict[str, Any]:
    """A message in the steering group's channel (a reply in a thread, as most are)."""
    conversation_id = f"{CHANNEL_ID};messageid=1732350000000" if thread else CHANNEL_ID
    return bot.activity(
        user=user,
        text=f"<at>Lägesbot</at> {text}",
        conversation={
            "id": conversation_id,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
        },
        channelData={
            "tenant": {"id": TENANT_ID},
            "team": {"id": TEAM_ID},
            "channel": {"id": CHANNEL_ID},
        },
    )


async def test_sammanfattning_in_the_channel_posts_the_digest_card(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    await steering_group(session)

    response = await bot.post(in_channel(bot, s.owner, "sammanfattning"))
    assert response.status in (200, 202)
    cards = bot.connector.posted_cards()
    assert len(cards) == 1
    text = cardtools.all_text(cards[0])
    assert "Lägesöversikt – Regionstyrelsens styrgrupp" in text
    assert "Tertial 2 2026" in text
    assert "3 av 4" in text
    assert "Kortare väntetider i vården: Enligt plan → Avvikelse (Anna Lindqvist)" in text
    assert "Anna Lindqvist: Svårt att rekrytera." in text
    assert "Cecilia Berg (1 av 1)" in text
    # The reply goes to the conversation the request came from.
    assert (bot.connector.calls[-1].conversation_id or "").startswith(CHANNEL_ID)


async def test_digest_in_a_channel_without_a_group_says_how_to_link_it(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await bot.post(in_channel(bot, s.owner, "digest"))
    assert bot.connector.posted_cards() == []
    [said] = bot.connector.posted_texts()
    assert "koppla styrgrupp" in said


def inbound(text: str, user: str | None, *, channel: bool = True) -> Inbound:
    return Inbound(
        activity_id="a1",
        channel_id="msteams",
        conversation_id=f"{CHANNEL_ID};messageid=1" if channel else "a:personal",
        conversation_type="channel" if channel else "personal",
        service_url="https://smba.example/emea/",
        user_object_id=user,
        user_name="Admin",
        tenant_id=TENANT_ID,
        locale="sv-SE",
        text=text,
        team_id=TEAM_ID if channel else None,
        teams_channel_id=CHANNEL_ID if channel else None,
        reference={"conversation": {"id": f"{CHANNEL_ID};messageid=1"}},
    )


async def test_an_admin_links_the_channel_and_it_is_audited(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    session.add(SteeringGroup(key="rs", name="Regionstyrelsens styrgrupp", scope={}))
    await session.commit()
    deps = Deps(
        sessions=session_factory,
        settings=Settings(database_url=database_url, admin_object_ids=(ADMIN_OID,)),
        clock=lambda: NOW,
    )

    [refused] = await router.on_message(deps, inbound("koppla styrgrupp rs", "someone-else"))
    assert "administratörer" in (refused.text or "")
    [unknown] = await router.on_message(deps, inbound("koppla styrgrupp hsn", ADMIN_OID))
    assert "hsn" in (unknown.text or "") and "rs" in (unknown.text or "")
    [private] = await router.on_message(
        deps, inbound("link steering group rs", ADMIN_OID, channel=False)
    )
    assert "kanal" in (private.text or "")

    [done] = await router.on_message(deps, inbound("Koppla styrgrupp rs", ADMIN_OID))
    assert "Regionstyrelsens styrgrupp" in (done.text or "")
    async with session_factory() as check:
        group = await steering.get_group(check, "rs")
        assert group is not None
        channel = await check.get(ConversationReference, group.conversation_reference_id)
        assert channel is not None
        # The channel itself, not the reply thread the command was written in.
        assert channel.conversation_id == CHANNEL_ID
        entries = await audit.entries(check, action="steering_group.bind_channel")
        assert [e.target_id for e in entries] == [str(group.id)]
        assert [g.key for g in await steering.groups_for_channel(check, CHANNEL_ID)] == ["rs"]
        rows = (await check.execute(select(ConversationReference))).scalars().all()
        assert len(rows) == 1


async def test_adding_the_bot_to_a_team_captures_the_channel_for_digests(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    update = in_channel(bot, s.owner, "", thread=False)
    update.pop("text")
    update.update(
        type="conversationUpdate",
        membersAdded=[{"id": bot.activity(user=s.owner)["recipient"]["id"]}],
    )
    update["channelData"]["eventType"] = "teamMemberAdded"
    assert (await bot.post(update)).status in (200, 202)
    channels = await steering.channel_references(session)
    assert [(c.conversation_id, c.team_id) for c in channels] == [(CHANNEL_ID, TEAM_ID)]
    # The team is greeted; the greeting says what the channel gets.
    assert "sammanställningar" in cardtools.all_text(bot.connector.posted_cards()[0])
