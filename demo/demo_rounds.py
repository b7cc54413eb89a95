"""The demo's rounds: a closed "Tertial 2" with answers, so cards show last round's answer,
and an open "Tertial 3" that the demo manager answers in the Playground."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.demo_indicators import first_round, load_demo_values
from services.followup import rounds
from services.followup.round_admin import close_round
from services.graph.interface import Graph
from services.reporting.intranet import publish_round
from storage import rounds as round_store
from storage.models import (
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    Response,
    ResponseSource,
    RiskScale,
    RoundItem,
    RoundState,
    RoundSummary,
    StatusScale,
)

DEMO_ACTOR = "demo"
PREVIOUS_KEY = "demo-t2-2026"
CURRENT_KEY = "demo-t3-2026"
_COMMENTS = [
    "Arbetet följer tidplanen.",
    "Försenat på grund av vakanser, åtgärdsplan tas fram.",
    "Upphandlingen är klar, införande pågår.",
    "Avvaktar beslut i nämnden.",
    "Klart enligt plan.",
]


@dataclass(frozen=True)
class DemoRound:
    round: ReportingRound
    manager: Person
    items: int


async def _round(
    session: AsyncSession, key: str, name: str, plan: Plan, opens: datetime, deadline: datetime
) -> ReportingRound:
    existing = await round_store.get_round_by_key(session, key)
    if existing is not None:
        return existing
    status_scale = (await session.execute(select(StatusScale).limit(1))).scalar_one()
    risk_scale = (await session.execute(select(RiskScale).limit(1))).scalar_one()
    rnd = ReportingRound(
        key=key,
        name=name,
        plan_id=plan.id,
        period_label=name,
        opens_at=opens,
        deadline_at=deadline,
        status_scale_id=status_scale.id,
        risk_scale_id=risk_scale.id,
        ask_risk=True,
        created_by="demo",
    )
    session.add(rnd)
    await session.flush()
    await session.refresh(rnd)
    return rnd


async def demo_manager(session: AsyncSession, plan: Plan) -> Person:
    """The person the Playground user plays: the one who owns the most items of the plan,
    but few enough that the card reads well."""
    counts = (
        select(PlanItem.owner_id, func.count(PlanItem.id).label("n"))
        .where(PlanItem.plan_id == plan.id, PlanItem.active.is_(True))
        .group_by(PlanItem.owner_id)
        .subquery()
    )
    query = (
        select(Person)
        .join(counts, counts.c.owner_id == Person.id)
        .where(counts.c.n.between(3, 12), Person.entra_object_id.is_not(None))
        .order_by(counts.c.n.desc(), Person.id)
        .limit(1)
    )
    person = (await session.execute(query)).scalar_one_or_none()
    if person is None:
        raise LookupError("the sample plan has no owner with 3-12 items")
    return person


async def ensure_demo_rounds(session: AsyncSession, *, plan_key: str, now: datetime) -> DemoRound:
    plan = (await session.execute(select(Plan).where(Plan.key == plan_key))).scalar_one()
    previous = await _round(
        session,
        PREVIOUS_KEY,
        "Tertial 2 2026",
        plan,
        now - timedelta(days=120),
        now - timedelta(days=90),
    )
    if previous.state != RoundState.CLOSED:
        await rounds.open_round(session, previous, now=now, actor="demo")
        await _answer_everything(session, previous, now - timedelta(days=91))
        # Closed the way an admin closes a round: its request jobs are cancelled (no
        # "Tertial 2" cards go out when the demo's workers start) and the summary is kept.
        await close_round(session, previous, now - timedelta(days=89), actor="demo")
    current = await _round(
        session,
        CURRENT_KEY,
        "Tertial 3 2026",
        plan,
        now - timedelta(days=1),
        now + timedelta(days=14),
    )
    current.previous_round_id = previous.id
    first = await first_round(session, plan, now)
    await load_demo_values(session, plan, [first, previous, current])
    manager = await demo_manager(session, plan)
    per_owner = await rounds.open_round(session, current, now=now, actor="demo")
    await session.flush()
    return DemoRound(current, manager, per_owner.get(manager.id, 0))


async def publish_demo_round(
    session: AsyncSession,
    graph: Graph,
    *,
    site_id: str,
    library_path: str,
    now: datetime,
    language: str = "sv",
) -> RoundSummary | None:
    """Publish the closed "Tertial 2" on the (demo) intranet the way the scheduler and
    `lagesbot publish` do (``services.reporting.intranet.publish_round``), unless it already is. The
    scheduler's own step only picks up rounds closed in the last two weeks, and the demo's
    round closed months ago. Returns the summary (its ``publish_error`` set when Graph
    failed), or None when there was nothing to publish."""
    query = (
        select(RoundSummary)
        .join(ReportingRound, ReportingRound.id == RoundSummary.round_id)
        .where(ReportingRound.key == PREVIOUS_KEY, ReportingRound.state == RoundState.CLOSED)
    )
    summary = (await session.execute(query)).scalar_one_or_none()
    if summary is None or summary.published_at is not None:
        return None
    return await publish_round(
        session,
        graph,
        round_key=PREVIOUS_KEY,
        site_id=site_id,
        library_path=library_path,
        now=now,
        actor=DEMO_ACTOR,
        language=language,
    )


async def _answer_everything(session: AsyncSession, rnd: ReportingRound, at: datetime) -> None:
    chooser = random.Random(rnd.key)  # the same demo every time
    round_items = (
        await session.execute(select(RoundItem).where(RoundItem.round_id == rnd.id))
    ).scalars()
    for round_item in round_items:
        status = chooser.choices(
            ["on_track", "deviation", "at_risk", "done", "not_started"], [50, 20, 10, 15, 5]
        )[0]
        session.add(
            Response(
                round_id=rnd.id,
                item_id=round_item.item_id,
                revision=1,
                status_key=status,
                likelihood=chooser.randint(1, 4) if round_item.ask_risk else None,
                consequence=chooser.randint(1, 4) if round_item.ask_risk else None,
                comment=chooser.choice(_COMMENTS),
                answered_by_id=round_item.owner_id,
                answered_at=at,
                source=ResponseSource.IMPORT,
            )
        )
    await session.flush()
