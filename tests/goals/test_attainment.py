"""Attainment as a tertial report states it: each indicator's light and share of its target,
each goal's computed light beside its owner's status, and the counts per strategy."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from services.goals.attainment import (
    OWNER_COLUMNS,
    combine,
    goal_signals,
    indicator_rounds,
    latest,
    signal_counts,
    strategy_counts,
)
from tests.goals.frames import GOALS, INDICATOR_GOALS, INDICATORS, values

T1, T2 = date(2027, 4, 30), date(2027, 8, 31)


def test_each_value_gets_its_light_and_attainment() -> None:
    rounds = indicator_rounds(
        INDICATORS,
        values(
            [
                (11, 1, "T1 2027", T1, 81.0),  # period target 80: met
                (11, 2, "T2 2027", T2, 84.0),  # plan target 90, margin 9: short by 6 -> gul
                (12, 2, "T2 2027", T2, 16.0),  # lower is better: 4 over 12, margin 3 -> röd
                (13, 2, "T2 2027", T2, 77.0),  # 3 short of 80, margin 4 -> gul
                (13, 1, "T1 2027", T1, None),  # no value: no light
            ]
        ),
    )
    assert rounds.loc[:, ["item_id", "round_id", "target", "signal"]].values.tolist() == [
        [11, 1, 80.0, "green"],
        [11, 2, 90.0, "yellow"],
        [12, 2, 12.0, "red"],
        [13, 1, 80.0, "none"],
        [13, 2, 80.0, "yellow"],
    ]
    share = rounds["attainment"].round(4).tolist()
    # 81/80; 84/90; from the baseline 20 towards 12: (16 - 20) / (12 - 20); 77/80.
    assert share[:3] == [1.0125, 0.9333, 0.5] and np.isnan(share[3]) and share[4] == 0.9625


def test_exactly_on_the_margin_is_yellow_and_just_past_it_red() -> None:
    rounds = indicator_rounds(
        INDICATORS, values([(11, 2, "T2 2027", T2, 81.0), (11, 3, "T3 2027", T2, 80.99)])
    )
    assert rounds["signal"].tolist() == ["yellow", "red"]


def test_a_goal_takes_what_most_of_its_indicators_say_ties_to_the_worse() -> None:
    assert combine(pd.Series(["green", "green", "green", "green", "red"])) == "green"
    assert combine(pd.Series(["green", "red"])) == "red"
    assert combine(pd.Series(["green", "yellow", "red"])) == "yellow"
    assert combine(pd.Series([], dtype="str")) == "none"


def _owner(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(OWNER_COLUMNS))


def test_goals_show_computed_and_owner_lights_and_where_they_disagree() -> None:
    rounds = indicator_rounds(
        INDICATORS,
        values([(11, 2, "T2", T2, 95.0), (12, 2, "T2", T2, 16.0), (13, 2, "T2", T2, 81.0)]),
    )
    owner = _owner(
        [
            (2, "on_track", "Enligt plan", "good"),  # computed: green + red -> red
            (3, "on_track", "Enligt plan", "good"),  # computed green: agree
            (4, "deviation", "Avvikelse", "warning"),  # no indicators: the owner's light
        ]
    )
    goals = goal_signals(GOALS, INDICATOR_GOALS, latest(rounds, 2), owner)
    assert goals.loc[
        :, ["goal_id", "indicators", "computed", "owner_signal", "signal", "disagree"]
    ].values.tolist() == [
        [2, 2, "red", "green", "red", True],
        [3, 1, "green", "green", "green", False],
        [4, 0, "none", "yellow", "yellow", False],
        [6, 0, "none", "none", "none", False],
    ]
    counts = strategy_counts(goals)
    assert counts.astype(object).where(counts.notna(), None).values.tolist() == [
        [1, "God och jämlik hälsa", 1, 1, 1, 0, 3],
        [None, None, 0, 0, 0, 1, 1],
    ]
    assert signal_counts(goals["signal"]).to_dict() == {
        "green": 1,
        "yellow": 1,
        "red": 1,
        "none": 1,
        "total": 4,
    }
