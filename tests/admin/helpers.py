"""A small region for round administration: an org tree, people and a plan whose items sit
in different units and are of different kinds, so scope choices change who is asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    ItemKind,
    OrgUnit,
    OutboxJob,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
)
from tests.factories import NOW, object_id, person

ADMIN_NAME = "Agneta Admin"
UPN_ADMIN_NAME = "Ulf Upn"
ADMIN_OBJECT_ID = object_id("agneta.admin")
UPN_ADMIN = "ulf.upn@region-exempel.se"
PLAN_KEY = "rs-vp-2027"


@dataclass
class Region:
    plan: Plan
    anna: Person  # HSF-KIR: a goal, an indicator and a risk
    bo: Person  # HSF-KIR: one activity
    cecilia: Person  # RUN: one goal and one activity
    admin: Person
    upn_admin: Person
    items: dict[str, PlanItem]


async def region(session: AsyncSession) -> Region:
    rs = OrgUnit(key="RS", name="Regionstyrelsen")
    session.add(rs)
    await session.flush()
    hsn = OrgUnit(key="HSN", name="Hälso- och sjukvårdsnämnden", parent_id=rs.id)
    run = OrgUnit(key="RUN", name="Regional utvecklingsnämnd", parent_id=rs.id)
    session.add_all([hsn, run])
    await session.flush()
    kir = OrgUnit(key="HSF-KIR", name="Kirurgiska kliniken", parent_id=hsn.id)
    session.add(kir)
    anna = await person(session, "Anna Lindqvist")
    bo = await person(session, "Bo Ek")
    cecilia = await person(session, "Cecilia Berg")
    admin = await person(session, ADMIN_NAME)
    upn_admin = await person(session, UPN_ADMIN_NAME)
    plan = Plan(key=PLAN_KEY, name="Regionstyrelsens verksamhetsplan 2027", period="2027")
    session.add(plan)
    await session.flush()
    items: dict[str, PlanItem] = {}

    def item(key: str, kind: ItemKind, title: str, owner: Person, unit: OrgUnit) -> None:
        row = PlanItem(
            plan_id=plan.id,
            key=key,
            kind=kind,
            title=title,
            owner_id=owner.id,
            org_unit_id=unit.id,
            position=len(items),
        )
        session.add(row)
        items[key] = row

    item("S1", ItemKind.STRATEGY, "God och jämlik hälsa", anna, hsn)
    item("M1", ItemKind.GOAL, "Kortare väntetider i vården", anna, kir)
    item("I1", ItemKind.INDICATOR, "Andel operationer inom 90 dagar", anna, kir)
    item("R1", ItemKind.RISK, "Brist på specialistsjuksköterskor", anna, kir)
    item("A1", ItemKind.ACTIVITY, "Inför digitala vårdbesök", bo, kir)
    item("M2", ItemKind.GOAL, "Fler företag i regionen", cecilia, run)
    item("A2", ItemKind.ACTIVITY, "Starta innovationsslussen", cecilia, run)
    await session.commit()
    return Region(plan, anna, bo, cecilia, admin, upn_admin, items)


def values(**overrides: Any) -> dict[str, Any]:
    """A valid round as typed: Tertial 1 2027 over the whole plan, opening after NOW."""
    base: dict[str, Any] = {
        "name": "Tertial 1 2027",
        "plan": PLAN_KEY,
        "opens": "2026-11-23 13:00",
        "deadline": "2026-12-04 16:00",
        "reminders": "3, 1",
        "escalation": "2",
    }
    base.update(overrides)
    return base


async def count(session: AsyncSession, model: Any, *where: Any) -> int:
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return int((await session.execute(query)).scalar_one())


async def rounds_stored(session: AsyncSession) -> int:
    return await count(session, ReportingRound)


async def audit_actions(session: AsyncSession) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.id)
    return list((await session.execute(query)).scalars())


async def outbox_jobs(session: AsyncSession, round_id: int) -> list[OutboxJob]:
    query = select(OutboxJob).where(OutboxJob.round_id == round_id).order_by(OutboxJob.id)
    return list((await session.execute(query)).scalars())


def at(text: str) -> datetime:
    """A UTC moment written as ISO text, for readable expectations."""
    return datetime.fromisoformat(text)


__all__ = ["NOW"]
