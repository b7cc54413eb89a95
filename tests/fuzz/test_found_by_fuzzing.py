"""Inputs the fuzz tests once found to break the bot, kept as plain examples so they are
checked on every run, whatever hypothesis happens to draw."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.factories import TENANT_ID
from tests.fuzz.world import World, assert_clear_invoke_answer, build_world, fingerprint, post


def _action(bot: BotHarness, user: Any, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    return bot.card_action(user=user, verb=verb, data=data)


@pytest.mark.parametrize("huge", [2**31, 2**40, 2**63 - 1, "9" * 18, -1])
async def test_ids_beyond_the_stores_range_are_refused_not_a_server_error(
    bot: BotHarness, session: AsyncSession, huge: int | str
) -> None:
    w = await build_world(session)
    baseline = await fingerprint(session)
    for verb in (verbs.SHOW_PAGE, verbs.EDIT_STATUS, verbs.SUBMIT_STATUS):
        for data in (
            {"round_id": huge, "request_id": w.s.request.id},
            {"round_id": w.s.round.id, "request_id": huge},
            {
                "round_id": w.s.round.id,
                "request_id": w.s.request.id,
                f"status.{huge}": "on_track",
            },
        ):
            answer = await post(bot, _action(bot, w.s.owner, verb, data))
            assert_clear_invoke_answer(answer)
    assert await fingerprint(session) == baseline


async def _submit(bot: BotHarness, w: World, **answers: str) -> dict[str, Any]:
    s = w.s
    data = {"round_id": s.round.id, "request_id": s.request.id, "page": 1, "revisions": {}}
    data |= {
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": answers.get("likelihood", "2"),
        f"consequence.{s.risk.id}": "3",
        f"comment.{s.risk.id}": answers.get("comment", ""),
    }
    answer = await post(bot, _action(bot, s.owner, verbs.SUBMIT_STATUS, data))
    assert_clear_invoke_answer(answer)
    return dict(answer.body["value"])


async def test_a_superscript_digit_as_likelihood_is_a_field_error(
    bot: BotHarness, session: AsyncSession
) -> None:
    w = await build_world(session)
    baseline = await fingerprint(session)
    card = await _submit(bot, w, likelihood="²")
    errors = cardtools.text_after_input(card, f"likelihood.{w.s.risk.id}")
    assert errors and "1" in errors[0]  # "… between 1 and 4"
    assert await fingerprint(session) == baseline


@pytest.mark.parametrize("text", ["före\x00efter", "trasig \ud800 text"])
@pytest.mark.parametrize("verb", [verbs.SUBMIT_STATUS, verbs.ADMIN_CREATE_ROUND])
async def test_text_no_store_can_hold_is_refused_for_every_verb(
    bot: BotHarness, session: AsyncSession, text: str, verb: str
) -> None:
    """NUL made PostgreSQL refuse the turn, a lone surrogate made both stores refuse it."""
    w = await build_world(session)
    baseline = await fingerprint(session)
    s = w.s
    data = {
        "round_id": s.round.id,
        "request_id": s.request.id,
        f"status.{s.goal.id}": "on_track",
        f"comment.{s.goal.id}": text,
        "name": text,
        "plan": text,
    }
    answer = await post(bot, _action(bot, s.owner, verb, data))
    assert_clear_invoke_answer(answer)
    assert answer.body["statusCode"] == 400
    assert "cannot be stored" in answer.body["value"]["message"]
    assert await fingerprint(session) == baseline


@pytest.mark.parametrize(
    "change",
    [
        {"locale": "sv-SE-" + "x" * 40},
        {"locale": "sv\x00"},
        {
            "channelData": {
                "tenant": {"id": TENANT_ID},
                "team": {"id": "t" * 600},
                "channel": {"id": "\x00"},
            }
        },
        {"recipient": {"id": "28:" + "b" * 300, "name": "Lägesbot"}},
    ],
)
async def test_odd_teams_ids_and_locales_in_a_message_are_ignored(
    bot: BotHarness, session: AsyncSession, change: dict[str, Any]
) -> None:
    w = await build_world(session)
    activity = bot.activity(user=w.s.owner, text="hjälp") | change
    answer = await post(bot, activity)
    assert answer.status in (200, 201, 202)
    assert bot.connector.posted(), "the user still gets the help text"


async def test_a_conversation_id_the_store_cannot_hold_is_400(
    bot: BotHarness, session: AsyncSession
) -> None:
    w = await build_world(session)
    for conversation_id in ("a:" + "x" * 600, "a:nul\x00"):
        activity = bot.activity(user=w.s.owner, text="hjälp")
        activity["conversation"]["id"] = conversation_id
        answer = await post(bot, activity)
        assert answer.status == 400
    assert bot.connector.calls == []
