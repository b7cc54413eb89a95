"""Queries on reporting rounds, the items they ask about and the requests sent for them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PlanItem, ReportingRound, ReportRequest, RoundItem, RoundState


async def get_round(session: AsyncSession, round_id: int) -> ReportingRound | None:
    return await session.get(ReportingRound, round_id)


async def get_round_by_key(session: AsyncSession, key: str) -> ReportingRound | None:
    query = select(ReportingRound).where(ReportingRound.key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def get_request(session: AsyncSession, request_id: int) -> ReportRequest | None:
    return await session.get(ReportRequest, request_id)


async def request_for(session: AsyncSession, round_id: int, person_id: int) -> ReportRequest | None:
    query = select(ReportRequest).where(
        ReportRequest.round_id == round_id, ReportRequest.person_id == person_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def ensure_request(session: AsyncSession, round_id: int, person_id: int) -> ReportRequest:
    existing = await request_for(session, round_id, person_id)
    if existing is not None:
        return existing
    request = ReportRequest(round_id=round_id, person_id=person_id)
    session.add(request)
    await session.flush()
    return request


async def round_items_of_owner(
    session: AsyncSession, round_id: int, owner_id: int
) -> list[tuple[RoundItem, PlanItem]]:
    """The items a request covers, in plan order."""
    query = (
        select(RoundItem, PlanItem)
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(RoundItem.round_id == round_id, RoundItem.owner_id == owner_id)
        .order_by(PlanItem.position, PlanItem.id)
    )
    return [(ri, item) for ri, item in (await session.execute(query)).all()]


async def round_items_by_ids(
    session: AsyncSession, round_id: int, item_ids: Sequence[int]
) -> list[tuple[RoundItem, PlanItem]]:
    query = (
        select(RoundItem, PlanItem)
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(RoundItem.round_id == round_id, RoundItem.item_id.in_(list(item_ids)))
    )
    return [(ri, item) for ri, item in (await session.execute(query)).all()]


async def open_requests_of_person(
    session: AsyncSession, person_id: int
) -> list[tuple[ReportRequest, ReportingRound]]:
    """Requests the person must answer: their own, in rounds that are open."""
    query = (
        select(ReportRequest, ReportingRound)
        .join(ReportingRound, ReportingRound.id == ReportRequest.round_id)
        .where(ReportRequest.person_id == person_id, ReportingRound.state == RoundState.OPEN)
        .order_by(ReportingRound.deadline_at)
    )
    return [(req, rnd) for req, rnd in (await session.execute(query))]


async def delegated_requests_of_person(
    session: AsyncSession, person_id: int
) -> list[tuple[ReportRequest, ReportingRound]]:
    """Open requests of others that contain items this person is delegate for."""
    delegated = (
        select(ReportRequest.id)
        .join(
            RoundItem,
            (RoundItem.round_id == ReportRequest.round_id)
            & (RoundItem.owner_id == ReportRequest.person_id),
        )
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(PlanItem.delegate_id == person_id, ReportRequest.person_id != person_id)
    )
    query = (
        select(ReportRequest, ReportingRound)
        .join(ReportingRound, ReportingRound.id == ReportRequest.round_id)
        .where(ReportRequest.id.in_(delegated), ReportingRound.state == RoundState.OPEN)
        .order_by(ReportingRound.deadline_at)
    )
    return [(req, rnd) for req, rnd in (await session.execute(query)).all()]
