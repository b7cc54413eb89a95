"""Small hand-made frames for the attainment transforms: three indicators under two goals
of one strategy, a goal without indicators, and a goal under no strategy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from storage.indicators import INDICATOR_COLUMNS, VALUE_COLUMNS

INDICATORS = pd.DataFrame(
    [
        # id, key, title, unit, target, direction, baseline, decimals, margin, date, periods
        (11, "I1", "Andel inom 90 dagar", "%", 90.0, "higher", None, 0, 10.0,
         date(2027, 12, 31), {"T1 2027": "80"}),
        (12, "I2", "Medelväntetid", "dagar", 12.0, "lower", 20.0, 1, 25.0,
         date(2027, 12, 31), None),
        (13, "I3", "Nöjda patienter", "%", 80.0, None, None, 0, 5.0, date(2027, 12, 31), None),
    ],
    columns=list(INDICATOR_COLUMNS),
)  # fmt: skip


def values(rows: Sequence[tuple[int, int, str, date, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (item, rnd, period, at, value, "datalagret", None)
            for item, rnd, period, at, value in rows
        ],
        columns=list(VALUE_COLUMNS),
    )


GOALS = pd.DataFrame(
    [
        (2, "Kortare väntetider", 1, "God och jämlik hälsa", 1),
        (3, "Nöjda patienter", 1, "God och jämlik hälsa", 2),
        (4, "Fler vårdplatser", 1, "God och jämlik hälsa", 3),
        (6, "Ekonomi i balans", None, None, 4),
    ],
    columns=["goal_id", "goal", "strategy_id", "strategy", "plan_rank"],
).astype({"strategy_id": "Int64"})
INDICATOR_GOALS = pd.DataFrame({"item_id": [11, 12, 13], "goal_id": [2, 2, 3]})
