"""The indicator part of a manager's status card: this round's measured outcome (a loaded
value, with its source and date), the light against the round's target, the last values and
the projection at the target date."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import IndicatorPoint, IndicatorView, ItemQuestion
from services.goals.attainment import indicator_rounds
from services.goals.trend import projections
from storage import indicators as indicator_store
from storage.models import Plan, ReportingRound

# The card shows this many of the latest values.
LAST_VALUES: Final = 6


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _view(
    item_id: int,
    row: pd.Series,
    history: pd.DataFrame,
    trend: pd.DataFrame,
    rnd: ReportingRound,
    loaded: indicator_store.LoadedValue | None,
) -> IndicatorView:
    mine = history[history["item_id"] == item_id].tail(LAST_VALUES)
    now = mine[mine["round_id"] == rnd.id]
    projection = trend[trend["item_id"] == item_id]
    first = projection.iloc[0] if len(projection) else None
    target = now["target"].iloc[0] if len(now) else row["target"]
    return IndicatorView(
        target=None if _float(target) is None else Decimal(str(target)),
        decimals=None if pd.isna(row["decimals"]) else int(row["decimals"]),
        signal=str(now["signal"].iloc[0]) if len(now) else "none",
        measured=None if loaded is None else loaded.value,
        measured_source=None if loaded is None else loaded.source,
        measured_as_of=None if loaded is None else loaded.as_of,
        corrected_reason=loaded.reason or ""
        if loaded is not None and loaded.source == indicator_store.CORRECTION_SOURCE
        else None,
        points=tuple(
            IndicatorPoint(str(p), float(v), _float(t))
            for p, v, t in zip(mine["period"], mine["value"], mine["target"], strict=True)
            if _float(v) is not None
        ),
        projected=None if first is None else _float(first["projected"]),
        target_date=row["target_date"] if isinstance(row["target_date"], date) else None,
        will_miss=bool(first is not None and first["will_miss"]),
        enough_points=bool(first is not None and first["enough_points"]),
        slope_per_year=None if first is None else _float(first["slope_per_year"]),
    )


async def with_indicators(
    session: AsyncSession, rnd: ReportingRound, questions: tuple[ItemQuestion, ...]
) -> tuple[ItemQuestion, ...]:
    """The questions, the indicators among them with their ``IndicatorView``."""
    ids = [q.item_id for q in questions if q.kind == "indicator"]
    plan = await session.get(Plan, rnd.plan_id) if ids else None
    if plan is None:
        return questions
    indicators = await indicator_store.indicator_frame(session, plan, ids)
    rounds = await indicator_store.plan_rounds(session, plan.id, until=rnd.opens_at)
    if all(r.id != rnd.id for r in rounds):
        rounds.append(rnd)
    history = indicator_rounds(indicators, await indicator_store.values_frame(session, rounds, ids))
    trend = projections(history, indicators)
    period = indicator_store.round_period(rnd)
    loaded = await indicator_store.loaded_values(session, ids, [period])
    rows = {int(row["item_id"]): row for _, row in indicators.iterrows()}
    shown: list[ItemQuestion] = []
    for q in questions:
        row = rows.get(q.item_id)
        if row is not None:
            found = loaded.get((q.item_id, period))
            q = replace(q, indicator=_view(q.item_id, row, history, trend, rnd, found))
        shown.append(q)
    return tuple(shown)
