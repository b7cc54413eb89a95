"""Indicators against targets, as pure pandas transforms of plain frames.

Input frames (columns):

- ``indicators``: one row per indicator: item_id, item_key, title, unit, target, direction
  ("higher"/"lower"; missing = higher), baseline, decimals, margin (the effective margin in
  per cent of the target: the indicator's, else the plan's, else ``DEFAULT_MARGIN``),
  target_date, period_targets (dict period label -> target as text, or None).
- ``values``: the measured value per indicator per round: item_id, round_id, period, at
  (the round's reporting date), value, source, as_of.

A value is **green** (grön) when it meets its target, **yellow** (gul) when it is short of
it by at most ``margin`` per cent of the target, else **red** (röd). The target of a round is
its period target when the indicator has one for the round's period, else the plan's target.

Attainment as a number is the share of the way from the baseline to the target
((value − baseline) / (target − baseline)) when there is a baseline, else value / target
(higher is better) or target / value (lower is better): 1.0 is the target exactly.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd

from storage.indicators import VALUE_COLUMNS

Signal = Literal["green", "yellow", "red"]

GREEN: Final = "green"
YELLOW: Final = "yellow"
RED: Final = "red"
# Goals or indicators with nothing to judge: no value yet, or no target.
NO_SIGNAL: Final = "none"
SIGNALS: Final = (GREEN, YELLOW, RED)
SIGNAL_SEVERITY: Final = {GREEN: 0, YELLOW: 1, RED: 2}
DEFAULT_MARGIN: Final = 10.0
# The status scale's card colours that say the same as a traffic light.
COLOUR_SIGNALS: Final = {"good": GREEN, "warning": YELLOW, "attention": RED}


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def round_targets(values: pd.DataFrame, indicators: pd.DataFrame) -> pd.Series:
    """The target each value is judged by: the period's own target where the indicator has
    one for that period, else the plan's target."""
    by_item = indicators.set_index("item_id")
    plan_target = _numbers(values["item_id"].map(by_item["target"]))
    period_targets = values["item_id"].map(by_item["period_targets"])
    own = [
        float(targets[period]) if isinstance(targets, dict) and period in targets else np.nan
        for targets, period in zip(period_targets, values["period"], strict=True)
    ]
    return pd.Series(own, index=values.index, dtype="float64").fillna(plan_target)


def judge(
    value: pd.Series,
    target: pd.Series,
    lower_is_better: pd.Series,
    margin: pd.Series,
    baseline: pd.Series,
) -> pd.DataFrame:
    """Signal and attainment for aligned series of values (float; NaN = none)."""
    lower = lower_is_better.fillna(False).astype(bool).to_numpy()
    v, t, b = value.to_numpy(), target.to_numpy(), baseline.to_numpy()
    shortfall = np.where(lower, v - t, t - v)
    allowed = margin.fillna(DEFAULT_MARGIN).to_numpy() / 100.0 * np.abs(t)
    signal = np.where(shortfall <= 0, GREEN, np.where(shortfall <= allowed, YELLOW, RED))
    signal = np.where(np.isnan(v) | np.isnan(t), NO_SIGNAL, signal)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_baseline = (v - b) / (t - b)
        plain = np.where(lower, t / v, v / t)
        share = np.where(np.isnan(b) | (t == b), plain, from_baseline)
    share = np.where(np.isfinite(share), share, np.nan)
    return pd.DataFrame(
        {"signal": pd.Series(signal, index=value.index, dtype="str"), "attainment": share},
        index=value.index,
    )


