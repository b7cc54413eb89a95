"""The demo's Teams, as Microsoft 365 Agents Playground emulates it, and what the store keeps
about it.

The Playground that ``lagesbot demo`` starts is a Bot Connector of its own: in anonymous mode
it serves ``v3/conversations`` at ``http://localhost:<port>/_connector``, so the outbox sender
delivers the demo's cards there exactly as it does to Teams. Its config file
(``cli/demo_command.py`` writes it from the ids below) names the tenant, the bot, the current
user's 1:1 chat and one team with the channel "Uppföljning". Its users are the sample region's
people with their Entra object ids as their ids: the sender opens a chat with someone it never
talked to by ``POST v3/conversations`` with the person's object id (which Teams accepts), and
the Playground looks members up by id.

The Playground keeps its chats in memory and starts empty every time. So at each start the
demo forgets the chats an earlier Playground made up (the sender opens them again the next
time it writes to someone) and points the chats the config fixes, the demo manager's 1:1 chat
and the channel, at the Playground's current address. The channel belongs to the steering
group ``rs`` (the whole plan), so ``sammanfattning`` works there from the start and an admin
can ``koppla styrgrupp rs`` in another channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, conversations, steering
from storage.digest_queries import Scope
from storage.models import ConversationKind, ConversationReference, Person, SteeringGroup

TENANT_ID: Final = "11111111-2222-4333-8444-555555555555"
BOT_ID: Final = "28:lagesbot-demo"
BOT_NAME: Final = "Lägesbot"
PERSONAL_CHAT_ID: Final = "personal-chat-1"
GROUP_CHAT_ID: Final = "group-chat-1"
GROUP_CHAT_NAME: Final = "Ledningsgrupp"
TEAM_ID: Final = "team-1"
TEAM_NAME: Final = "Regionstyrelsens styrgrupp"
TEAM_AAD_GROUP_ID: Final = "00000000-0000-4000-8000-000000000031"
CHANNEL_ID: Final = "channel-1"
CHANNEL_NAME: Final = "Uppföljning"
STEERING_GROUP_KEY: Final = "rs"
STEERING_GROUP_UNITS: Final = ("RS",)
DEMO_ACTOR: Final = "demo"
# The fixed chats are stored as if the bot had been installed the day before: a conversation
# written in the last minute is not greeted again (dialogs/installation.py), and the first
# visit to the Playground should be greeted.
INSTALLED_BEFORE: Final = timedelta(days=1)
CONNECTOR_PATH: Final = "/_connector"


def connector_url(port: int) -> str:
    """Where a Playground listening on ``port`` serves the Bot Connector API (the
    ``serviceUrl`` of its activities)."""
    return f"http://localhost:{port}{CONNECTOR_PATH}"


def _is_playground(service_url: str) -> bool:
    return service_url.startswith("http://localhost:") and service_url.endswith(CONNECTOR_PATH)


async def connect_demo_teams(
    session: AsyncSession, *, manager: Person, service_url: str, now: datetime
) -> SteeringGroup:
    """Point the store at the Playground at ``service_url``: forget the chats an earlier
    Playground made up, keep the manager's 1:1 chat and the channel, and make sure the
    steering group ``rs`` exists (bound to the channel when it is created). Returns it."""
    await _forget_made_up_chats(session)
    await _fixed_conversation(
        session,
        conversation_id=PERSONAL_CHAT_ID,
        kind=ConversationKind.PERSONAL,
        service_url=service_url,
        reference=_reference(
            service_url,
            {"conversationType": "personal", "id": PERSONAL_CHAT_ID, "tenantId": TENANT_ID},
            user={"id": manager.entra_object_id, "aadObjectId": manager.entra_object_id},
        ),
        now=now,
        person_id=manager.id,
        user_aad_object_id=manager.entra_object_id,
    )
    channel = await _fixed_conversation(
        session,
        conversation_id=CHANNEL_ID,
        kind=ConversationKind.CHANNEL,
        service_url=service_url,
        reference=_reference(
            service_url,
            {
                "isGroup": True,
                "conversationType": "channel",
                "id": CHANNEL_ID,
                "name": CHANNEL_NAME,
                "tenantId": TENANT_ID,
            },
        ),
        now=now,
        team_id=TEAM_ID,
        channel_id=CHANNEL_ID,
    )
    return await _steering_group(session, channel)


def _reference(
    service_url: str, conversation: dict[str, Any], user: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A conversation reference shaped like the ones the bot stores from the Playground's
    own activities."""
    reference: dict[str, Any] = {
        "bot": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": conversation,
        "channelId": "msteams",
        "serviceUrl": service_url,
    }
    if user is not None:
        reference["user"] = user
    return reference


async def _forget_made_up_chats(session: AsyncSession) -> None:
    """1:1 and group chats the sender opened in an earlier Playground exist no more; a card
    posted there would come back 404. Only local Playground addresses are touched, so a demo
    run on a store that also serves Teams leaves Teams' chats alone."""
    query = select(ConversationReference.id, ConversationReference.service_url).where(
        ConversationReference.kind != ConversationKind.CHANNEL,
        ConversationReference.conversation_id != PERSONAL_CHAT_ID,
    )
    stale = [row_id for row_id, url in (await session.execute(query)).all() if _is_playground(url)]
    if stale:
        await session.execute(
            delete(ConversationReference).where(ConversationReference.id.in_(stale))
        )


async def _fixed_conversation(
    session: AsyncSession,
    *,
    conversation_id: str,
    kind: ConversationKind,
    service_url: str,
    reference: dict[str, Any],
    now: datetime,
    **columns: Any,
) -> ConversationReference:
    existing = await conversations.by_conversation_id(session, conversation_id)
    if existing is None:
        row = ConversationReference(
            conversation_id=conversation_id,
            kind=kind,
            service_url=service_url,
            reference=reference,
            tenant_id=TENANT_ID,
            bot_id=BOT_ID,
            updated_at=now - INSTALLED_BEFORE,
            **columns,
        )
        session.add(row)
        await session.flush()
        return row
    if existing.service_url != service_url:
        # Another port than last time. Written with its own updated_at, so this is not
        # taken for a fresh installation (which would hold back the greeting).
        stored = {**existing.reference, "serviceUrl": service_url}
        await session.execute(
            update(ConversationReference)
            .where(ConversationReference.id == existing.id)
            .values(
                service_url=service_url,
                reference=stored,
                updated_at=ConversationReference.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
        await session.refresh(existing)
    return existing


async def _steering_group(session: AsyncSession, channel: ConversationReference) -> SteeringGroup:
    group = await steering.get_group(session, STEERING_GROUP_KEY)
    if group is not None:
        # Kept as it is: an admin may have bound it to another channel or changed it.
        return group
    group, _ = await steering.save_group(
        session,
        key=STEERING_GROUP_KEY,
        name=TEAM_NAME,
        scope=Scope(org_units=STEERING_GROUP_UNITS).as_dict(),
        conversation_reference_id=channel.id,
        # No weekly digest: the demo's channel gets the digest on request, at the
        # deadline and at close.
        digest_weekday=None,
        language="sv",
        created_by=DEMO_ACTOR,
    )
    audit.record(
        session,
        actor=DEMO_ACTOR,
        action="steering_group.create",
        target_type="steering_group",
        target_id=group.id,
        details={"key": group.key, "conversation_id": channel.conversation_id},
    )
    return group
