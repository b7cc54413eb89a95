"""Steering groups: their channel, their scope, and the digest cards posted to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ConversationKind,
    ConversationReference,
    DigestPost,
    SteeringGroup,
)

THREAD_MARK = ";messageid="


def channel_conversation_id(conversation_id: str) -> str:
    """A channel's own conversation id. A message in a reply thread carries the thread's id
    (``19:…@thread.tacv2;messageid=123``); digests go to the channel, as new posts."""
    return conversation_id.split(THREAD_MARK, 1)[0]


async def get_group(session: AsyncSession, key: str) -> SteeringGroup | None:
    query = select(SteeringGroup).where(SteeringGroup.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def list_groups(session: AsyncSession) -> list[SteeringGroup]:
    return list(
        (await session.execute(select(SteeringGroup).order_by(SteeringGroup.key))).scalars()
    )


async def groups_with_channels(
    session: AsyncSession,
) -> list[tuple[SteeringGroup, ConversationReference]]:
    """Active groups that have a channel to post to."""
    query = (
        select(SteeringGroup, ConversationReference)
        .join(
            ConversationReference,
            ConversationReference.id == SteeringGroup.conversation_reference_id,
        )
        .where(SteeringGroup.active.is_(True))
        .order_by(SteeringGroup.id)
    )
    return [(group, ref) for group, ref in (await session.execute(query)).all()]


async def channel_of(session: AsyncSession, group: SteeringGroup) -> ConversationReference | None:
    if group.conversation_reference_id is None:
        return None
    return await session.get(ConversationReference, group.conversation_reference_id)


async def groups_for_channel(
    session: AsyncSession, conversation_id: str, teams_channel_id: str | None = None
) -> list[SteeringGroup]:
    """The active groups bound to the channel a message came from (matched on the channel's
    conversation id, or on Teams' channel id when the reference was stored from another
    thread of it)."""
    match = ConversationReference.conversation_id == channel_conversation_id(conversation_id)
    if teams_channel_id:
        match = or_(match, ConversationReference.channel_id == teams_channel_id)
    query = (
        select(SteeringGroup)
        .join(
            ConversationReference,
            ConversationReference.id == SteeringGroup.conversation_reference_id,
        )
        .where(match, SteeringGroup.active.is_(True))
        .order_by(SteeringGroup.key)
    )
    return list((await session.execute(query)).scalars())


async def channel_references(session: AsyncSession) -> list[ConversationReference]:
    """Channels the bot has been added to (captured on install), newest first."""
    query = (
        select(ConversationReference)
        .where(ConversationReference.kind == ConversationKind.CHANNEL)
        .order_by(ConversationReference.updated_at.desc(), ConversationReference.id.desc())
    )
    return list((await session.execute(query)).scalars())


async def save_group(
    session: AsyncSession,
    *,
    key: str,
    name: str | None = None,
    scope: dict[str, Any] | None = None,
    conversation_reference_id: int | None = None,
    digest_weekday: int | bool | None = False,
    digest_hour: int | None = None,
    time_zone: str | None = None,
    language: str | None = None,
    created_by: str | None = None,
) -> tuple[SteeringGroup, bool]:
    """Creates the group or changes the given fields of an existing one (``None`` leaves a
    field as it is; ``digest_weekday`` uses ``False`` for that, since ``None`` turns the
    weekly digest off). Returns the group and whether it was created."""
    group = await get_group(session, key)
    created = group is None
    if group is None:
        group = SteeringGroup(key=key, name=name or key, scope={}, created_by=created_by)
        session.add(group)
    if name is not None:
        group.name = name
    if scope is not None:
        group.scope = scope
    if conversation_reference_id is not None:
        group.conversation_reference_id = conversation_reference_id
    if digest_weekday is not False:
        group.digest_weekday = None if digest_weekday is None else int(digest_weekday)
    if digest_hour is not None:
        group.digest_hour = digest_hour
    if time_zone is not None:
        group.time_zone = time_zone
    if language is not None:
        group.language = language
    await session.flush()
    if created and digest_weekday is None and group.digest_weekday is not None:
        # On INSERT the column's default (Monday) wins over a None; "off" is set afterwards.
        group.digest_weekday = None
        await session.flush()
    return group, created


async def digest_post(session: AsyncSession, group_id: int, round_id: int) -> DigestPost | None:
    query = select(DigestPost).where(
        DigestPost.steering_group_id == group_id, DigestPost.round_id == round_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def record_digest_post(
    session: AsyncSession,
    *,
    group_id: int,
    round_id: int,
    conversation_id: str,
    activity_id: str | None,
    occasion: str,
    content_hash: str | None,
    posted_at: datetime,
) -> DigestPost:
    post = await digest_post(session, group_id, round_id)
    if post is None:
        post = DigestPost(steering_group_id=group_id, round_id=round_id)
        session.add(post)
    post.conversation_id = conversation_id
    # An update job that came back without an id replaced the same activity.
    post.activity_id = activity_id or post.activity_id
    post.occasion = occasion
    post.content_hash = content_hash
    post.posted_at = posted_at
    await session.flush()
    return post
