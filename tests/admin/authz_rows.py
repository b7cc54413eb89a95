"""Rows of the authorization matrix (tests/authz/test_matrix.py) for the admin's verbs: only
the admin succeeds; everyone else is refused, stores nothing and sees nothing.

Kept beside the admin tests so the admin dialog's owner keeps them current; the matrix module
merges them into its EXPECTED and ACTIONS. The matrix's helpers are imported when a row runs,
since the matrix module imports this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from storage.models import Plan, ReportingRound, RoundState
from tests import cardtools

Outcome = tuple[Any, bool]
Row = Callable[[Any, Any], Awaitable[Outcome]]


async def _press(world: Any, role: Any, verb: str, data: dict[str, Any]) -> Any:
    from tests.authz import test_matrix

    return await test_matrix._card_action(world, role, verb, data)


async def _fresh(world: Any) -> ReportingRound:
    await world.session.commit()  # a new transaction sees what the bot stored
    session: AsyncSession = world.session
    rnd = await session.get(ReportingRound, world.round.round.id)
    assert rnd is not None
    await session.refresh(rnd)
    return rnd


async def _form_data(world: Any) -> dict[str, Any]:
    plan = await world.session.get(Plan, world.round.round.plan_id)
    return {
        "name": "Tertial 3 2026",
        "plan": plan.key,
        "opens_date": "2026-11-24",
        "opens_time": "08:00",
        "deadline_date": "2026-12-10",
        "deadline_time": "16:00",
    }


def _target(world: Any) -> dict[str, Any]:
    return {"round_id": world.round.round.id}


async def form(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_ROUND_FORM, {})
    return attempt, any("name" in cardtools.inputs(card) for card in attempt.cards)


async def list_rounds(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_LIST_ROUNDS, {})
    return attempt, world.round.round.name in attempt.shown


async def preview(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_PREVIEW_ROUND, await _form_data(world))
    return attempt, "tillfrågas om" in attempt.shown


async def create(world: Any, role: Any) -> Outcome:
    data = await _form_data(world) | {"start": "now"}
    attempt = await _press(world, role, verbs.ADMIN_CREATE_ROUND, data)
    await world.session.commit()
    rounds = (await world.session.execute(select(func.count(ReportingRound.id)))).scalar_one()
    return attempt, rounds == 2


async def open_round(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_OPEN_ROUND, _target(world))
    return attempt, "är öppen" in attempt.shown


async def extend(world: Any, role: Any) -> Outcome:
    round_id = world.round.round.id
    data = _target(world) | {
        f"deadline_date.{round_id}": "2026-12-15",
        f"deadline_time.{round_id}": "16:00",
    }
    attempt = await _press(world, role, verbs.ADMIN_EXTEND_ROUND, data)
    rnd = await _fresh(world)
    return attempt, rnd.deadline_at.date().isoformat() == "2026-12-15"


async def confirm_close(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_CONFIRM_CLOSE, _target(world))
    return attempt, "Stänga" in attempt.shown


async def close(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_CLOSE_ROUND, _target(world))
    return attempt, (await _fresh(world)).state == RoundState.CLOSED


async def copy(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_COPY_ROUND, _target(world))
    return attempt, "Nästa period efter" in attempt.shown


async def retry(world: Any, role: Any) -> Outcome:
    attempt = await _press(world, role, verbs.ADMIN_RETRY_FAILED, _target(world))
    return attempt, "försöker igen" in attempt.shown


ADMIN_ACTIONS: dict[str, Row] = {
    verbs.ADMIN_ROUND_FORM: form,
    verbs.ADMIN_LIST_ROUNDS: list_rounds,
    verbs.ADMIN_PREVIEW_ROUND: preview,
    verbs.ADMIN_CREATE_ROUND: create,
    verbs.ADMIN_OPEN_ROUND: open_round,
    verbs.ADMIN_EXTEND_ROUND: extend,
    verbs.ADMIN_CONFIRM_CLOSE: confirm_close,
    verbs.ADMIN_CLOSE_ROUND: close,
    verbs.ADMIN_COPY_ROUND: copy,
    verbs.ADMIN_RETRY_FAILED: retry,
}
