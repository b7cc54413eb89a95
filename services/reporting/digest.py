"""The steering-group digest as pure pandas transforms.

``storage.digest_queries`` reads plain frames for one round and scope; everything here is a
function of those frames, so the card, ``lagesbot report`` and the Excel export show the same
numbers and the tests can state them exactly.

Input frames (columns):

- ``items``: the round's items in scope: item_id, item_key, title, kind, parent_id, position,
  owner_id, owner_name.
- ``plan_items``: every item of the round's plan (for the parent chain): item_id, parent_id,
  kind, title, position.
- ``answers``: the current answer (highest revision) per item of the round: item_id,
  status_key, likelihood, consequence, comment, answered_by_id, revision.
- ``previous``: the current answer per item of the previous round: item_id, status_key.
- ``statuses``: the round's status scale: status_key, label, card_colour, severity, position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd

from storage.digest_queries import (
    ANSWER_COLUMNS,
    ITEM_COLUMNS,
    PREVIOUS_COLUMNS,
)

if TYPE_CHECKING:
    from services.goals.rollup import Attainment

Level = Literal["strategy", "goal"]
Change = Literal["better", "worse"]

# Plans are a handful of levels deep; the bound only protects against a cycle in bad data.
MAX_DEPTH: Final = 32
UNANSWERED: Final = "unanswered"
TOTAL: Final = "total"
# Statuses shown in these card colours are the scale's own way of saying "needs attention";
# the digest lists their items with the owner's comment.
CONCERN_COLOURS: Final = frozenset({"warning", "attention"})


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


@dataclass(frozen=True)
class DigestFrames:
    items: pd.DataFrame
    plan_items: pd.DataFrame
    answers: pd.DataFrame
    previous: pd.DataFrame
    statuses: pd.DataFrame


@dataclass(frozen=True)
class AnswerRate:
    items: int
    answered: int
    owners: int
    owners_done: int

    @property
    def rate(self) -> float:
        return self.answered / self.items if self.items else 0.0


def _chains(items: pd.DataFrame, plan_items: pd.DataFrame) -> np.ndarray:
    """Row numbers (in ``plan_items``) of each item and its ancestors, item first, one row
    per item, padded with -1 above the root."""
    plan_ids = pd.Index(plan_items["item_id"].astype("int64").to_numpy())
    parents = plan_ids.get_indexer(pd.Index(plan_items["parent_id"].fillna(-1).astype("int64")))
    parents = np.append(parents, -1)  # row -1 (no such item) has no parent either
    current = plan_ids.get_indexer(pd.Index(items["item_id"].astype("int64")))
    chain = [current]
    for _ in range(MAX_DEPTH):
        current = parents[current]
        if (current < 0).all():
            break
        chain.append(current)
    return np.stack(chain, axis=1)


def ancestors(items: pd.DataFrame, plan_items: pd.DataFrame) -> pd.DataFrame:
    """For each item, the nearest strategy and goal on its parent chain (the item itself
    counts: a goal's own answer belongs to that goal), and its rank in the plan's reading
    order (depth first, siblings by position). Columns: item_id, strategy_id, strategy,
    goal_id, goal, plan_rank; ids are missing where an item has no such ancestor."""
    chains = _chains(items, plan_items)
    rows = np.arange(len(chains))
    present = chains >= 0
    safe = np.where(present, chains, 0)
    kinds = plan_items["kind"].astype("object").to_numpy()
    plan_ids = plan_items["item_id"].astype("int64").to_numpy()
    titles = plan_items["title"].astype("object").to_numpy()
    positions = plan_items["position"].astype("int64").to_numpy()

    def nearest(kind: str) -> tuple[pd.Series, pd.Series]:
        hits = present & (kinds[safe] == kind) if len(kinds) else present & False
        found = hits.any(axis=1)
        level = hits.argmax(axis=1)
        at = safe[rows, level]
        ids = pd.Series(np.where(found, plan_ids[at] if len(plan_ids) else 0, 0), dtype="Int64")
        ids = ids.mask(pd.Series(~found))
        names = pd.Series(np.where(found, titles[at] if len(titles) else None, None), dtype="str")
        return ids, names

    strategy_id, strategy = nearest("strategy")
    goal_id, goal = nearest("goal")
    # Root first: level k of an item of depth d is its chain entry d-1-k.
    depth = present.sum(axis=1)
    width = chains.shape[1]
    from_root = depth[:, None] - 1 - np.arange(width)[None, :]
    root_first = np.where(from_root >= 0, chains[rows[:, None], np.clip(from_root, 0, None)], -1)
    keys: list[np.ndarray] = []
    for level in range(width):
        column = root_first[:, level]
        known = column >= 0
        keys.append(np.where(known, positions[np.where(known, column, 0)], -1))
        keys.append(np.where(known, plan_ids[np.where(known, column, 0)], -1))
    order = np.lexsort(keys[::-1]) if len(rows) else rows
    rank = np.empty(len(rows), dtype="int64")
    rank[order] = np.arange(len(rows), dtype="int64")
    return pd.DataFrame(
        {
            "item_id": items["item_id"].astype("int64").to_numpy(),
            "strategy_id": strategy_id.to_numpy(),
            "strategy": strategy.to_numpy(),
            "goal_id": goal_id.to_numpy(),
            "goal": goal.to_numpy(),
            "plan_rank": rank,
        }
    ).astype({"strategy_id": "Int64", "goal_id": "Int64", "strategy": "str", "goal": "str"})


def in_subtrees(item_ids: pd.Series, plan_items: pd.DataFrame, roots: set[int]) -> pd.Series:
    """Whether each item is one of ``roots`` or below one of them."""
    parent = plan_items.set_index("item_id")["parent_id"].astype("Int64")
    current = item_ids.astype("Int64").reset_index(drop=True)
    found = pd.Series(False, index=current.index)
    for _ in range(MAX_DEPTH):
        if not current.notna().any():
            break
        found |= current.isin(roots).fillna(False).astype(bool)
        current = current.map(parent).astype("Int64")
    return found


def item_table(frames: DigestFrames) -> pd.DataFrame:
    """One row per item in scope with everything the digest says about it: the strategy
    and goal above it, the current and previous status with their severities, the risk
    score and the comment. Ordered as in the plan."""
    items = frames.items.loc[:, list(ITEM_COLUMNS)].astype(
        {"item_id": "int64", "owner_id": "int64", "position": "int64"}
    )
    severity = frames.statuses.set_index("status_key")["severity"]
    answers = frames.answers.loc[:, list(ANSWER_COLUMNS)].astype({"item_id": "int64"})
    previous = (
        frames.previous.loc[:, list(PREVIOUS_COLUMNS)]
        .astype({"item_id": "int64"})
        .rename(columns={"status_key": "previous_status_key"})
    )
    table = (
        items.merge(ancestors(items, frames.plan_items), on="item_id", how="left")
        .merge(answers, on="item_id", how="left")
        .merge(previous, on="item_id", how="left")
    )
    table["answered"] = table["revision"].notna()
    table["severity"] = table["status_key"].map(severity).astype("Int64")
    table["previous_severity"] = table["previous_status_key"].map(severity).astype("Int64")
    table["likelihood"] = table["likelihood"].astype("Int64")
    table["consequence"] = table["consequence"].astype("Int64")
    table["score"] = table["likelihood"] * table["consequence"]
    return table.sort_values("plan_rank", kind="stable").reset_index(drop=True)


def answer_rate(table: pd.DataFrame) -> AnswerRate:
    """Items answered, and owners who have answered every item they were asked about."""
    per_owner = table.groupby("owner_id")["answered"].all()
    return AnswerRate(
        items=len(table),
        answered=int(table["answered"].sum()),
        owners=len(per_owner),
        owners_done=int(per_owner.sum()),
    )


def status_distribution(table: pd.DataFrame, statuses: pd.DataFrame, level: Level) -> pd.DataFrame:
    """Items per status under each strategy (or goal): one row per group in plan order,
    one column per status of the scale (in the scale's order), then ``unanswered`` and
    ``total``. Items with no such ancestor form a last row whose id is missing."""
    id_column = f"{level}_id"
    columns = [*statuses.sort_values("position")["status_key"], UNANSWERED]
    status = table["status_key"].where(table["answered"], UNANSWERED).fillna(UNANSWERED)
    status_codes = pd.Categorical(status, categories=columns).codes.astype("int64")
    # A key the scale no longer has counts with the unanswered: it says nothing current.
    status_codes[status_codes < 0] = len(columns) - 1
    group_ids = table[id_column].fillna(-1).astype("int64").to_numpy()
    # Groups in the order their first item appears (the table is in plan order); items
    # without such an ancestor last.
    groups = pd.unique(group_ids)
    groups = np.concatenate([groups[groups != -1], groups[groups == -1]])
    group_codes = pd.Index(groups).get_indexer(pd.Index(group_ids))
    counts = np.bincount(
        group_codes * len(columns) + status_codes, minlength=len(groups) * len(columns)
    ).reshape(len(groups), len(columns))
    titles = table.assign(_gid=group_ids).drop_duplicates("_gid").set_index("_gid")[level]
    result = pd.DataFrame(counts.astype("int64"), columns=columns)
    result[TOTAL] = counts.sum(axis=1).astype("int64")
    result.insert(0, level, titles.reindex(groups).astype("str").to_numpy())
    result.insert(0, id_column, pd.Series(groups, dtype="Int64").mask(groups == -1))
    return result


def status_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Items whose status differs from their status in the previous round, worse first and
    the biggest steps first. Columns: item_id, title, owner_name, previous_status_key,
    status_key, change ("better"/"worse"), steps (severity difference, always > 0)."""
    both = table[table["severity"].notna() & table["previous_severity"].notna()]
    moved = both[both["status_key"] != both["previous_status_key"]].copy()
    delta = (moved["severity"] - moved["previous_severity"]).astype("int64")
    moved["change"] = pd.Series(
        np.where(delta.to_numpy() > 0, "worse", "better"), index=moved.index, dtype="str"
    )
    moved["steps"] = delta.abs().astype("int64")
    moved["_worse"] = (delta > 0).astype("int64")
    moved = moved.sort_values(
        ["_worse", "steps", "plan_rank"],
        ascending=[False, False, True],
        kind="stable",
    )
    # Same severity but another key (a custom scale may have ties) is not a change to report.
    moved = moved[moved["steps"] > 0]
    return moved.loc[
        :,
        [
            "item_id",
            "title",
            "owner_name",
            "previous_status_key",
            "status_key",
            "change",
            "steps",
        ],
    ].reset_index(drop=True)


def risks(table: pd.DataFrame) -> pd.DataFrame:
    """Every item with a risk assessment, highest score (likelihood × consequence) first;
    ties by consequence, then plan order. Columns: item_id, title, owner_name,
    likelihood, consequence, score, status_key, comment."""
    scored = table[table["score"].notna()]
    scored = scored.sort_values(
        ["score", "consequence", "plan_rank"],
        ascending=[False, False, True],
        kind="stable",
    )
    columns = [
        "item_id",
        "title",
        "owner_name",
        "likelihood",
        "consequence",
        "score",
        "status_key",
        "comment",
    ]
    result = scored.loc[:, columns].reset_index(drop=True)
    return result.astype({"likelihood": "int64", "consequence": "int64", "score": "int64"})


def heat_map(table: pd.DataFrame, likelihood_max: int, consequence_max: int) -> pd.DataFrame:
    """Count of assessed risks per (likelihood, consequence): rows from the highest
    likelihood down (as the matrix is drawn), columns consequence 1..max."""
    scored = table[table["score"].notna()]
    rows = list(range(likelihood_max, 0, -1))
    columns = list(range(1, consequence_max + 1))
    counts = (
        scored.groupby(
            [scored["likelihood"].astype("int64"), scored["consequence"].astype("int64")]
        )
        .size()
        .unstack(fill_value=0)
    )
    grid = counts.reindex(index=rows, columns=columns, fill_value=0).astype("int64")
    grid.index = pd.Index(rows, name="likelihood", dtype="int64")
    grid.columns = pd.Index(columns, name="consequence", dtype="int64")
    return grid


def at_risk(table: pd.DataFrame, statuses: pd.DataFrame) -> pd.DataFrame:
    """Items whose current status is one the scale marks for attention, worst first, with
    the owner's comment. Columns: item_id, title, owner_name, status_key, comment."""
    concern = set(statuses.loc[statuses["card_colour"].isin(CONCERN_COLOURS), "status_key"])
    found = table[table["status_key"].isin(concern)]
    found = found.sort_values(["severity", "plan_rank"], ascending=[False, True], kind="stable")
    return found.loc[:, ["item_id", "title", "owner_name", "status_key", "comment"]].reset_index(
        drop=True
    )


def not_answered(table: pd.DataFrame) -> pd.DataFrame:
    """Owners with at least one unanswered item, most missing first. Columns: owner_id,
    owner_name, unanswered, items."""
    per_owner = table.groupby(["owner_id", "owner_name"], sort=False).agg(
        items=("item_id", "size"), answered=("answered", "sum")
    )
    per_owner["unanswered"] = (per_owner["items"] - per_owner["answered"]).astype("int64")
    per_owner["items"] = per_owner["items"].astype("int64")
    missing = per_owner[per_owner["unanswered"] > 0].reset_index()
    missing = missing.sort_values(
        ["unanswered", "owner_name", "owner_id"], ascending=[False, True, True], kind="stable"
    )
    return missing.loc[:, ["owner_id", "owner_name", "unanswered", "items"]].reset_index(drop=True)


@dataclass(frozen=True)
class RoundInfo:
    round_id: int
    key: str
    name: str
    state: str
    deadline: datetime
    closed_at: datetime | None
    previous_round_name: str | None = None


@dataclass(frozen=True)
class RiskAxes:
    likelihood_max: int
    consequence_max: int
    # value -> label, per axis; bands as (min, max, label, card colour)
    likelihood_labels: dict[int, str] = field(default_factory=dict)
    consequence_labels: dict[int, str] = field(default_factory=dict)
    bands: tuple[tuple[int, int, str, str], ...] = ()

    def band(self, score: int) -> tuple[str, str] | None:
        for low, high, label, colour in self.bands:
            if low <= score <= high:
                return label, colour
        return None


@dataclass(frozen=True)
class Digest:
    """Every number of one round's digest for one scope."""

    round: RoundInfo
    rate: AnswerRate
    statuses: pd.DataFrame
    by_strategy: pd.DataFrame
    by_goal: pd.DataFrame
    changes: pd.DataFrame
    risks: pd.DataFrame
    heat_map: pd.DataFrame
    at_risk: pd.DataFrame
    not_answered: pd.DataFrame
    items: pd.DataFrame
    risk_axes: RiskAxes | None = None
    totals: pd.Series | None = None
    # Indicators against targets, goals' computed signals, trends (services.goals.rollup).
    attainment: Attainment | None = None

    @property
    def better(self) -> int:
        return int((self.changes["change"] == "better").sum())

    @property
    def worse(self) -> int:
        return int((self.changes["change"] == "worse").sum())

    def status_totals(self) -> pd.Series:
        """Items per status over the whole scope, in the scale's order, then unanswered."""
        if self.totals is not None:
            return self.totals
        return status_totals(self.items, self.statuses)


def status_totals(table: pd.DataFrame, statuses: pd.DataFrame) -> pd.Series:
    keys = [*statuses.sort_values("position")["status_key"], UNANSWERED]
    status = table["status_key"].where(table["answered"], UNANSWERED)
    counts = status.fillna(UNANSWERED).value_counts()
    return counts.reindex(keys, fill_value=0).astype("int64")


def compute_digest(
    frames: DigestFrames, round_info: RoundInfo, risk_axes: RiskAxes | None = None
) -> Digest:
    table = item_table(frames)
    statuses = frames.statuses.sort_values("position").reset_index(drop=True)
    axes = risk_axes or RiskAxes(4, 4)
    return Digest(
        round=round_info,
        rate=answer_rate(table),
        statuses=statuses,
        by_strategy=status_distribution(table, statuses, "strategy"),
        by_goal=status_distribution(table, statuses, "goal"),
        changes=status_changes(table),
        risks=risks(table),
        heat_map=heat_map(table, axes.likelihood_max, axes.consequence_max),
        at_risk=at_risk(table, statuses),
        not_answered=not_answered(table),
        items=table,
        risk_axes=risk_axes,
        totals=status_totals(table, statuses),
    )
