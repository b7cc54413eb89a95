"""Trend and projection on known series: a straight line, the same line with one wild
value (Theil–Sen keeps the line), a falling series that misses, and too few points."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from services.goals.attainment import indicator_rounds
from services.goals.trend import projections, theil_sen
from tests.goals.frames import INDICATORS, values

START = date(2026, 1, 1)


def _days(*offsets: int) -> list[date]:
    return [START + timedelta(days=d) for d in offsets]


def test_theil_sen_ignores_one_outlier() -> None:
    times = np.array([0.0, 100.0, 200.0, 300.0])
    clean = np.array([[10.0, 20.0, 30.0, 40.0]])
    wild = np.array([[10.0, 20.0, 300.0, 40.0]])
    gap = np.array([[10.0, np.nan, 30.0, 40.0]])
    for series in (clean, wild, gap):
        slope, intercept = theil_sen(times, series)
        assert slope[0] == pytest.approx(0.1) and intercept[0] == pytest.approx(10.0)
    least_squares = np.polyfit(times, wild[0], 1)[0]
    assert least_squares > 0.3  # what an ordinary line would have made of the outlier


def test_projection_at_the_target_date_flags_a_miss() -> None:
    # I1 (higher is better, target 90 on 2027-12-31, 729 days on) climbs 1 point every 73
    # days from 60: 5 a year, so at the target date it stands at 60 + 729/73 = 69.99: a miss.
    climbing = [(11, i, f"P{i}", d, 60.0 + i) for i, d in enumerate(_days(0, 73, 146, 219))]
    # I2 (lower is better, target 12) falls 5 a year from 20, with one wild value (40) in
    # between: 20 - 5 * 729/365 = 10.01 at the target date, so it is on course.
    falling = [
        (12, i, f"P{i}", d, v)
        for i, (d, v) in enumerate(
            zip(_days(0, 365, 500, 730), [20.0, 15.0, 40.0, 10.0], strict=True)
        )
    ]
    # I3 has two values only.
    short = [(13, i, f"P{i}", d, 79.0) for i, d in enumerate(_days(0, 100))]
    rounds = indicator_rounds(INDICATORS, values([*climbing, *falling, *short]))
    result = projections(rounds, INDICATORS).set_index("item_id")

    assert result.loc[11, "slope_per_year"] == pytest.approx(365.25 / 73)
    assert result.loc[11, "projected"] == pytest.approx(60 + 729 / 73)
    assert bool(result.loc[11, "will_miss"]) is True
    assert result.loc[12, "slope_per_year"] == pytest.approx(-5 * 365.25 / 365)
    assert result.loc[12, "projected"] == pytest.approx(20 - 5 * 729 / 365)
    assert bool(result.loc[12, "will_miss"]) is False
    # Two points only: no projection, never flagged.
    assert result.loc[13, "points"] == 2 and not result.loc[13, "enough_points"]
    assert result["projected"].isna()[13] and not result.loc[13, "will_miss"]
