"""One round's attainment for a scope, from the digest's frames and the indicator frames:
what the digest card, ``lagesbot report``, the Excel export and the Word report show.

Everything here is a pure function of frames; ``services.goals.source`` reads them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from services.goals.attainment import (
    NO_SIGNAL,
    goal_signals,
    indicator_rounds,
    latest,
    signal_counts,
    strategy_counts,
)
from services.goals.trend import projections
from services.reporting.digest import DigestFrames, ancestors


@dataclass(frozen=True)
class Attainment:
    """Every attainment number of one round for one scope.

    - ``indicators``: the indicators in scope and their settings;
    - ``history``: per indicator per round up to this one: value, target, signal, attainment;
    - ``current``: per indicator: this round's value, target, signal and attainment (missing
      where there is no value), the trend and projection, its goal and strategy; plan order;
    - ``goals``: per goal the computed signal beside the owner's status (``goal_signals``);
    - ``by_strategy``: goals per signal under each strategy; ``totals``: over the scope.
    """

    indicators: pd.DataFrame
    history: pd.DataFrame
    current: pd.DataFrame
    goals: pd.DataFrame
    by_strategy: pd.DataFrame
    totals: pd.Series

    @property
    def misses(self) -> pd.DataFrame:
        """Indicators projected to miss their target, the furthest off first."""
        found = self.current[self.current["will_miss"].fillna(False).astype(bool)]
        gap = (found["projected"] - found["target"]).abs() / found["target"].abs()
        return found.assign(_gap=gap).sort_values("_gap", ascending=False).drop(columns="_gap")

    @property
    def has_indicators(self) -> bool:
        return not self.indicators.empty


def _lineage(item_ids: pd.Series, frames: DigestFrames) -> pd.DataFrame:
    return ancestors(pd.DataFrame({"item_id": item_ids.astype("int64")}), frames.plan_items)


def _goals(frames: DigestFrames, indicator_lineage: pd.DataFrame) -> pd.DataFrame:
    """The goals in scope (asked about in the round, or above an indicator in scope)."""
    plan = frames.plan_items
    asked = frames.items.loc[frames.items["kind"].astype(str) == "goal", "item_id"]
    above = indicator_lineage["goal_id"].dropna()
    ids = pd.Series(pd.unique(pd.concat([asked.astype("int64"), above.astype("int64")])))
    ids = ids[ids.isin(plan["item_id"])]
    lineage = _lineage(ids, frames)
    return pd.DataFrame(
        {
            "goal_id": lineage["item_id"],
            "goal": lineage["goal"],
            "strategy_id": lineage["strategy_id"],
            "strategy": lineage["strategy"],
            "plan_rank": lineage["plan_rank"],
        }
    )


def _owner_statuses(frames: DigestFrames) -> pd.DataFrame:
    statuses = frames.statuses.loc[:, ["status_key", "label", "card_colour"]]
    answers = frames.answers.loc[:, ["item_id", "status_key"]].dropna(subset=["status_key"])
    merged = answers.merge(statuses, on="status_key", how="left")
    return merged.rename(columns={"item_id": "goal_id", "label": "status_label"})


def compute_attainment(
    frames: DigestFrames, indicators: pd.DataFrame, values: pd.DataFrame, round_id: int
) -> Attainment:
    """``indicators`` and ``values`` as ``storage.indicators`` reads them, for the
    indicators in scope and the plan's rounds up to ``round_id``."""
    history = indicator_rounds(indicators, values)
    trend = projections(history, indicators)
    lineage = _lineage(indicators["item_id"], frames)
    this_round = latest(history, round_id).loc[
        :, ["item_id", "value", "source", "as_of", "target", "signal", "attainment"]
    ]
    this_round = this_round.rename(columns={"target": "round_target"})
    current = (
        indicators.loc[:, ["item_id", "item_key", "title", "unit", "decimals", "direction"]]
        .merge(lineage, on="item_id", how="left")
        .merge(this_round, on="item_id", how="left")
        .merge(trend.drop(columns=["target_date"]), on="item_id", how="left")
        .merge(indicators.loc[:, ["item_id", "target_date"]], on="item_id", how="left")
    )
    current["target"] = pd.to_numeric(
        current["item_id"].map(indicators.set_index("item_id")["target"]), errors="coerce"
    )
    current["signal"] = current["signal"].astype(object).fillna(NO_SIGNAL).astype("str")
    current = current.sort_values("plan_rank", kind="stable").reset_index(drop=True)
    goals = goal_signals(
        _goals(frames, lineage),
        lineage.loc[:, ["item_id", "goal_id"]].dropna(),
        current.loc[:, ["item_id", "signal"]],
        _owner_statuses(frames),
    )
    return Attainment(
        indicators=indicators,
        history=history,
        current=current,
        goals=goals,
        by_strategy=strategy_counts(goals),
        totals=signal_counts(goals["signal"]),
    )
