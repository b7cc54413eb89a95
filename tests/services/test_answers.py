"""Recording answers: what gets stored, what is refused, and that nothing is overwritten."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import verbs
from cards.status_card import create_status_card
from services.answering import answers
from services.answering.answers import Outcome
from services.answering.status_view import build_status_view
from storage import responses as response_store
from storage.models import Person, Response, RoundState
from tests import cardtools
from tests.factories import NOW, RoundSetup, open_round


def typed(s: RoundSetup) -> dict[str, str]:
    """What Anna chooses and types for her three items."""
    return {
        f"status.{s.goal.id}": "on_track",
        f"comment.{s.goal.id}": "Väntetiderna minskar.",
        f"status.{s.indicator.id}": "deviation",
        f"value.{s.indicator.id}": "72,5",
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": "3",
        f"consequence.{s.risk.id}": "4",
    }


async def from_card(
    session: AsyncSession,
    s: RoundSetup,
    changes: dict[str, str] | None = None,
    *,
    viewer: Person | None = None,
) -> dict[str, Any]:
    """What a client sends for Skicka on the card ``viewer`` (default Anna) gets now, in
    the editing form, after choosing ``changes`` (default: Anna's answers on a fresh card)."""
    view = await build_status_view(
        session,
        request=s.request,
        rnd=s.round,
        person=s.owner,
        language="sv",
        now=NOW,
        viewer=viewer,
    )
    card = create_status_card(view, editing=True)
    return cardtools.press(card, verbs.SUBMIT_STATUS, typed(s) if changes is None else changes)


def full_answer(s: RoundSetup, **overrides: Any) -> dict[str, Any]:
    """A payload built by hand, for the server's checks against what no card sends (an old
    card, another client, a forged request): the card-derived ones are from_card()."""
    data: dict[str, Any] = {
        "round_id": s.round.id,
        "request_id": s.request.id,
        "page": 1,
        "revisions": {},
        f"status.{s.goal.id}": "on_track",
        f"comment.{s.goal.id}": "Väntetiderna minskar.",
        f"status.{s.indicator.id}": "deviation",
        f"value.{s.indicator.id}": "72,5",
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": "3",
        f"consequence.{s.risk.id}": "4",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def count_responses(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(Response.id)))).scalar_one())


async def submit(
    session: AsyncSession, s: RoundSetup, data: dict[str, Any], actor: Any = None
) -> answers.SubmitResult:
    result = await answers.submit(
        session, actor=actor or s.owner, submission=answers.parse_submission(data), now=NOW
    )
    await session.commit()
    return result


async def test_a_complete_answer_stores_one_row_per_item(session: AsyncSession) -> None:
    s = await open_round(session)
    result = await submit(session, s, await from_card(session, s))
    assert result.outcome is Outcome.RECORDED
    stored = await response_store.current_answers(
        session, s.round.id, [s.goal.id, s.indicator.id, s.risk.id]
    )
    assert stored[s.goal.id].status_key == "on_track"
    assert stored[s.goal.id].comment == "Väntetiderna minskar."
    assert stored[s.indicator.id].value == Decimal("72.5")
    assert (stored[s.risk.id].likelihood, stored[s.risk.id].consequence) == (3, 4)
    assert {r.answered_by_id for r in stored.values()} == {s.owner.id}
    assert await count_responses(session) == 3


async def test_the_same_submit_twice_is_one_logical_answer(session: AsyncSession) -> None:
    s = await open_round(session)
    data = await from_card(session, s)
    await submit(session, s, data)
    again = await submit(session, s, data)
    assert again.outcome is Outcome.UNCHANGED
    assert await count_responses(session) == 3


async def test_a_changed_answer_is_a_new_revision_and_history_is_kept(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    await submit(session, s, await from_card(session, s))
    changed = await from_card(session, s, {f"status.{s.goal.id}": "deviation"})
    assert changed["revisions"] == {str(i): 1 for i in (s.goal.id, s.indicator.id, s.risk.id)}
    result = await submit(session, s, changed)
    assert result.outcome is Outcome.RECORDED
    history = await response_store.history(session, s.round.id, s.goal.id)
    assert [(r.revision, r.status_key) for r in history] == [(1, "on_track"), (2, "deviation")]
    assert await count_responses(session) == 4


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("status", None, "error.status_missing"),
        ("status", "purple", "error.status_unknown"),
        ("comment", "x" * 501, "error.comment_too_long"),
        ("value", "tolv", "error.value_not_number"),
        ("likelihood", "5", "error.risk_out_of_scale"),
        ("consequence", None, "error.consequence_missing"),
    ],
)
async def test_invalid_fields_come_back_with_the_typed_values_and_nothing_is_stored(
    session: AsyncSession, field: str, value: str | None, code: str
) -> None:
    s = await open_round(session)
    target = {"status": s.goal.id, "comment": s.goal.id, "value": s.indicator.id}.get(
        field, s.risk.id
    )
    key = f"{field}.{target}"
    result = await submit(session, s, full_answer(s, **{key: value}))
    assert result.outcome is Outcome.INVALID
    assert result.errors[key].code == code
    assert result.typed.get(key) == value
    assert result.typed[f"status.{s.indicator.id}"] == "deviation"
    assert await count_responses(session) == 0


