"""The demo's indicator history: "Tertial 1 2026" (closed, nothing asked) and values from
the stand-in data warehouse for Tertial 1–3 2026, so the cards and the digest show trends.
Most indicators close in on their targets; "Andel patienter som får operation inom 90 dagar"
(S1.M1.I1, target 80 %) climbs too slowly and is projected to miss it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import indicators as indicator_store
from storage.models import (
    ItemKind,
    Plan,
    PlanItem,
    ReportingRound,
    RiskScale,
    RoundState,
    StatusScale,
)

FIRST_KEY: Final = "demo-t1-2026"
SOURCE: Final = "datalagret"
MISS_KEY: Final = "S1.M1.I1"
MISS_SERIES: Final = (Decimal(66), Decimal(68), Decimal(70))
# Lower is better for these (by title): fewer days, injuries, emissions.
LOWER_WORDS: Final = (
    "väntetid",
    "vårdskador",
    "trycksår",
    "koldioxid",
    "suicidförsök",
    "skillnad",
    "energianvändning",
)
# Share of the way to the target per tertial, for the indicators on course.
ON_COURSE: Final = (Decimal("0.94"), Decimal("0.97"), Decimal("0.99"))


async def first_round(session: AsyncSession, plan: Plan, now: datetime) -> ReportingRound:
    """The closed "Tertial 1 2026": only a period for the warehouse's values."""
    found = (
        await session.execute(select(ReportingRound).where(ReportingRound.key == FIRST_KEY))
    ).scalar_one_or_none()
    if found is not None:
        return found
    rnd = ReportingRound(
        key=FIRST_KEY,
        name="Tertial 1 2026",
        plan_id=plan.id,
        period_label="Tertial 1 2026",
        state=RoundState.CLOSED,
        opens_at=now - timedelta(days=240),
        deadline_at=now - timedelta(days=210),
        closed_at=now - timedelta(days=209),
        status_scale_id=(await session.execute(select(StatusScale.id).limit(1))).scalar_one(),
        risk_scale_id=(await session.execute(select(RiskScale.id).limit(1))).scalar_one(),
        created_by="demo",
    )
    session.add(rnd)
    await session.flush()
    return rnd


def _series(item: PlanItem) -> tuple[Decimal, ...]:
    if item.key == MISS_KEY:
        return MISS_SERIES
    target = item.target or Decimal(0)
    if item.direction == "lower":
        return tuple((target * (2 - share)).quantize(Decimal("0.01")) for share in ON_COURSE)
    return tuple((target * share).quantize(Decimal("0.01")) for share in ON_COURSE)


async def load_demo_values(session: AsyncSession, plan: Plan, rounds: list[ReportingRound]) -> None:
    """The values of ``rounds`` (oldest first) for every indicator; loading twice adds
    nothing. Sets the lower-is-better direction the sample plan file leaves out."""
    query = select(PlanItem).where(
        PlanItem.plan_id == plan.id, PlanItem.kind == ItemKind.INDICATOR, PlanItem.active
    )
    for item in (await session.scalars(query)).all():
        if item.direction is None and any(w in item.title.lower() for w in LOWER_WORDS):
            item.direction = "lower"
        if item.target is None:
            continue
        for rnd, value in zip(rounds, _series(item), strict=True):
            await indicator_store.append_value(
                session,
                item_id=item.id,
                period=indicator_store.round_period(rnd),
                value=value,
                source=SOURCE,
                as_of=_as_of(rnd),
                recorded_by="demo",
            )


def _as_of(rnd: ReportingRound) -> date:
    return (rnd.deadline_at - timedelta(days=3)).date()
