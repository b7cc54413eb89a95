"""Reads and writes for indicators: their settings as a frame, their measured values per
round (loaded values first, else the value the manager typed), and appending loaded values.

``indicator_values`` is append-only: a new value for the same indicator and period is a new
revision; the frames read the latest."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    IndicatorValue,
    ItemKind,
    Plan,
    PlanItem,
    ReportingRound,
    Response,
    RoundState,
)

DEFAULT_MARGIN: Final = Decimal(10)
# Above this many ids a query selects by kind instead of listing them.
MAX_IN_LIST: Final = 500
# The source of a value a manager corrected on the card (the card names it in words).
CORRECTION_SOURCE: Final = "manager-correction"
INDICATOR_COLUMNS: Final = (
    "item_id",
    "item_key",
    "title",
    "unit",
    "target",
    "direction",
    "baseline",
    "decimals",
    "margin",
    "target_date",
    "period_targets",
)
VALUE_COLUMNS: Final = ("item_id", "round_id", "period", "at", "value", "source", "as_of")
_YEAR: Final = re.compile(r"(\d{4})\D*$")


def plan_end(plan: Plan) -> date | None:
    """The last day of the plan's period ("2027", "2026–2027"): when its targets are due."""
    found = _YEAR.search(plan.period or "")
    return date(int(found.group(1)), 12, 31) if found else None


def round_period(rnd: ReportingRound) -> str:
    """What indicator values of a round are filed under: its period label, else its key."""
    return rnd.period_label or rnd.key


