"""The server's side of the status card: one message when neither risk axis is chosen, and
the pages other than the one shown that still have unanswered items."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.answering import answers
from services.answering.answers import Outcome
from services.answering.status_view import build_status_view
from tests.factories import NOW, RoundSetup, open_round


def _answer(s: RoundSetup, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "round_id": s.round.id,
        "request_id": s.request.id,
        "page": 1,
        "revisions": {},
        f"status.{s.goal.id}": "on_track",
        f"status.{s.indicator.id}": "deviation",
        f"value.{s.indicator.id}": "72,5",
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": "3",
        f"consequence.{s.risk.id}": "4",
    }
    data.update(overrides)
    return data


async def _submit(session: AsyncSession, s: RoundSetup, data: dict[str, Any]) -> Any:
    result = await answers.submit(
        session, actor=s.owner, submission=answers.parse_submission(data), now=NOW
    )
    await session.commit()
    return result


async def test_neither_axis_chosen_is_one_error_for_the_pair(session: AsyncSession) -> None:
    s = await open_round(session)
    likelihood, consequence = f"likelihood.{s.risk.id}", f"consequence.{s.risk.id}"
    result = await _submit(session, s, _answer(s, **{likelihood: "", consequence: ""}))
    assert result.outcome is Outcome.INVALID
    assert (
        result.errors[likelihood].code == result.errors[consequence].code == ("error.risk_missing")
    )


async def test_one_axis_missing_names_that_axis(session: AsyncSession) -> None:
    s = await open_round(session)
    for missing, other, code in (
        ("likelihood", "consequence", "error.likelihood_missing"),
        ("consequence", "likelihood", "error.consequence_missing"),
    ):
        result = await _submit(session, s, _answer(s, **{f"{missing}.{s.risk.id}": ""}))
        assert result.errors[f"{missing}.{s.risk.id}"].code == code
        assert f"{other}.{s.risk.id}" not in result.errors


async def test_the_view_names_the_other_pages_with_unanswered_items(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    only_goal = {
        "round_id": s.round.id,
        "request_id": s.request.id,
        "page": 1,
        f"status.{s.goal.id}": "on_track",
    }
    assert (await _submit(session, s, only_goal)).outcome is Outcome.RECORDED
    views = [
        await build_status_view(
            session,
            request=s.request,
            rnd=s.round,
            person=s.owner,
            language="sv",
            now=NOW,
            page=page,
            page_size=1,
        )
        for page in (1, 2, 3)
    ]
    unanswered_pages = {v.page for v in views if v.items[0].current is None}
    assert len(unanswered_pages) == 2  # the indicator and the risk, one a page
    for view in views:
        assert view.page_count == 3
        assert view.unanswered_elsewhere == tuple(
            (page, 1) for page in sorted(unanswered_pages - {view.page})
        )
