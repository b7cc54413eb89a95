"""The sample region shows attainment: three tertials of warehouse values for every
indicator, trends, and exactly one projected miss."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from demo.demo_rounds import CURRENT_KEY, ensure_demo_rounds
from demo.sample_region import PLAN_KEY, load_sample_region
from services.reporting.digest_source import load_digest
from storage import rounds as round_store
from storage.digest_queries import Scope
from tests.factories import NOW


async def test_the_demo_has_trends_and_one_projected_miss(session: AsyncSession) -> None:
    async with session.begin():
        await load_sample_region(session)
        await ensure_demo_rounds(session, plan_key=PLAN_KEY, now=NOW)
    async with session.begin():
        await ensure_demo_rounds(session, plan_key=PLAN_KEY, now=NOW)  # a second start
    current = await round_store.get_round_by_key(session, CURRENT_KEY)
    assert current is not None
    attainment = (await load_digest(session, current, Scope())).attainment
    assert attainment is not None
    assert (attainment.current["points"] == 3).all()
    assert attainment.misses["item_key"].tolist() == ["S1.M1.I1"]
    assert attainment.totals["total"] > 0 and attainment.totals["none"] < attainment.totals["total"]
