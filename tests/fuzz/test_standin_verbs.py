"""The verbs and commands of issue 17 (history, substitutes, review, hand-over) with junk:
every answer is a card that says something or a 400 with a message, never a server error,
and nothing guarded changes (a junk substitute command names nobody)."""

from __future__ import annotations

from typing import Any

import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from storage.models import Review, Substitute
from tests.bot.conftest import BotHarness
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import ids, json_values, nasty_text
from tests.fuzz.world import World, assert_clear_invoke_answer, build_world, fingerprint, post

NEW_VERBS = sorted(verb for verb in verbs.ALL_VERBS if not verb.startswith("lagesbot.status."))
NEW_WORDS = ["historik", "history", "ersättare", "substitute"]


@pytest_asyncio.fixture(loop_scope="session")
async def world(session: AsyncSession) -> World:
    return await build_world(session)


def _users(world: World) -> list[Any]:
    s = world.s
    return [s.owner, s.delegate, s.other, world.stranger]


async def _extra(session: AsyncSession) -> list[Any]:
    await session.commit()
    subs = (await session.execute(select(Substitute.id, Substitute.ended_at))).all()
    reviews = (await session.execute(select(Review.id))).all()
    return [tuple(row) for row in (*subs, *reviews)]


@FUZZ
@given(data=st.data())
async def test_new_verbs_with_junk_data_store_nothing(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    s = world.s
    baseline, extra = await fingerprint(session), await _extra(session)
    verb = data.draw(st.sampled_from([v for v in NEW_VERBS if not v.startswith("lagesbot.admin")]))
    real = [s.round.id, s.request.id, s.goal.id, s.risk.id, s.other_item.id, s.owner.id]
    payload = data.draw(
        st.dictionaries(
            st.sampled_from(
                ["item_id", "page", "round_id", "request_id", "back_page", "owner_id",
                 "owners", "comment", "review_id", "period_id", "to"]
            ),
            st.one_of(ids(real), json_values),
            max_size=6,
        )
    )  # fmt: skip
    user = data.draw(st.sampled_from(_users(world)))
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": payload}}
    activity = bot.activity(user=user, type_="invoke", name="adaptiveCard/action", value=value)
    assert_clear_invoke_answer(await post(bot, activity))
    assert await fingerprint(session) == baseline
    if user is not s.owner:
        assert await _extra(session) == extra


@FUZZ
@given(data=st.data())
async def test_new_commands_with_junk_are_answered(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    baseline = await fingerprint(session)
    extra = await _extra(session)
    word = data.draw(st.sampled_from(NEW_WORDS))
    text = word + data.draw(st.sampled_from(["", " ", " för "])) + data.draw(nasty_text)
    user = data.draw(st.sampled_from([world.s.other, world.stranger]))
    answer = await post(bot, bot.activity(user=user, text=text))
    assert answer.status in (200, 201, 202, 400), answer
    assert await fingerprint(session) == baseline
    assert await _extra(session) == extra