async def indicator_frame(
    session: AsyncSession, plan: Plan, item_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """The plan's active indicators (or those of ``item_ids``) with their effective margin
    (the indicator's, else the plan's, else 10 %) and target date (else the plan's end)."""
    query = select(
        PlanItem.id,
        PlanItem.key,
        PlanItem.title,
        PlanItem.unit,
        PlanItem.target,
        PlanItem.direction,
        PlanItem.baseline,
        PlanItem.decimals,
        PlanItem.margin,
        PlanItem.target_date,
        PlanItem.period_targets,
    ).where(
        PlanItem.plan_id == plan.id,
        PlanItem.kind == ItemKind.INDICATOR,
        PlanItem.active.is_(True),
    )
    if item_ids is not None:
        query = query.where(PlanItem.id.in_(list(item_ids)))
    rows = (await session.execute(query.order_by(PlanItem.id))).all()
    margin = plan.indicator_margin if plan.indicator_margin is not None else DEFAULT_MARGIN
    end = plan_end(plan)
    records = [
        (*row[:8], row[8] if row[8] is not None else margin, row[9] or end, row[10]) for row in rows
    ]
    return _frame(records, INDICATOR_COLUMNS)


def _frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    return pd.DataFrame([tuple(row) for row in rows], columns=list(columns))


async def plan_rounds(
    session: AsyncSession, plan_id: int, until: datetime | None = None
) -> list[ReportingRound]:
    """The plan's rounds that have opened (open or closed), oldest first, up to ``until``."""
    query = select(ReportingRound).where(
        ReportingRound.plan_id == plan_id,
        ReportingRound.state.in_([RoundState.OPEN, RoundState.CLOSED]),
    )
    if until is not None:
        query = query.where(ReportingRound.opens_at <= until)
    return list((await session.scalars(query.order_by(ReportingRound.opens_at))).all())


@dataclass(frozen=True)
class LoadedValue:
    item_id: int
    period: str
    revision: int
    value: Decimal
    source: str
    as_of: date | None
    reason: str | None
    recorded_by: str
    recorded_at: datetime


async def loaded_values(
    session: AsyncSession, item_ids: Iterable[int], periods: Iterable[str] | None = None
) -> dict[tuple[int, str], LoadedValue]:
    """The latest loaded value per (indicator, period)."""
    ids = list(item_ids)
    if not ids:
        return {}
    latest = (
        select(
            IndicatorValue.item_id,
            IndicatorValue.period,
            func.max(IndicatorValue.revision).label("revision"),
        )
        .where(IndicatorValue.item_id.in_(ids))
        .group_by(IndicatorValue.item_id, IndicatorValue.period)
    )
    if periods is not None:
        latest = latest.where(IndicatorValue.period.in_(list(periods)))
    sub = latest.subquery()
    query = select(IndicatorValue).join(
        sub,
        (IndicatorValue.item_id == sub.c.item_id)
        & (IndicatorValue.period == sub.c.period)
        & (IndicatorValue.revision == sub.c.revision),
    )
    found: dict[tuple[int, str], LoadedValue] = {}
    for row in (await session.scalars(query)).all():
        found[(row.item_id, row.period)] = LoadedValue(
            row.item_id,
            row.period,
            row.revision,
            row.value,
            row.source,
            row.as_of,
            row.reason,
            row.recorded_by,
            row.recorded_at,
        )
    return found


async def typed_values(
    session: AsyncSession, round_ids: Sequence[int], item_ids: Sequence[int]
) -> dict[tuple[int, int], Decimal]:
    """The value of the current answer per (round, indicator), where it has one. One plain
    read of the rounds' indicator answers, the latest revision picked here: a grouped
    subquery joined back took seconds at region scale (bench/digest_bench.py)."""
    if not round_ids or not item_ids:
        return {}
    wanted = set(item_ids)
    indicators = select(PlanItem.id).where(PlanItem.kind == ItemKind.INDICATOR)
    if len(wanted) <= MAX_IN_LIST:
        indicators = indicators.where(PlanItem.id.in_(list(wanted)))
    query = (
        select(Response.round_id, Response.item_id, Response.revision, Response.value)
        .where(Response.round_id.in_(list(round_ids)), Response.item_id.in_(indicators))
        .order_by(Response.revision)
    )
    latest: dict[tuple[int, int], Decimal | None] = {}
    for round_id, item_id, _revision, value in (await session.execute(query)).all():
        if item_id in wanted:
            latest[(round_id, item_id)] = value  # later revisions overwrite earlier ones
    return {key: value for key, value in latest.items() if value is not None}


async def values_frame(
    session: AsyncSession, rounds: Sequence[ReportingRound], item_ids: Sequence[int]
) -> pd.DataFrame:
    """The measured value per indicator per round: a loaded value of the round's period
    (warehouse, file or a manager's correction), else the value typed in the answer."""
    periods = {rnd.id: round_period(rnd) for rnd in rounds}
    loaded = await loaded_values(session, item_ids, set(periods.values()))
    typed = await typed_values(session, [rnd.id for rnd in rounds], item_ids)
    rows: list[tuple[Any, ...]] = []
    for rnd in rounds:
        at = rnd.deadline_at.date()
        for item_id in item_ids:
            found = loaded.get((item_id, periods[rnd.id]))
            if found is not None:
                rows.append(
                    (item_id, rnd.id, periods[rnd.id], at, found.value, found.source, found.as_of)
                )
            elif (value := typed.get((rnd.id, item_id))) is not None:
                rows.append((item_id, rnd.id, periods[rnd.id], at, value, None, None))
    return _frame(rows, VALUE_COLUMNS)


async def append_value(
    session: AsyncSession,
    *,
    item_id: int,
    period: str,
    value: Decimal,
    source: str,
    recorded_by: str,
    as_of: date | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> IndicatorValue | None:
    """Append a value unless it equals the latest one of its period (same value and source),
    so a file or pull loaded twice adds nothing. Returns the new row, or None."""
    current = (await loaded_values(session, [item_id], [period])).get((item_id, period))
    if current is not None and (current.value, current.source, current.as_of) == (
        value,
        source,
        as_of,
    ):
        return None
    row = IndicatorValue(
        item_id=item_id,
        period=period,
        revision=1 if current is None else current.revision + 1,
        value=value,
        source=source,
        as_of=as_of,
        reason=reason,
        recorded_by=recorded_by,
    )
    if now is not None:
        row.recorded_at = now
    session.add(row)
    await session.flush()
    return row
