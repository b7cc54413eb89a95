"""A round's attainment from the digest's frames: indicators under goals, goals under
strategies, the owner's own status beside the computed one, and the projected misses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from services.goals.rollup import compute_attainment
from services.reporting.digest import DigestFrames
from tests.digest.frames import frames
from tests.goals.frames import INDICATORS, values

# Under goal 2 ("Kortare väntetider", owner: no answer): I1 and I2; under goal 5 ("Fler
# vårdplatser", owner says deviation = gul): I3.
EXTRA_PLAN = [(11, 2, "indicator", "Andel inom 90 dagar", 3), (12, 2, "indicator",
              "Medelväntetid", 4), (13, 5, "indicator", "Nöjda patienter", 1)]  # fmt: skip
ROUNDS = [(1, "T1 2027", date(2027, 4, 30)), (2, "T2 2027", date(2027, 8, 31)),
          (3, "T3 2027", date(2027, 12, 31))]  # fmt: skip


def _frames() -> DigestFrames:
    base = frames()
    extra = pd.DataFrame(EXTRA_PLAN, columns=["item_id", "parent_id", "kind", "title", "position"])
    plan = pd.concat([base.plan_items, extra], ignore_index=True)
    plan["parent_id"] = plan["parent_id"].astype("Int64")
    return replace(base, plan_items=plan)


def test_attainment_counts_goals_per_strategy_and_lists_projected_misses_first() -> None:
    series = {11: [70.0, 72.0, 74.0], 12: [14.0, 13.0, 11.0], 13: [70.0, 75.0, 78.0]}
    rows = [
        (item, rnd, period, at, series[item][n])
        for item in series
        for n, (rnd, period, at) in enumerate(ROUNDS)
    ]
    result = compute_attainment(_frames(), INDICATORS, values(rows), round_id=3)

    assert result.current.loc[:, ["item_id", "signal", "points"]].values.tolist() == [
        [11, "red", 3],  # 74 of 90, margin 9
        [12, "green", 3],
        [13, "yellow", 3],  # 78 of 80, margin 4
    ]
    goals = result.goals.loc[:, ["goal_id", "computed", "owner_signal", "signal", "disagree"]]
    assert goals.values.tolist() == [
        [2, "red", "none", "red", False],  # red + green: the tie goes to the worse
        [5, "yellow", "yellow", "yellow", False],
    ]
    assert result.by_strategy.loc[:, ["strategy", "green", "yellow", "red", "total"]].astype(
        object
    ).values.tolist() == [["God och jämlik hälsa", 0, 1, 1, 2]]
    assert result.totals.to_dict() == {"green": 0, "yellow": 1, "red": 1, "none": 0, "total": 2}
    # I1 climbs 4 points in 8 months: 74 at the end of 2027, far from 90; I3 ends at 78 of
    # 80, nearer. I2 reaches its 12 days.
    assert result.misses["item_id"].tolist() == [11, 13]
