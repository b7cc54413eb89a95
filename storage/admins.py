"""Admins added in Teams. The bootstrap list (LAGESBOT_ADMINS) lives in the settings; these
rows add to it. A grant is never deleted: removing it stamps who removed it and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AdminGrant


def identity_of(value: str) -> str:
    """Object ids and UPNs are compared case-insensitively, as LAGESBOT_ADMINS is."""
    return value.strip().lower()


async def current_grants(session: AsyncSession) -> list[AdminGrant]:
    query = select(AdminGrant).where(AdminGrant.removed_at.is_(None)).order_by(AdminGrant.id)
    return list((await session.execute(query)).scalars())


async def granted_identities(session: AsyncSession) -> set[str]:
    query = select(AdminGrant.identity).where(AdminGrant.removed_at.is_(None))
    return set((await session.execute(query)).scalars())


async def grant(
    session: AsyncSession, identity: str, *, display_name: str | None, actor: str, now: datetime
) -> tuple[AdminGrant, bool]:
    """The current grant of ``identity``, made now unless there is one; and whether it is new."""
    key = identity_of(identity)
    query = select(AdminGrant).where(AdminGrant.identity == key, AdminGrant.removed_at.is_(None))
    existing = (await session.execute(query)).scalars().first()
    if existing is not None:
        return existing, False
    row = AdminGrant(identity=key, display_name=display_name, added_by=actor, added_at=now)
    session.add(row)
    await session.flush()
    return row, True


async def revoke(
    session: AsyncSession, grant_id: int, *, actor: str, now: datetime
) -> AdminGrant | None:
    """Ends the grant (all current grants of its identity); None if it was already ended."""
    row = await session.get(AdminGrant, grant_id)
    if row is None or row.removed_at is not None:
        return None
    query = select(AdminGrant).where(
        AdminGrant.identity == row.identity, AdminGrant.removed_at.is_(None)
    )
    for current in (await session.execute(query)).scalars():
        current.removed_at = now
        current.removed_by = actor
    await session.flush()
    return row
