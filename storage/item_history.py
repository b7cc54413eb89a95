"""Queries behind an item's history: its answers in every round, the review steps of its
owners' answers, and who has been connected to it (owners, delegates, answerers)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    OrgUnit,
    OrgUnitHead,
    Plan,
    PlanItem,
    ReportingRound,
    Response,
    Review,
    RoundItem,
)

MAX_MATCHES = 50
# The audit action of a hand-over (services.standins.handover), which the history shows.
HANDOVER_ACTION = "items.handover"


async def answers_of_item(
    session: AsyncSession, item_id: int
) -> list[tuple[Response, ReportingRound]]:
    """Every stored revision of the item, in every round, with its round."""
    query = (
        select(Response, ReportingRound)
        .join(ReportingRound, ReportingRound.id == Response.round_id)
        .where(Response.item_id == item_id)
        .order_by(ReportingRound.opens_at, ReportingRound.id, Response.revision)
    )
    return [(r, rnd) for r, rnd in (await session.execute(query)).all()]


async def round_owners_of_item(session: AsyncSession, item_id: int) -> dict[int, int]:
    """round id -> the owner the item had in that round."""
    query = select(RoundItem.round_id, RoundItem.owner_id).where(RoundItem.item_id == item_id)
    return {round_id: owner_id for round_id, owner_id in (await session.execute(query)).all()}


async def reviews_of(
    session: AsyncSession, pairs: Sequence[tuple[int, int]]
) -> list[tuple[Review, ReportingRound]]:
    """The review steps of these (round, owner) pairs, oldest first."""
    if not pairs:
        return []
    query = (
        select(Review, ReportingRound)
        .join(ReportingRound, ReportingRound.id == Review.round_id)
        .where(or_(*((Review.round_id == r) & (Review.owner_id == o) for r, o in pairs)))
        .order_by(Review.at, Review.id)
    )
    return [(review, rnd) for review, rnd in (await session.execute(query)).all()]


async def answerers_of_item(session: AsyncSession, item_id: int) -> set[int]:
    query = select(Response.answered_by_id).where(Response.item_id == item_id).distinct()
    return set((await session.execute(query)).scalars())


async def matching_items(session: AsyncSession, said: str) -> list[tuple[PlanItem, Plan]]:
    """Active items whose key is ``said`` (any case); failing that, whose title holds it."""
    wanted = said.strip().lower()
    base = (
        select(PlanItem, Plan)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(PlanItem.active.is_(True))
        .order_by(Plan.key, PlanItem.position, PlanItem.id)
        .limit(MAX_MATCHES)
    )
    by_key = await session.execute(base.where(func.lower(PlanItem.key) == wanted))
    found = [(item, plan) for item, plan in by_key.all()]
    if found or not wanted:
        return found
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    by_title = await session.execute(
        base.where(func.lower(PlanItem.title).like(f"%{escaped}%", escape="\\"))
    )
    return [(item, plan) for item, plan in by_title.all()]


async def heads_of_unit_and_above(session: AsyncSession, unit_id: int | None) -> set[int]:
    """The heads of the unit and of every unit above it."""
    heads: set[int] = set()
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        head = await session.get(OrgUnitHead, unit_id)
        if head is not None:
            heads.add(head.person_id)
        unit = await session.get(OrgUnit, unit_id)
        unit_id = None if unit is None else unit.parent_id
    return heads


async def handovers_of_item(session: AsyncSession, item_id: int) -> list[AuditEntry]:
    """The hand-overs that moved the item (the audit log keeps them; few rows)."""
    query = select(AuditEntry).where(AuditEntry.action == HANDOVER_ACTION).order_by(AuditEntry.id)
    return [
        entry
        for entry in (await session.execute(query)).scalars()
        if item_id in (entry.details or {}).get("item_ids", [])
    ]