def indicator_rounds(indicators: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Per indicator per round with a value: the value, the target it is judged by, the
    signal and the attainment. Columns: item_id, round_id, period, at, value, source, as_of,
    target, signal, attainment; ordered by indicator then date."""
    frame = values.loc[:, list(VALUE_COLUMNS)].copy()
    frame["value"] = _numbers(frame["value"])
    frame = frame[frame["item_id"].isin(indicators["item_id"])]
    by_item = indicators.set_index("item_id")
    frame["target"] = round_targets(frame, indicators)
    judged = judge(
        frame["value"],
        frame["target"],
        frame["item_id"].map(by_item["direction"]).eq("lower"),
        _numbers(frame["item_id"].map(by_item["margin"])),
        _numbers(frame["item_id"].map(by_item["baseline"])),
    )
    frame = pd.concat([frame, judged], axis=1)
    return frame.sort_values(["item_id", "at"], kind="stable").reset_index(drop=True)


def latest(rounds: pd.DataFrame, round_id: int | None = None) -> pd.DataFrame:
    """Each indicator's row for ``round_id`` (or its most recent row when None)."""
    if round_id is not None:
        return rounds[rounds["round_id"] == round_id].reset_index(drop=True)
    return rounds.groupby("item_id", sort=False).tail(1).reset_index(drop=True)


def combine(signals: pd.Series) -> str:
    """A goal's signal from its indicators' signals: the middle one (median) in the order
    green < yellow < red, a tie between two taken as the worse. What most indicators say,
    so one red among five greens does not paint the goal red, and half red does."""
    severities = sorted(SIGNAL_SEVERITY[s] for s in signals if s in SIGNAL_SEVERITY)
    if not severities:
        return NO_SIGNAL
    return SIGNALS[severities[len(severities) // 2]]


GOAL_COLUMNS: Final = ("goal_id", "goal", "strategy_id", "strategy", "plan_rank")
OWNER_COLUMNS: Final = ("goal_id", "status_key", "status_label", "card_colour")


def goal_signals(
    goals: pd.DataFrame,
    indicator_goals: pd.DataFrame,
    indicator_latest: pd.DataFrame,
    owner: pd.DataFrame,
) -> pd.DataFrame:
    """Per goal: the signal computed from its indicators beside the owner's own status.

    ``goals`` has GOAL_COLUMNS (a goal and the strategy above it, as
    ``services.reporting.digest.ancestors`` gives them); ``indicator_goals`` maps indicators
    to their nearest goal (item_id, goal_id); ``indicator_latest`` holds each indicator's
    signal this round (item_id, signal); ``owner`` the owner's answer on the goal
    (OWNER_COLUMNS). The goal's ``signal`` is the computed one where its indicators have
    values, else the owner's status as a light (good/warning/attention); ``disagree`` marks
    goals where both exist and differ, so both can be shown.

    Columns: GOAL_COLUMNS, indicators (with a signal), computed, status_key, status_label,
    owner_signal, signal, disagree; in plan order."""
    signals = indicator_goals.merge(indicator_latest.loc[:, ["item_id", "signal"]], on="item_id")
    signals = signals[signals["signal"] != NO_SIGNAL]
    grouped = signals.groupby("goal_id")["signal"]
    computed = grouped.agg(combine).rename("computed")
    counted = grouped.size().rename("indicators")
    table = goals.loc[:, list(GOAL_COLUMNS)].copy()
    table["indicators"] = table["goal_id"].map(counted).fillna(0).astype("int64")
    table["computed"] = (
        table["goal_id"].map(computed).astype(object).fillna(NO_SIGNAL).astype("str")
    )
    own = owner.loc[:, list(OWNER_COLUMNS)].set_index("goal_id")
    table["status_key"] = table["goal_id"].map(own["status_key"])
    table["status_label"] = table["goal_id"].map(own["status_label"])
    owner_signal = table["goal_id"].map(own["card_colour"]).map(COLOUR_SIGNALS)
    table["owner_signal"] = owner_signal.astype(object).fillna(NO_SIGNAL).astype("str")
    has_computed = table["computed"] != NO_SIGNAL
    has_owner = table["owner_signal"] != NO_SIGNAL
    table["signal"] = table["computed"].where(has_computed, table["owner_signal"])
    table["disagree"] = has_computed & has_owner & (table["computed"] != table["owner_signal"])
    return table.sort_values("plan_rank", kind="stable").reset_index(drop=True)


COUNT_COLUMNS: Final = (*SIGNALS, NO_SIGNAL, "total")


def signal_counts(signals: pd.Series) -> pd.Series:
    """How many of each signal: green, yellow, red, none, total."""
    counts = signals.value_counts().reindex([*SIGNALS, NO_SIGNAL], fill_value=0)
    return pd.concat([counts, pd.Series({"total": int(counts.sum())})]).astype("int64")


def strategy_counts(goals: pd.DataFrame) -> pd.DataFrame:
    """Goals per signal under each strategy, in plan order; goals under no strategy last
    (strategy_id missing). Columns: strategy_id, strategy, green, yellow, red, none, total."""
    key = goals["strategy_id"].astype("Int64").fillna(-1)
    order = pd.unique(key.to_numpy())
    order = np.concatenate([order[order != -1], order[order == -1]])
    rows = []
    for strategy in order:
        members = goals[key == strategy]
        counts = signal_counts(members["signal"])
        rows.append(
            {
                "strategy_id": None if strategy == -1 else int(strategy),
                "strategy": None if strategy == -1 else str(members["strategy"].iloc[0]),
                **{name: int(counts[name]) for name in COUNT_COLUMNS},
            }
        )
    frame = pd.DataFrame(rows, columns=["strategy_id", "strategy", *COUNT_COLUMNS])
    return frame.astype({"strategy_id": "Int64", **dict.fromkeys(COUNT_COLUMNS, "int64")})
