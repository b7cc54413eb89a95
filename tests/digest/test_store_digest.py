"""The digest read from the store on both backends: current answers (highest revision),
the previous round, and a steering group's scope."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting import digest_source
from services.reporting.digest import AnswerRate
from storage.digest_queries import Scope
from tests.digest.helpers import answered_round, org_unit_key
from tests.factories import open_round


async def test_the_digest_uses_the_latest_revision_and_compares_with_the_previous_round(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    d = await digest_source.load_digest(session, s.round, Scope())

    assert d.rate == AnswerRate(items=4, answered=3, owners=2, owners_done=1)
    assert d.round.previous_round_name == "Tertial 1 2026"
    expected = pd.DataFrame(
        {
            "strategy_id": pd.array([s.strategy.id], dtype="Int64"),
            "strategy": ["God och jämlik hälsa"],
            "done": [0],
            "on_track": [1],
            "deviation": [1],
            "at_risk": [1],
            "not_started": [0],
            "unanswered": [1],
            "total": [4],
        }
    )
    assert_frame_equal(d.by_strategy, expected)
    changes = d.changes.loc[:, ["title", "previous_status_key", "status_key", "change"]]
    assert changes.to_dict("records") == [
        {
            "title": "Kortare väntetider i vården",
            "previous_status_key": "on_track",
            "status_key": "deviation",
            "change": "worse",
        }
    ]
    assert d.risks.loc[0, "score"] == 12
    assert list(d.heat_map.loc[3]) == [0, 0, 0, 1]  # likelihood 3, consequence 1..4
    assert list(d.at_risk["comment"]) == ["Svårt att rekrytera.", "Vakanser på kirurgen."]
    assert list(d.not_answered["owner_name"]) == ["Cecilia Berg"]


async def test_a_scope_limits_the_digest_to_its_part_of_the_plan(session: AsyncSession) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    only_risk = await digest_source.load_digest(session, s.round, Scope(plan_items=("R1",)))
    assert list(only_risk.items["title"]) == ["Brist på specialistsjuksköterskor"]
    assert only_risk.rate == AnswerRate(items=1, answered=1, owners=1, owners_done=1)

    unit = await org_unit_key(session, s)
    whole_unit = await digest_source.load_digest(session, s.round, Scope(org_units=(unit,)))
    assert whole_unit.rate.items == 4

    elsewhere = await digest_source.load_digest(session, s.round, Scope(org_units=("NOPE",)))
    assert elsewhere.rate == AnswerRate(items=0, answered=0, owners=0, owners_done=0)
    assert elsewhere.by_strategy.empty
