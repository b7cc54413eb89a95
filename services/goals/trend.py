"""Each indicator's trend over the plan's rounds and its projected value at the target date.

The line is Theil–Sen's: the slope is the median of the slopes between every pair of points
and the intercept the median of (value − slope × time). A single odd value (a wrongly loaded
month, a one-off) moves a least-squares line a lot and Theil–Sen's hardly at all: with four
points one outlier spoils three of six pairwise slopes, and the median of the six is still
taken from the good ones. It is a few lines of numpy over all indicators at once, so no
dependency is needed (``scipy.stats.theilslopes`` gives the same slope per series).

Never projected from fewer than ``MIN_POINTS`` values: the card says so instead.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import combinations
from typing import Final

import numpy as np
import pandas as pd

MIN_POINTS: Final = 3
# Indicators per block of the pairwise-slope matrix, so memory stays small at region scale.
BLOCK: Final = 4096
PROJECTION_COLUMNS: Final = (
    "item_id",
    "points",
    "slope_per_year",
    "projected",
    "target",
    "target_date",
    "will_miss",
    "enough_points",
)


def day_number(moment: date | datetime | pd.Timestamp) -> float:
    """Days since 1 Jan year 1, the time axis of the trend line."""
    if isinstance(moment, datetime):
        moment = moment.date()
    return float(moment.toordinal())


def theil_sen(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope and intercept per row of ``values`` (rows: series; columns: points at
    ``times``; NaN where a series has no value). Rows with fewer than two points give NaN."""
    pairs = list(combinations(range(times.size), 2))
    if not pairs:
        nothing = np.full(values.shape[0], np.nan)
        return nothing, nothing
    first = np.array([i for i, _ in pairs])
    second = np.array([j for _, j in pairs])
    run = times[second] - times[first]
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = (values[:, second] - values[:, first]) / run
    slopes[:, run == 0] = np.nan
    slope = _nanmedian(slopes)
    intercept = _nanmedian(values - slope[:, None] * times[None, :])
    return slope, intercept


def _nanmedian(matrix: np.ndarray) -> np.ndarray:
    empty = np.isnan(matrix).all(axis=1)
    result = np.full(matrix.shape[0], np.nan)
    if (~empty).any():
        result[~empty] = np.nanmedian(matrix[~empty], axis=1)
    return result


def _matrix(rounds: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Indicators × reporting dates, the value where there is one."""
    days = rounds["at"].map(day_number)
    table = rounds.assign(_day=days).pivot_table(
        index="item_id", columns="_day", values="value", aggfunc="last"
    )
    return table.index, table.columns.to_numpy(dtype="float64"), table.to_numpy(dtype="float64")


def projections(rounds: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Per indicator with values: how many points, the trend per year, the value projected at
    its target date, and whether that misses the plan's target (``will_miss``, only with at
    least ``MIN_POINTS`` points). ``rounds`` is ``attainment.indicator_rounds``' frame."""
    judged = rounds[rounds["value"].notna()]
    if judged.empty:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in PROJECTION_COLUMNS})
    ids, times, values = _matrix(judged)
    by_item = indicators.set_index("item_id").reindex(ids)
    slope = np.full(len(ids), np.nan)
    intercept = np.full(len(ids), np.nan)
    for start in range(0, len(ids), BLOCK):
        block = slice(start, start + BLOCK)
        slope[block], intercept[block] = theil_sen(times, values[block])
    points = (~np.isnan(values)).sum(axis=1)
    target_days = by_item["target_date"].map(
        lambda d: day_number(d) if isinstance(d, date) else np.nan
    )
    projected = intercept + slope * target_days.to_numpy(dtype="float64")
    target = pd.to_numeric(by_item["target"], errors="coerce").to_numpy(dtype="float64")
    lower = by_item["direction"].eq("lower").to_numpy()
    enough = points >= MIN_POINTS
    projected = np.where(enough, projected, np.nan)
    misses = np.where(lower, projected > target, projected < target)
    will_miss = enough & ~np.isnan(projected) & ~np.isnan(target) & misses
    return pd.DataFrame(
        {
            "item_id": ids.to_numpy(),
            "points": points.astype("int64"),
            "slope_per_year": np.where(enough, slope * 365.25, np.nan),
            "projected": projected,
            "target": target,
            "target_date": by_item["target_date"].to_numpy(),
            "will_miss": will_miss.astype(bool),
            "enough_points": enough.astype(bool),
        }
    )
