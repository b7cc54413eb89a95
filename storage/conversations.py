"""Where the bot can reach people and channels proactively."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationKind, ConversationReference

# Columns an upsert only overwrites when the caller knows a value; the stored one stays
# otherwise (a proactive send does not know the team, a channel has no person).
_KEPT_WHEN_MISSING = (
    "person_id",
    "user_aad_object_id",
    "tenant_id",
    "team_id",
    "channel_id",
    "bot_id",
    "locale",
)


@dataclass(frozen=True)
class Upserted:
    reference: ConversationReference
    # The row was created by this call, or had not been written for the caller's quiet
    # period. Decided by the same statement that writes the row, so of two simultaneous
    # calls for one conversation exactly one sees True.
    fresh: bool


async def _write(
    session: AsyncSession, values: dict[str, Any], *, stale_before: datetime | None
) -> int | None:
    """One INSERT ... ON CONFLICT (conversation_id) DO UPDATE. With ``stale_before`` an
    existing row is only updated (and its id returned) when it was last written before then."""
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = postgresql.insert(ConversationReference).values(**values)
    else:
        statement = sqlite.insert(ConversationReference).values(**values)
    excluded = statement.excluded
    table = ConversationReference.__table__.c
    updates: dict[str, Any] = {
        "kind": excluded.kind,
        "service_url": excluded.service_url,
        "reference": excluded.reference,
        "updated_at": excluded.updated_at,
    }
    for name in _KEPT_WHEN_MISSING:
        updates[name] = func.coalesce(excluded[name], table[name])
    statement = statement.on_conflict_do_update(
        index_elements=["conversation_id"],
        set_=updates,
        where=table.updated_at < stale_before if stale_before is not None else None,
    ).returning(table.id)
    row_id = (await session.execute(statement)).scalar_one_or_none()
    return int(row_id) if row_id is not None else None


async def record(
    session: AsyncSession,
    *,
    conversation_id: str,
    kind: ConversationKind,
    service_url: str,
    reference: dict[str, Any],
    now: datetime,
    quiet: timedelta = timedelta(0),
    person_id: int | None = None,
    user_aad_object_id: str | None = None,
    tenant_id: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
    bot_id: str | None = None,
    locale: str | None = None,
) -> Upserted:
    """Store or refresh a conversation in single-statement upserts, so simultaneous calls
    for one conversation (Teams sends installationUpdate and conversationUpdate together)
    never collide on the unique conversation id. ``now`` is the caller's clock: the quiet
    period and "the newest reference" compare it with rows other callers wrote."""
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "kind": kind,
        "service_url": service_url,
        "reference": reference,
        "person_id": person_id,
        # Empty strings count as "not known", as before.
        "user_aad_object_id": user_aad_object_id or None,
        "tenant_id": tenant_id or None,
        "team_id": team_id or None,
        "channel_id": channel_id or None,
        "bot_id": bot_id or None,
        "locale": locale or None,
        "updated_at": now,
    }
    row_id = await _write(session, values, stale_before=now - quiet)
    fresh = row_id is not None
    if row_id is None:
        # Written within the quiet period (or at the same moment by another call): refresh
        # it unconditionally, still without a read-then-insert.
        row_id = await _write(session, values, stale_before=None)
    query = (
        select(ConversationReference)
        .where(ConversationReference.id == row_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(query)).scalar_one()
    return Upserted(reference=row, fresh=fresh)


async def upsert(
    session: AsyncSession,
    *,
    conversation_id: str,
    kind: ConversationKind,
    service_url: str,
    reference: dict[str, Any],
    now: datetime,
    person_id: int | None = None,
    user_aad_object_id: str | None = None,
    tenant_id: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
    bot_id: str | None = None,
    locale: str | None = None,
) -> ConversationReference:
    recorded = await record(
        session,
        conversation_id=conversation_id,
        kind=kind,
        service_url=service_url,
        reference=reference,
        now=now,
        person_id=person_id,
        user_aad_object_id=user_aad_object_id,
        tenant_id=tenant_id,
        team_id=team_id,
        channel_id=channel_id,
        bot_id=bot_id,
        locale=locale,
    )
    return recorded.reference


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


def id_column_length(name: str) -> int:
    """The longest text a column of conversation references holds (ids, locale)."""
    column_type = ConversationReference.__table__.c[name].type
    assert isinstance(column_type, String) and column_type.length is not None
    return column_type.length
