"""The digest's numbers, stated exactly for a small hand-built round."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal, assert_series_equal

from services.reporting import digest
from services.reporting.digest import (
    AnswerRate,
    DigestFrames,
    compute_digest,
    empty_frame,
    item_table,
)
from storage import digest_queries
from tests.digest.frames import AXES, ROUND, STATUSES, frames

STATUS_COLUMNS = ["done", "on_track", "deviation", "at_risk", "not_started"]


def table() -> pd.DataFrame:
    return item_table(frames())


def test_items_come_in_plan_order_with_their_strategy_and_goal() -> None:
    t = table()
    assert list(t["item_id"]) == [3, 4, 5, 7, 8]
    expected = pd.DataFrame(
        {
            "item_id": [3, 4, 5, 7, 8],
            "strategy_id": pd.array([1, 1, 1, 6, None], dtype="Int64"),
            "strategy": ["God och jämlik hälsa"] * 3 + ["Ekonomi i balans", None],
            "goal_id": pd.array([2, 2, 5, None, None], dtype="Int64"),
            "goal": ["Kortare väntetider", "Kortare väntetider", "Fler vårdplatser", None, None],
        }
    )
    assert_frame_equal(t.loc[:, list(expected.columns)], expected)


def test_answer_rate_counts_items_and_owners_who_answered_everything() -> None:
    assert digest.answer_rate(table()) == AnswerRate(items=5, answered=4, owners=3, owners_done=2)
    assert digest.answer_rate(table()).rate == 0.8


def test_status_distribution_per_strategy() -> None:
    expected = pd.DataFrame(
        {
            "strategy_id": pd.array([1, 6, None], dtype="Int64"),
            "strategy": ["God och jämlik hälsa", "Ekonomi i balans", None],
            "done": [0, 0, 1],
            "on_track": [1, 0, 0],
            "deviation": [1, 0, 0],
            "at_risk": [1, 0, 0],
            "not_started": [0, 0, 0],
            "unanswered": [0, 1, 0],
            "total": [3, 1, 1],
        }
    )
    assert_frame_equal(digest.status_distribution(table(), STATUSES, "strategy"), expected)


def test_status_distribution_per_goal() -> None:
    expected = pd.DataFrame(
        {
            "goal_id": pd.array([2, 5, None], dtype="Int64"),
            "goal": ["Kortare väntetider", "Fler vårdplatser", None],
            "done": [0, 0, 1],
            "on_track": [1, 0, 0],
            "deviation": [0, 1, 0],
            "at_risk": [1, 0, 0],
            "not_started": [0, 0, 0],
            "unanswered": [0, 0, 1],
            "total": [2, 1, 2],
        }
    )
    assert_frame_equal(digest.status_distribution(table(), STATUSES, "goal"), expected)


def test_changes_since_the_previous_round_worse_first() -> None:
    expected = pd.DataFrame(
        {
            "item_id": [4, 3, 8],
            "title": ["Brist på sjuksköterskor", "Fler operationer", "Fristående uppdrag"],
            "owner_name": ["Bo Ek", "Anna Lindqvist", "Bo Ek"],
            "previous_status_key": ["on_track", "deviation", "not_started"],
            "status_key": ["at_risk", "on_track", "done"],
            "change": ["worse", "better", "better"],
            "steps": [3, 2, 2],
        }
    )
    assert_frame_equal(digest.status_changes(table()), expected)
    assert digest.status_changes(table())["steps"].dtype == "int64"


def test_risks_by_score_and_the_heat_map() -> None:
    expected = pd.DataFrame(
        {
            "item_id": [4, 8],
            "title": ["Brist på sjuksköterskor", "Fristående uppdrag"],
            "owner_name": ["Bo Ek", "Bo Ek"],
            "likelihood": [3, 1],
            "consequence": [4, 2],
            "score": [12, 2],
            "status_key": ["at_risk", "done"],
            "comment": ["Svårt att rekrytera", None],
        }
    )
    assert_frame_equal(digest.risks(table()), expected)
    heat = pd.DataFrame(
        [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 1, 0, 0]],
        index=pd.Index([4, 3, 2, 1], name="likelihood"),
        columns=pd.Index([1, 2, 3, 4], name="consequence"),
    )
    assert_frame_equal(digest.heat_map(table(), 4, 4), heat)


def test_items_at_risk_with_the_owners_comment() -> None:
    expected = pd.DataFrame(
        {
            "item_id": [4, 5],
            "title": ["Brist på sjuksköterskor", "Fler vårdplatser"],
            "owner_name": ["Bo Ek", "Anna Lindqvist"],
            "status_key": ["at_risk", "deviation"],
            "comment": ["Svårt att rekrytera", "Försenad byggstart"],
        }
    )
    assert_frame_equal(digest.at_risk(table(), STATUSES), expected)


def test_who_has_not_answered() -> None:
    expected = pd.DataFrame(
        {"owner_id": [12], "owner_name": ["Cecilia Berg"], "unanswered": [1], "items": [1]}
    )
    assert_frame_equal(digest.not_answered(table()), expected)


def test_the_whole_digest_and_status_totals() -> None:
    d = compute_digest(frames(), ROUND, AXES)
    assert (d.better, d.worse) == (2, 1)
    assert_series_equal(
        d.status_totals(),
        pd.Series(
            [1, 1, 1, 1, 0, 1],
            index=[*STATUS_COLUMNS, "unanswered"],
            dtype="int64",
        ),
        check_names=False,
    )


def test_a_round_without_answers_or_previous_round() -> None:
    f = frames()
    bare = DigestFrames(
        items=f.items,
        plan_items=f.plan_items,
        answers=empty_frame(digest_queries.ANSWER_COLUMNS),
        previous=empty_frame(digest_queries.PREVIOUS_COLUMNS),
        statuses=f.statuses,
    )
    d = compute_digest(bare, ROUND, AXES)
    assert d.rate == AnswerRate(items=5, answered=0, owners=3, owners_done=0)
    assert d.changes.empty and d.risks.empty and d.at_risk.empty
    assert int(d.heat_map.to_numpy().sum()) == 0
    assert list(d.not_answered["owner_name"]) == ["Anna Lindqvist", "Bo Ek", "Cecilia Berg"]
    assert list(d.by_strategy["unanswered"]) == [3, 1, 1]
