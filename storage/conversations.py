"""Where the bot can reach people and channels proactively."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationKind, ConversationReference


async def upsert(
    session: AsyncSession,
    *,
    conversation_id: str,
    kind: ConversationKind,
    service_url: str,
    reference: dict[str, Any],
    person_id: int | None = None,
    user_aad_object_id: str | None = None,
    tenant_id: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
    bot_id: str | None = None,
    locale: str | None = None,
) -> ConversationReference:
    query = select(ConversationReference).where(
        ConversationReference.conversation_id == conversation_id
    )
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        row = ConversationReference(conversation_id=conversation_id, kind=kind)
        session.add(row)
    row.kind = kind
    row.service_url = service_url
    row.reference = reference
    row.person_id = person_id if person_id is not None else row.person_id
    row.user_aad_object_id = user_aad_object_id or row.user_aad_object_id
    row.tenant_id = tenant_id or row.tenant_id
    row.team_id = team_id or row.team_id
    row.channel_id = channel_id or row.channel_id
    row.bot_id = bot_id or row.bot_id
    row.locale = locale or row.locale
    await session.flush()
    return row


async def personal_reference(session: AsyncSession, person_id: int) -> ConversationReference | None:
    query = (
        select(ConversationReference)
        .where(
            ConversationReference.person_id == person_id,
            ConversationReference.kind == ConversationKind.PERSONAL,
        )
        .order_by(ConversationReference.updated_at.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def by_conversation_id(
    session: AsyncSession, conversation_id: str
) -> ConversationReference | None:
    query = select(ConversationReference).where(
        ConversationReference.conversation_id == conversation_id
    )
    return (await session.execute(query)).scalar_one_or_none()
