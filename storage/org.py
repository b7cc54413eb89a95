"""Queries on organisation units (the tree of nämnder, förvaltningar and enheter)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OrgUnit


async def get_unit_by_key(session: AsyncSession, key: str) -> OrgUnit | None:
    query = select(OrgUnit).where(OrgUnit.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def all_units(session: AsyncSession) -> list[OrgUnit]:
    return list((await session.execute(select(OrgUnit).order_by(OrgUnit.id))).scalars())


async def units_by_key(session: AsyncSession) -> dict[str, OrgUnit]:
    return {unit.key: unit for unit in await all_units(session)}


async def subtree_ids(session: AsyncSession, unit_id: int) -> set[int]:
    """The unit and everything below it; the whole tree is small, so one query and a walk."""
    children: dict[int | None, list[int]] = {}
    for uid, parent_id in (await session.execute(select(OrgUnit.id, OrgUnit.parent_id))).all():
        children.setdefault(parent_id, []).append(uid)
    found: set[int] = set()
    stack = [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found
