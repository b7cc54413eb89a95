"""A round's attainment from the store: the indicators in the digest's scope, their values
over the plan's rounds up to this one, handed to ``services.goals.rollup``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.goals.rollup import Attainment, compute_attainment
from services.reporting.digest import DigestFrames
from storage.indicators import indicator_frame, plan_rounds, values_frame
from storage.models import Plan, ReportingRound


async def load_attainment(
    session: AsyncSession, rnd: ReportingRound, frames: DigestFrames
) -> Attainment:
    plan = await session.get(Plan, rnd.plan_id)
    assert plan is not None  # a round's plan is a foreign key
    asked = frames.items.loc[frames.items["kind"].astype(str) == "indicator", "item_id"]
    indicators = await indicator_frame(session, plan, [int(i) for i in asked])
    rounds = await plan_rounds(session, plan.id, until=rnd.opens_at)
    if all(r.id != rnd.id for r in rounds):
        rounds.append(rnd)
    ids = [int(i) for i in indicators["item_id"]]
    values = await values_frame(session, rounds, ids)
    return compute_attainment(frames, indicators, values, rnd.id)
