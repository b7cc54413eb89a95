"""Queries on plans and their items."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Plan, PlanItem


async def get_plan_by_key(session: AsyncSession, key: str) -> Plan | None:
    query = select(Plan).where(Plan.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def items_of_plan(
    session: AsyncSession, plan_id: int, *, include_inactive: bool = False
) -> list[PlanItem]:
    query = select(PlanItem).where(PlanItem.plan_id == plan_id)
    if not include_inactive:
        query = query.where(PlanItem.active.is_(True))
    query = query.order_by(PlanItem.parent_id.is_not(None), PlanItem.position, PlanItem.id)
    return list((await session.execute(query)).scalars())


async def all_plans(session: AsyncSession) -> list[Plan]:
    return list((await session.execute(select(Plan).order_by(Plan.key))).scalars())
