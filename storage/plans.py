"""Queries on plans and their items."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Plan, PlanItem


async def get_plan_by_key(session: AsyncSession, key: str) -> Plan | None:
    query = select(Plan).where(Plan.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def get_item(session: AsyncSession, item_id: int) -> PlanItem | None:
    return await session.get(PlanItem, item_id)


async def get_item_by_key(session: AsyncSession, plan_id: int, key: str) -> PlanItem | None:
    query = select(PlanItem).where(PlanItem.plan_id == plan_id, PlanItem.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def items_of_plan(
    session: AsyncSession, plan_id: int, *, include_inactive: bool = False
) -> list[PlanItem]:
    query = select(PlanItem).where(PlanItem.plan_id == plan_id)
    if not include_inactive:
        query = query.where(PlanItem.active.is_(True))
    query = query.order_by(PlanItem.parent_id.is_not(None), PlanItem.position, PlanItem.id)
    return list((await session.execute(query)).scalars())


async def item_path(session: AsyncSession, item_id: int) -> list[PlanItem]:
    """The item and its ancestors, root first (e.g. strategy > goal > indicator).

    One query per level: plans are a handful of levels deep."""
    path: list[PlanItem] = []
    seen: set[int] = set()
    current = await session.get(PlanItem, item_id)
    while current is not None and current.id not in seen:
        seen.add(current.id)
        path.append(current)
        current = (
            None if current.parent_id is None else await session.get(PlanItem, current.parent_id)
        )
    path.reverse()
    return path


async def items_owned_by(
    session: AsyncSession,
    person_id: int,
    *,
    plan_id: int | None = None,
    include_inactive: bool = False,
) -> list[PlanItem]:
    """Items the person answers for, as owner or as delegate."""
    query = select(PlanItem).where(
        or_(PlanItem.owner_id == person_id, PlanItem.delegate_id == person_id)
    )
    if plan_id is not None:
        query = query.where(PlanItem.plan_id == plan_id)
    if not include_inactive:
        query = query.where(PlanItem.active.is_(True))
    query = query.order_by(PlanItem.plan_id, PlanItem.position, PlanItem.id)
    return list((await session.execute(query)).scalars())
