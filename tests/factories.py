"""Small builders for store rows, so tests read as the situation they set up."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ItemKind,
    OrgUnit,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    ReportRequest,
    RiskScale,
    RoundItem,
    RoundState,
    StatusScale,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TENANT_ID = "72f988bf-0000-4000-8000-000000000001"


def clock_from(start: datetime) -> Callable[[], datetime]:
    """A clock that reads ``start`` now and runs on at real speed: for workers that wait on
    real time (polls, retries) while what is due stays independent of today's date."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def object_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


async def person(
    session: AsyncSession,
    name: str,
    *,
    language: str = "sv",
    line_manager: Person | None = None,
) -> Person:
    slug = name.lower().replace(" ", ".")
    row = Person(
        entra_object_id=object_id(slug),
        upn=f"{slug}@region-exempel.se",
        display_name=name,
        preferred_language=language,
        line_manager_id=None if line_manager is None else line_manager.id,
    )
    session.add(row)
    await session.flush()
    return row


@dataclass
class RoundSetup:
    round: ReportingRound
    owner: Person
    delegate: Person
    other: Person
    strategy: PlanItem
    goal: PlanItem
    indicator: PlanItem
    risk: PlanItem
    request: ReportRequest
    other_request: ReportRequest
    other_item: PlanItem


async def open_round(
    session: AsyncSession,
    *,
    state: RoundState = RoundState.OPEN,
    deadline: datetime | None = None,
    owner_language: str = "sv",
) -> RoundSetup:
    """A round asking Anna about a goal, an indicator and a risk (Bo is delegate for the
    risk) and asking Cecilia about one activity."""
    unit = OrgUnit(key=f"RS-{uuid.uuid4().hex[:6]}", name="Regionstyrelsen")
    session.add(unit)
    owner = await person(session, "Anna Lindqvist", language=owner_language)
    delegate = await person(session, "Bo Ek")
    other = await person(session, "Cecilia Berg")
    plan = Plan(key=f"rs-{uuid.uuid4().hex[:6]}", name="Regionstyrelsens verksamhetsplan 2027")
    session.add(plan)
    await session.flush()

    def item(
        key: str,
        kind: ItemKind,
        title: str,
        owner_id: int,
        parent: PlanItem | None = None,
        **extra: object,
    ) -> PlanItem:
        row = PlanItem(
            plan_id=plan.id,
            key=key,
            kind=kind,
            title=title,
            owner_id=owner_id,
            parent_id=None if parent is None else parent.id,
            org_unit_id=unit.id,
            **extra,
        )
        session.add(row)
        return row

    strategy = item("S1", ItemKind.STRATEGY, "God och jämlik hälsa", owner.id)
    await session.flush()
    goal = item("M1", ItemKind.GOAL, "Kortare väntetider i vården", owner.id, strategy)
    await session.flush()
    indicator = item(
        "I1",
        ItemKind.INDICATOR,
        "Andel operationer inom 90 dagar",
        owner.id,
        goal,
        unit="%",
        target=Decimal("80"),
        position=1,
    )
    risk = item(
        "R1",
        ItemKind.RISK,
        "Brist på specialistsjuksköterskor",
        owner.id,
        goal,
        delegate_id=delegate.id,
        position=2,
    )
    other_item = item("A9", ItemKind.ACTIVITY, "Inför digitala vårdbesök", other.id, goal)
    await session.flush()

    status_scale = (await session.execute(select(StatusScale))).scalar_one()
    risk_scale = (await session.execute(select(RiskScale))).scalar_one()
    rnd = ReportingRound(
        key=f"t2-{uuid.uuid4().hex[:6]}",
        name="Tertial 2 2026",
        plan_id=plan.id,
        state=state,
        opens_at=NOW - timedelta(days=2),
        deadline_at=deadline or NOW + timedelta(days=7),
        status_scale_id=status_scale.id,
        risk_scale_id=risk_scale.id,
        ask_risk=True,
        comment_max_length=500,
    )
    session.add(rnd)
    await session.flush()
    session.add_all(
        [
            RoundItem(round_id=rnd.id, item_id=goal.id, owner_id=owner.id),
            RoundItem(round_id=rnd.id, item_id=indicator.id, owner_id=owner.id, ask_value=True),
            RoundItem(round_id=rnd.id, item_id=risk.id, owner_id=owner.id, ask_risk=True),
            RoundItem(round_id=rnd.id, item_id=other_item.id, owner_id=other.id),
        ]
    )
    request = ReportRequest(round_id=rnd.id, person_id=owner.id)
    other_request = ReportRequest(round_id=rnd.id, person_id=other.id)
    session.add_all([request, other_request])
    await session.commit()
    await session.refresh(rnd)
    return RoundSetup(
        rnd,
        owner,
        delegate,
        other,
        strategy,
        goal,
        indicator,
        risk,
        request,
        other_request,
        other_item,
    )
