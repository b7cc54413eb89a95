"""What a BI tool reads from the feed: the plan tree, rounds, current answers and every
revision, filtered, selected and paged the way Power BI and a warehouse ask."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.privacy.erase import erase_person, pseudonym_name
from storage.models import Person
from tests.factories import NOW
from tests.fakes.entra_issuer import EntraIssuer
from tests.feed.conftest import FeedHarness, feed_settings, follow_up, serve


def by_id(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["Id"]: row for row in rows}


async def test_items_are_the_plan_tree_with_owner_unit_kind_and_target(
    feed: FeedHarness, session: AsyncSession
) -> None:
    stored = await follow_up(session)
    setup = stored.setup
    items = by_id(
        (await feed.json("Items", {"$filter": f"PlanId eq {setup.round.plan_id}"}))["value"]
    )
    assert len(items) == 5
    strategy, goal, indicator = (
        items[setup.strategy.id],
        items[setup.goal.id],
        items[setup.indicator.id],
    )
    assert strategy["ParentId"] is None and strategy["Kind"] == "strategy"
    assert goal["ParentId"] == setup.strategy.id and goal["Kind"] == "goal"
    assert indicator["ParentId"] == setup.goal.id
    assert (indicator["Target"], indicator["MeasureUnit"]) == (80, "%")
    assert goal["OwnerName"] == "Anna Lindqvist" and goal["OwnerId"] == setup.owner.id
    assert goal["OrgUnitKey"].startswith("RS-")
    assert goal["Title"] == "Kortare väntetider i vården"
    assert items[setup.risk.id]["DelegateId"] == setup.delegate.id

    plans = (await feed.json("Plans"))["value"]
    assert {p["Id"] for p in plans} == {setup.round.plan_id, stored.previous.plan_id}
    rounds = by_id((await feed.json("Rounds"))["value"])
    assert rounds[setup.round.id]["State"] == "open"
    assert rounds[stored.previous.id]["State"] == "closed"
    assert rounds[setup.round.id]["DeadlineAt"] == setup.round.deadline_at.isoformat()
    asked = await feed.json("RoundItems", {"$filter": f"RoundId eq {setup.round.id}"})
    assert len(asked["value"]) == 4


async def test_current_answers_and_the_history_with_revisions_and_sources(
    feed: FeedHarness, session: AsyncSession
) -> None:
    stored = await follow_up(session)
    setup = stored.setup
    in_round = {"$filter": f"RoundKey eq '{setup.round.key}'"}
    current = (await feed.json("Answers", in_round))["value"]
    assert {(a["ItemId"], a["Revision"], a["StatusKey"]) for a in current} == {
        (setup.goal.id, 2, "at_risk"),
        (setup.indicator.id, 1, "on_track"),
        (setup.risk.id, 1, "deviation"),
    }
    goal = next(a for a in current if a["ItemId"] == setup.goal.id)
    assert (goal["Source"], goal["Comment"], goal["AnsweredByName"]) == (
        "cli",
        "Försenat.",
        "Anna Lindqvist",
    )
    indicator = next(a for a in current if a["ItemId"] == setup.indicator.id)
    assert indicator["Value"] == 72.5
    risk = next(a for a in current if a["ItemId"] == setup.risk.id)
    assert (risk["Likelihood"], risk["Consequence"], risk["RiskScore"]) == (3, 4, 12)
    assert risk["AnsweredByName"] == "Bo Ek"

    history = (await feed.json("AnswerHistory", in_round))["value"]
    goal_revisions = [(a["Revision"], a["Source"]) for a in history if a["ItemId"] == setup.goal.id]
    assert goal_revisions == [(1, "teams_card"), (2, "cli")]
    assert [a["Id"] for a in history] == sorted(a["Id"] for a in history)
    everything = (await feed.json("AnswerHistory"))["value"]
    assert len(everything) == len(stored.answers)


async def test_filters_on_round_plan_unit_and_changed_since(
    feed: FeedHarness, session: AsyncSession
) -> None:
    stored = await follow_up(session)
    setup, previous = stored.setup, stored.previous
    # The open round's items and last year's goal share the unit: the unit filter is checked
    # on the open round.

    async def ids(entity_set: str, text: str) -> set[int]:
        return {r["Id"] for r in (await feed.json(entity_set, {"$filter": text}))["value"]}

    answers = {a.id: a for a in stored.answers}
    of_round = {i for i, a in answers.items() if a.round_id == setup.round.id}
    assert await ids("AnswerHistory", f"RoundId eq {setup.round.id}") == of_round
    assert await ids("AnswerHistory", f"PlanId eq {previous.plan_id}") == (set(answers) - of_round)
    unit = (await feed.json("Items", {"$filter": f"Id eq {setup.goal.id}"}))["value"][0]
    unit_filter = f"OrgUnitKey eq '{unit['OrgUnitKey']}' and RoundId eq {setup.round.id}"
    assert await ids("AnswerHistory", unit_filter) == of_round
    assert await ids("AnswerHistory", "OrgUnitKey eq 'NO-SUCH-UNIT'") == set()
    # Incremental refresh: what changed in the last two hours, asked in Swedish time.
    recent = {i for i, a in answers.items() if a.answered_at > NOW - timedelta(hours=2)}
    utc = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert recent and await ids("AnswerHistory", f"AnsweredAt gt {utc}") == recent
    in_stockholm = (NOW - timedelta(hours=2)) + timedelta(hours=1)
    stockholm = in_stockholm.strftime("%Y-%m-%dT%H:%M:%S") + "+01:00"
    assert await ids("AnswerHistory", f"AnsweredAt gt {stockholm}") == recent
    # Power BI's incremental refresh asks for a window (RangeStart, RangeEnd); dates work too.
    start, end = (NOW - timedelta(days=200)).date(), (NOW - timedelta(days=30)).date()
    window = f"AnsweredAt ge {start} and AnsweredAt lt {end}"
    assert await ids("AnswerHistory", window) == {stored.answers[0].id}
    both = f"RoundKey in ('{setup.round.key}','{previous.key}') and StatusKey ne 'on_track'"
    assert await ids("Answers", both) == {stored.answers[2].id, stored.answers[4].id}
    assert await ids("Items", "contains(Title,'väntetider')") == {
        setup.goal.id,
        stored.previous_item.id,
    }


async def test_select_and_top(feed: FeedHarness, session: AsyncSession) -> None:
    await follow_up(session)
    body = await feed.json("AnswerHistory", {"$select": "RoundKey,StatusKey", "$top": "2"})
    assert [set(row) for row in body["value"]] == [{"RoundKey", "StatusKey"}] * 2
    assert body["@odata.context"].endswith("$metadata#AnswerHistory(RoundKey,StatusKey)")
    assert "@odata.nextLink" not in body
    assert (await feed.json("AnswerHistory", {"$top": "0"}))["value"] == []


async def test_pages_follow_a_keyset_chain_to_the_end(
    database_url: str, issuer: EntraIssuer, session: AsyncSession
) -> None:
    stored = await follow_up(session)
    async with serve(feed_settings(database_url, issuer, feed_page_size=2), issuer) as feed:
        rows, pages = await feed.all_pages("AnswerHistory")
        assert [r["Id"] for r in rows] == sorted(a.id for a in stored.answers)
        assert pages == 3  # 2 + 2 + 1, and no empty page after the last
        first = await feed.json("AnswerHistory", {"$select": "Id,Revision"})
        assert (
            "$skiptoken=" in first["@odata.nextLink"]
            and "$select=Id,Revision" in (first["@odata.nextLink"])
        )
        # $top over pages: 3 rows in all, the second page says there is no more.
        rows, pages = await feed.all_pages("AnswerHistory", {"$top": "3"})
        assert (len(rows), pages) == (3, 2)
        # A client asking for smaller pages gets them.
        smaller = await feed.get("AnswerHistory", headers={"Prefer": "odata.maxpagesize=1"})
        assert len((await smaller.json(content_type=None))["value"]) == 1
        assert smaller.headers["Preference-Applied"] == "odata.maxpagesize=1"
        # Paging with a filter keeps the filter.
        goal = stored.setup.goal.id
        rows, pages = await feed.all_pages("AnswerHistory", {"$filter": f"ItemId ne {goal}"})
        assert {r["ItemId"] for r in rows} == {a.item_id for a in stored.answers} - {goal}


async def test_erased_people_appear_only_by_their_pseudonym(
    feed: FeedHarness, session: AsyncSession
) -> None:
    stored = await follow_up(session)
    anna = await session.get(Person, stored.setup.owner.id)
    assert anna is not None
    await erase_person(session, anna, actor="dataskyddsombud@region-exempel.se", now=NOW)
    await session.commit()
    pseudonym = pseudonym_name(anna.id)
    for entity_set in ("People", "Items", "RoundItems", "Answers", "AnswerHistory"):
        response = await feed.get(entity_set)
        text = await response.text()
        assert "Anna" not in text and "Lindqvist" not in text, entity_set
        assert pseudonym in text, entity_set
    people = by_id((await feed.json("People"))["value"])
    assert people[anna.id]["Erased"] is True and people[anna.id]["Name"] == pseudonym
    assert "Upn" not in people[anna.id]  # no contact details in the feed at all


async def test_a_person_marked_erased_is_shown_by_pseudonym_even_if_a_name_was_left(
    feed: FeedHarness, session: AsyncSession
) -> None:
    stored = await follow_up(session)
    bo = await session.get(Person, stored.setup.delegate.id)
    assert bo is not None
    bo.erased_at = NOW  # as if an erasure had missed the name in the row itself
    await session.commit()
    risk = stored.setup.risk.id
    answers = (await feed.json("Answers", {"$filter": f"ItemId eq {risk}"}))["value"]
    assert answers[0]["AnsweredByName"] == pseudonym_name(bo.id)
    selected = await feed.json(
        "AnswerHistory", {"$filter": f"ItemId eq {risk}", "$select": "AnsweredByName"}
    )
    assert selected["value"] == [{"AnsweredByName": pseudonym_name(bo.id)}]
    people = by_id((await feed.json("People"))["value"])
    assert people[bo.id]["Name"] == pseudonym_name(bo.id)


async def test_bad_queries_are_told_what_is_wrong(feed: FeedHarness, session: AsyncSession) -> None:
    await follow_up(session)
    cases = {
        ("Answers", "$filter", "RoundKey eq"): (400, "$filter kunde inte tolkas"),
        ("Answers", "$filter", "Nonsense eq 1"): (400, "Okänd egenskap ”Nonsense”"),
        ("Answers", "$select", "Id,Nonsense"): (400, "Okänd egenskap ”Nonsense”"),
        ("Answers", "$top", "-1"): (400, "$top ska vara ett heltal"),
        ("Answers", "$skiptoken", "abc"): (400, "$skiptoken ska vara ett heltal"),
        ("Answers", "$expand", "Round"): (501, "$expand stöds inte"),
        ("Answers", "$orderby", "AnsweredAt desc"): (501, "$orderby kan bara vara Id"),
        ("Answers", "$format", "xml"): (406, "bara som JSON"),
        ("Secrets", "$top", "1"): (404, "ingen mängd som heter ”Secrets”"),
    }
    for (entity_set, option, value), (status, message) in cases.items():
        response = await feed.get(entity_set, {option: value})
        assert response.status == status, (option, value)
        assert message in (await response.json(content_type=None))["error"]["message"]
    ordered = await feed.get("Answers", {"$orderby": "Id asc", "$format": "json"})
    assert ordered.status == 200


async def test_an_unreachable_store_is_503_so_a_refresh_can_retry(
    issuer: EntraIssuer, tmp_path: Path
) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'lagesbot.sqlite3'}"
    async with serve(feed_settings(missing, issuer), issuer) as feed:
        response = await feed.get("Answers")
        assert response.status == 503
        body = await response.json(content_type=None)
        assert body["error"]["code"] == "ServiceUnavailable"
