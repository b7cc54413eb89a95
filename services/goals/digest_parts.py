"""The attainment part of the digest card's view values (``cards.views.AttainmentView``),
cut to what the card can show."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from cards.views import AttainmentView, ProjectedMiss, Shortened, SignalCounts
from services.goals.rollup import Attainment


def _counts(name: str | None, row: Any) -> SignalCounts:
    return SignalCounts(
        name=name,
        green=int(row["green"]),
        yellow=int(row["yellow"]),
        red=int(row["red"]),
        none=int(row["none"]),
    )


def _number(value: Any) -> float | None:
    number = float(value) if value is not None and not pd.isna(value) else math.nan
    return None if math.isnan(number) else number


def _miss(row: Any) -> ProjectedMiss:
    return ProjectedMiss(
        title=str(row["title"]),
        unit=None if pd.isna(row["unit"]) else str(row["unit"]),
        decimals=None if pd.isna(row["decimals"]) else int(row["decimals"]),
        value=_number(row["value"]),
        target=float(row["target"]),
        projected=float(row["projected"]),
        target_date=row["target_date"] if isinstance(row["target_date"], date) else None,
    )


def attainment_view(attainment: Attainment | None, most: int) -> AttainmentView | None:
    """``None`` when the scope has no indicators and no goals to count."""
    if attainment is None or (not attainment.has_indicators and attainment.goals.empty):
        return None
    misses = attainment.misses
    return AttainmentView(
        totals=_counts(None, attainment.totals),
        by_strategy=tuple(
            _counts(None if pd.isna(row["strategy_id"]) else str(row["strategy"]), row)
            for _, row in attainment.by_strategy.iterrows()
        ),
        misses=Shortened(tuple(_miss(row) for _, row in misses.head(most).iterrows()), len(misses)),
        disagreements=int(attainment.goals["disagree"].sum()),
    )
