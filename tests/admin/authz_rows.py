"""Rows of the authorization matrix (tests/authz/test_matrix.py) for the admin's verbs: only
the admin succeeds; everyone else is refused, stores nothing and sees nothing.

Each row presses a button on a card the bot showed the admin (in the admin's 1:1 chat): the
round form, its preview, the round list, the close confirmation. Others replay the admin's
card, as someone who got hold of it would. Kept beside the admin tests so the admin dialog's
owner keeps them current; the matrix module merges them into its EXPECTED and ACTIONS. The
matrix's helpers are imported when a row runs, since the matrix module imports this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import admin_cards, verbs
from storage.models import ReportingRound, RoundState
from tests import cardtools

Outcome = tuple[Any, bool]
Row = Callable[[Any, Any], Awaitable[Outcome]]

# What the admin types into the round form.
FORM = {
    "name": "Tertial 3 2026 extra",
    "opens_date": "2026-11-24",
    "opens_time": "08:00",
    "deadline_date": "2026-12-10",
    "deadline_time": "16:00",
}


async def _press(world: Any, role: Any, verb: str, data: dict[str, Any]) -> Any:
    from tests.authz import test_matrix

    return await test_matrix._card_action(world, role, verb, data)


def _admin(world: Any) -> Any:
    from tests.authz.test_matrix import Role

    return world.actors[Role.ADMIN]


async def _admin_says(world: Any, text: str) -> dict[str, Any]:
    """The card the bot answers the admin with in their 1:1 chat."""
    before = len(world.bot.connector.posted_cards())
    response = await world.bot.post(world.bot.activity(user=_admin(world), text=text))
    assert response.status in (200, 201, 202), await response.text()
    [card] = world.bot.connector.posted_cards()[before:]
    return dict(card)


async def _admin_presses(world: Any, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    action = world.bot.card_action(user=_admin(world), verb=verb, data=data)
    response = await world.bot.post(action)
    body = await response.json()
    assert body.get("type") == "application/vnd.microsoft.card.adaptive", body
    return dict(body["value"])


async def _round_list(world: Any) -> dict[str, Any]:
    return await _admin_says(world, "rundor")


def _this_round(world: Any) -> dict[str, Any]:
    return {"round_id": world.round.round.id}


async def _fresh(world: Any, round_id: int) -> ReportingRound:
    await world.session.commit()  # a new transaction sees what the bot stored
    session: AsyncSession = world.session
    rnd = await session.get(ReportingRound, round_id)
    assert rnd is not None
    await session.refresh(rnd)
    return rnd


async def _preview_card(world: Any) -> dict[str, Any]:
    form = await _admin_says(world, "ny runda")
    return await _admin_presses(
        world, verbs.ADMIN_PREVIEW_ROUND, cardtools.press(form, verbs.ADMIN_PREVIEW_ROUND, FORM)
    )


async def form(world: Any, role: Any) -> Outcome:
    data = cardtools.press(await _round_list(world), verbs.ADMIN_ROUND_FORM)
    attempt = await _press(world, role, verbs.ADMIN_ROUND_FORM, data)
    return attempt, any("name" in cardtools.inputs(card) for card in attempt.cards)


async def list_rounds(world: Any, role: Any) -> Outcome:
    data = cardtools.press(await _round_list(world), verbs.ADMIN_LIST_ROUNDS)
    attempt = await _press(world, role, verbs.ADMIN_LIST_ROUNDS, data)
    return attempt, world.round.round.name in attempt.shown


async def preview(world: Any, role: Any) -> Outcome:
    form_card = await _admin_says(world, "ny runda")
    data = cardtools.press(form_card, verbs.ADMIN_PREVIEW_ROUND, FORM)
    attempt = await _press(world, role, verbs.ADMIN_PREVIEW_ROUND, data)
    return attempt, "tillfrågas om" in attempt.shown


async def create(world: Any, role: Any) -> Outcome:
    data = cardtools.press(
        await _preview_card(world), verbs.ADMIN_CREATE_ROUND, match={"start": "now"}
    )
    count = select(func.count(ReportingRound.id))
    await world.session.commit()
    before = (await world.session.execute(count)).scalar_one()
    attempt = await _press(world, role, verbs.ADMIN_CREATE_ROUND, data)
    await world.session.commit()
    return attempt, (await world.session.execute(count)).scalar_one() == before + 1


async def open_round(world: Any, role: Any) -> Outcome:
    # "Öppna nu" is on the scheduled round only.
    data = cardtools.press(await _round_list(world), verbs.ADMIN_OPEN_ROUND)
    attempt = await _press(world, role, verbs.ADMIN_OPEN_ROUND, data)
    return attempt, (await _fresh(world, world.scheduled.id)).state == RoundState.OPEN


async def extend(world: Any, role: Any) -> Outcome:
    round_id = world.round.round.id
    typed = {
        admin_cards.extend_date_id(round_id): "2026-12-15",
        admin_cards.extend_time_id(round_id): "16:00",
    }
    data = cardtools.press(
        await _round_list(world), verbs.ADMIN_EXTEND_ROUND, typed, match=_this_round(world)
    )
    attempt = await _press(world, role, verbs.ADMIN_EXTEND_ROUND, data)
    rnd = await _fresh(world, round_id)
    return attempt, rnd.deadline_at.date().isoformat() == "2026-12-15"


async def confirm_close(world: Any, role: Any) -> Outcome:
    data = cardtools.press(
        await _round_list(world), verbs.ADMIN_CONFIRM_CLOSE, match=_this_round(world)
    )
    attempt = await _press(world, role, verbs.ADMIN_CONFIRM_CLOSE, data)
    return attempt, "Stänga" in attempt.shown


async def close(world: Any, role: Any) -> Outcome:
    listed = await _round_list(world)
    confirm = await _admin_presses(
        world,
        verbs.ADMIN_CONFIRM_CLOSE,
        cardtools.press(listed, verbs.ADMIN_CONFIRM_CLOSE, match=_this_round(world)),
    )
    data = cardtools.press(confirm, verbs.ADMIN_CLOSE_ROUND)
    attempt = await _press(world, role, verbs.ADMIN_CLOSE_ROUND, data)
    return attempt, (await _fresh(world, world.round.round.id)).state == RoundState.CLOSED


async def copy(world: Any, role: Any) -> Outcome:
    data = cardtools.press(
        await _round_list(world), verbs.ADMIN_COPY_ROUND, match=_this_round(world)
    )
    attempt = await _press(world, role, verbs.ADMIN_COPY_ROUND, data)
    return attempt, "Nästa period efter" in attempt.shown


async def retry(world: Any, role: Any) -> Outcome:
    # "Försök igen" is on the open round, whose card to Cecilia failed.
    data = cardtools.press(await _round_list(world), verbs.ADMIN_RETRY_FAILED)
    attempt = await _press(world, role, verbs.ADMIN_RETRY_FAILED, data)
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
