"""What the written follow-up report needs beyond the digest's frames
(``storage.digest_queries``): each asked item's unit and target, and the outcome (the value
of its current answer) in this round and the previous one, so an indicator can be shown
against its target and its trend. One Core query each, plain tuples, as the digest does."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.digest_queries import frame_of
from storage.models import Plan, PlanItem, ReportingRound, Response, RoundItem

DETAIL_COLUMNS: Final = ("item_id", "unit", "target", "value", "previous_value")


async def _values(session: AsyncSession, round_id: int) -> dict[int, Decimal | None]:
    """The value of the current answer (highest revision) per answered item of the round."""
    latest = (
        select(Response.item_id, func.max(Response.revision).label("revision"))
        .where(Response.round_id == round_id)
        .group_by(Response.item_id)
        .subquery()
    )
    query = (
        select(Response.item_id, Response.value)
        .join(
            latest,
            (Response.item_id == latest.c.item_id) & (Response.revision == latest.c.revision),
        )
        .where(Response.round_id == round_id, Response.value.is_not(None))
    )
    return {item_id: value for item_id, value in (await session.execute(query)).all()}


async def item_details_frame(
    session: AsyncSession, rnd: ReportingRound, previous_round_id: int | None
) -> pd.DataFrame:
    """One row per item of the round: unit, target, value (outcome) and the previous round's
    value; missing where not known. Numbers are Decimals as stored."""
    query = (
        select(RoundItem.item_id, PlanItem.unit, PlanItem.target)
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(RoundItem.round_id == rnd.id)
    )
    rows: Sequence[Any] = (await session.execute(query)).all()
    values = await _values(session, rnd.id)
    previous = {} if previous_round_id is None else await _values(session, previous_round_id)
    return frame_of(
        [
            (item_id, unit, target, values.get(item_id), previous.get(item_id))
            for item_id, unit, target in rows
        ],
        DETAIL_COLUMNS,
    )


async def plan_of(session: AsyncSession, rnd: ReportingRound) -> tuple[str, str | None]:
    """The round's plan: its name and period."""
    row = (
        await session.execute(select(Plan.name, Plan.period).where(Plan.id == rnd.plan_id))
    ).one()
    return str(row[0]), row[1]