async def test_a_closed_round_stores_nothing(session: AsyncSession) -> None:
    s = await open_round(session)
    data = await from_card(session, s)  # the card from while the round was open
    s.round.state = RoundState.CLOSED
    await session.commit()
    result = await submit(session, s, data)
    assert result.outcome is Outcome.CLOSED
    assert await count_responses(session) == 0


async def test_someone_else_is_refused(session: AsyncSession) -> None:
    s = await open_round(session)
    result = await submit(session, s, await from_card(session, s), actor=s.other)
    assert result.outcome is Outcome.REFUSED
    assert await count_responses(session) == 0


async def test_an_item_of_another_person_is_refused(session: AsyncSession) -> None:
    s = await open_round(session)
    data = full_answer(s, **{f"status.{s.other_item.id}": "done"})
    result = await submit(session, s, data)
    assert result.outcome is Outcome.REFUSED
    assert await count_responses(session) == 0


async def test_the_delegate_may_answer_the_delegated_item_only(session: AsyncSession) -> None:
    s = await open_round(session)
    risk = {f"status.{s.risk.id}": "at_risk", f"likelihood.{s.risk.id}": "2"}
    risk_only = await from_card(
        session, s, {**risk, f"consequence.{s.risk.id}": "2"}, viewer=s.delegate
    )
    assert set(risk_only) - {"round_id", "request_id", "page", "revisions"} == {
        f"status.{s.risk.id}",
        f"likelihood.{s.risk.id}",
        f"consequence.{s.risk.id}",
    }
    assert (await submit(session, s, risk_only, actor=s.delegate)).outcome is Outcome.RECORDED
    goal_too = await from_card(session, s)  # Anna's whole card
    assert (await submit(session, s, goal_too, actor=s.delegate)).outcome is Outcome.REFUSED


async def test_an_answer_given_meanwhile_is_not_silently_overwritten(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    annas = await from_card(session, s)  # rendered before Bo answers: revision 0 everywhere
    risk = {f"status.{s.risk.id}": "deviation", f"likelihood.{s.risk.id}": "2"}
    risk_only = await from_card(
        session, s, {**risk, f"consequence.{s.risk.id}": "2"}, viewer=s.delegate
    )
    await submit(session, s, risk_only, actor=s.delegate)
    result = await submit(session, s, annas)
    assert result.outcome is Outcome.CONFLICT
    assert result.conflict is not None and result.conflict.answered_by == "Bo Ek"
    assert await count_responses(session) == 1


async def test_concurrent_duplicate_submits_store_one_answer(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        s = await open_round(session)
        data = await from_card(session, s)
    outcomes = []
    for _ in range(2):
        async with session_factory() as session:
            owner = await session.get(type(s.owner), s.owner.id)
            assert owner is not None
            outcomes.append(
                (
                    await answers.submit(
                        session, actor=owner, submission=answers.parse_submission(data), now=NOW
                    )
                ).outcome
            )
            await session.commit()
    assert outcomes == [Outcome.RECORDED, Outcome.UNCHANGED]
    async with session_factory() as session:
        assert await count_responses(session) == 3


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"round_id": "x", "request_id": 1},
        {"round_id": 1, "request_id": True},
        {"round_id": 1, "request_id": 1, "revisions": []},
        {"round_id": 1, "request_id": 1, "revisions": {"a": 1}},
        [1, 2],
    ],
)
def test_malformed_action_data_is_refused(data: Any) -> None:
    with pytest.raises(answers.MalformedSubmission):
        answers.parse_submission(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", Decimal("12.5")),
        ("12 500", Decimal("12500")),
        ("−3", Decimal("-3")),
        ("", None),
        ("12.5", Decimal("12.5")),
        ("1 234,5", Decimal("1234.5")),
        ("80 %", Decimal("80")),
    ],
)
def test_numbers_are_read_as_swedes_type_them(text: str, expected: Decimal | None) -> None:
    assert answers.parse_number(text) == expected
