"""Queries on reporting rounds, the items they ask about and the requests sent for them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from storage.models import (
    PlanItem,
    ReportingRound,
    ReportRequest,
    RiskBand,
    RiskLevel,
    RiskScale,
    RoundItem,
    RoundState,
    StatusOption,
    StatusScale,
)

# How long a process reuses a scale's options, levels and bands for status cards. Scales
# change only by `lagesbot scale import` (labels and bands; a scale in use keeps its axes,
# which are read fresh with the round): a card drawn by another process shows the new
# labels at most this much later.
SCALE_PARTS_SECONDS = 10.0
_scale_parts: dict[tuple[str, str, int], tuple[float, list[Any]]] = {}


async def get_round(session: AsyncSession, round_id: int) -> ReportingRound | None:
    return await session.get(ReportingRound, round_id)


async def get_round_for_card(session: AsyncSession, round_id: int) -> ReportingRound | None:
    """The round with its scales, as ``get_round``, for the card and submit path: the scale
    rows come joined in the round's query and their options, levels and bands from a short
    per-process cache (three queries fewer per card or submit)."""
    query = (
        select(ReportingRound)
        .where(ReportingRound.id == round_id)
        .options(
            joinedload(ReportingRound.status_scale).options(lazyload(StatusScale.options)),
            joinedload(ReportingRound.risk_scale).options(
                lazyload(RiskScale.levels), lazyload(RiskScale.bands)
            ),
        )
    )
    rnd = (await session.execute(query)).unique().scalar_one_or_none()
    if rnd is not None:
        await _fill_scale(session, rnd.status_scale, "options", StatusOption, StatusOption.position)
        if rnd.risk_scale is not None:
            order = (RiskLevel.axis, RiskLevel.value)
            await _fill_scale(session, rnd.risk_scale, "levels", RiskLevel, *order)
            await _fill_scale(session, rnd.risk_scale, "bands", RiskBand, RiskBand.min_score)
    return rnd


async def _fill_scale(
    session: AsyncSession, scale: StatusScale | RiskScale, part: str, model: Any, *order: Any
) -> None:
    if part in instance_state(scale).dict:
        return  # loaded already (the scale was in this session before)
    # Per database: tests (and tools) may use several in one process.
    key = (str(session.get_bind().engine.url), part, scale.id)
    cached = _scale_parts.get(key)
    if cached is None or time.monotonic() - cached[0] > SCALE_PARTS_SECONDS:
        query = select(model).where(model.scale_id == scale.id).order_by(*order)
        rows = list((await session.execute(query)).scalars())
        for row in rows:
            # Detached: read-only values shared by every session of the process.
            session.expunge(row)
        cached = (time.monotonic(), rows)
        _scale_parts[key] = cached
    set_committed_value(scale, part, list(cached[1]))


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
