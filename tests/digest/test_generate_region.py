"""The synthetic region behind the digest benchmark and demo seeding: deterministic, and a
digest over it is consistent with what was generated (a short smoke run, not the benchmark)."""

from __future__ import annotations

from pandas.testing import assert_frame_equal
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.generate_region import RegionSpec, generate
from services.reporting import digest_source
from storage.db import create_session_factory
from storage.digest_queries import Scope
from storage.models import Person, ReportingRound, RoundState

SPEC = RegionSpec(items=400, rounds=3, departments=2, units_per_department=3, goals=20)


async def test_a_generated_region_gives_a_consistent_digest(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        region = await generate(conn, SPEC)
    assert region.plan_items == 400 and len(region.round_ids) == 3
    async with create_session_factory(engine)() as session:
        rounds = (
            (await session.execute(select(ReportingRound).order_by(ReportingRound.id)))
            .scalars()
            .all()
        )
        assert [r.state for r in rounds] == [RoundState.CLOSED, RoundState.CLOSED, RoundState.OPEN]
        assert rounds[2].previous_round_id == rounds[1].id
        # Everyone but the region director has a line manager.
        without_manager = select(func.count(Person.id)).where(Person.line_manager_id.is_(None))
        assert (await session.execute(without_manager)).scalar_one() == 1

        digest = await digest_source.load_digest(
            session, rounds[2], Scope(org_units=(region.root_unit_key,))
        )
        # Every item but the strategies is asked, every round.
        assert digest.rate.items == 400 - SPEC.strategies == region.round_items // 3
        assert 0 < digest.rate.answered < digest.rate.items
        assert len(digest.by_strategy) == SPEC.strategies
        assert int(digest.by_strategy["total"].sum()) == digest.rate.items
        assert not digest.changes.empty and not digest.risks.empty
        assert set(digest.changes["change"]) <= {"better", "worse"}


async def test_the_same_seed_gives_the_same_region(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    async with engine.begin() as conn:
        first = await generate(conn, SPEC)
    async with engine.begin() as conn:
        second = await generate(conn, RegionSpec(**{**SPEC.__dict__, "prefix": "again"}))
    digests = []
    for region in (first, second):
        rnd = await session.get(ReportingRound, region.round_ids[-1])
        assert rnd is not None
        d = await digest_source.load_digest(session, rnd, Scope())
        digests.append(d)
    a, b = digests
    assert a.rate == b.rate
    assert_frame_equal(
        a.by_strategy.drop(columns="strategy_id"), b.by_strategy.drop(columns="strategy_id")
    )
    assert list(a.changes["change"]) == list(b.changes["change"])
    assert list(a.risks["score"]) == list(b.risks["score"])


async def test_a_region_with_fewer_case_officers_than_units_still_generates(
    engine: AsyncEngine,
) -> None:
    # 600 items over the default 8 × 12 units: some units get no case officer of their own.
    spec = RegionSpec(items=600, rounds=2, prefix="small")
    async with engine.begin() as conn:
        region = await generate(conn, spec)
    assert region.plan_items == 600
    assert region.round_items == 2 * (600 - spec.strategies)
