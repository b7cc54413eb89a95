"""Queries on status and risk scales (scales are data, see migration 0002)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReportingRound, RiskScale, StatusScale


async def status_scales(session: AsyncSession) -> list[StatusScale]:
    return list((await session.execute(select(StatusScale).order_by(StatusScale.key))).scalars())


async def risk_scales(session: AsyncSession) -> list[RiskScale]:
    return list((await session.execute(select(RiskScale).order_by(RiskScale.key))).scalars())


async def get_risk_scale_by_key(session: AsyncSession, key: str) -> RiskScale | None:
    query = select(RiskScale).where(RiskScale.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def rounds_using_risk_scale(session: AsyncSession, scale_id: int) -> int:
    query = select(func.count(ReportingRound.id)).where(ReportingRound.risk_scale_id == scale_id)
    return int((await session.execute(query)).scalar_one())
