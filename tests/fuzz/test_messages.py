"""Messages, conversation updates and installation updates of every shape: the bot answers
(or ignores) them without a server error, and no answer, request, round, person or audit
entry changes."""

from __future__ import annotations

from typing import Any

import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from tests.bot.conftest import BOT_MRI, BotHarness
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import json_values, nasty_text
from tests.fuzz.world import World, build_world, fingerprint, post

COMMAND_WORDS = ["hjälp", "help", "status", "mina punkter", "my items", "?", "/status!", "STATUS"]


@pytest_asyncio.fixture(loop_scope="session")
async def world(session: AsyncSession) -> World:
    return await build_world(session)


def _users(world: World) -> list[Any]:
    s = world.s
    return [s.owner, s.delegate, s.other, world.stranger]


texts_people_type = st.one_of(
    nasty_text,
    st.sampled_from(COMMAND_WORDS),
    st.builds(
        lambda word, before, after: before + word + after,
        st.sampled_from(COMMAND_WORDS),
        st.sampled_from(["", " ", "<at>Lägesbot</at> ", "\n", "**"]),
        st.sampled_from(["", "  ", ".", "\x00", " DROP TABLE people;"]),
    ),
)

locales = st.one_of(st.sampled_from(["sv-SE", "en-US", "en-GB", "", "xx"]), nasty_text)


@FUZZ
@given(data=st.data())
async def test_any_message_text_is_answered_and_changes_nothing(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    baseline = await fingerprint(session)
    user = data.draw(st.sampled_from(_users(world)))
    activity = bot.activity(user=user, text=data.draw(texts_people_type))
    if data.draw(st.booleans()):
        activity["locale"] = data.draw(locales)
    if data.draw(st.booleans()):
        activity["from"]["name"] = data.draw(nasty_text)
    if data.draw(st.booleans()):
        activity["conversation"]["conversationType"] = data.draw(
            st.sampled_from(["personal", "channel", "groupChat"]) | nasty_text
        )
    if data.draw(st.booleans()):
        activity["channelData"] |= data.draw(
            st.dictionaries(st.sampled_from(["team", "channel", "eventType"]), json_values)
        )
    if data.draw(st.booleans()):
        activity["entities"] = data.draw(json_values)
    if data.draw(st.booleans()):
        activity["attachments"] = data.draw(json_values)
    answer = await post(bot, activity)
    assert answer.status in (200, 201, 202, 400), answer
    assert await fingerprint(session) == baseline


def _members(world: World) -> st.SearchStrategy[Any]:
    member = st.one_of(
        st.fixed_dictionaries({"id": st.sampled_from([BOT_MRI, "29:someone"]) | nasty_text}),
        json_values,
    )
    return st.one_of(st.lists(member, max_size=3), json_values)


@FUZZ
@given(data=st.data())
async def test_conversation_and_installation_updates_of_any_shape(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    baseline = await fingerprint(session)
    user = data.draw(st.sampled_from(_users(world)))
    kind = data.draw(st.sampled_from(["conversationUpdate", "installationUpdate"]))
    activity = bot.activity(user=user, type_=kind)
    if kind == "conversationUpdate":
        for field in data.draw(st.lists(st.sampled_from(["membersAdded", "membersRemoved"]))):
            activity[field] = data.draw(_members(world))
    else:
        activity["action"] = data.draw(
            st.sampled_from(["add", "remove", "add-upgrade", "remove-upgrade"])
            | nasty_text
            | json_values
        )
    if data.draw(st.booleans()):
        activity["conversation"]["conversationType"] = data.draw(
            st.sampled_from(["personal", "channel", "groupChat"]) | nasty_text
        )
    if data.draw(st.booleans()):
        activity["channelData"] = data.draw(
            st.fixed_dictionaries(
                {"tenant": st.just(activity["channelData"]["tenant"])},
                optional={
                    "team": json_values,
                    "channel": json_values,
                    "eventType": st.sampled_from(["teamMemberAdded", "channelCreated"])
                    | nasty_text,
                    "settings": json_values,
                },
            )
        )
    if data.draw(st.booleans()):
        activity["locale"] = data.draw(locales)
    if data.draw(st.booleans()):
        activity["from"]["name"] = data.draw(nasty_text)
    answer = await post(bot, activity)
    assert answer.status in (200, 201, 202, 400), answer
    assert await fingerprint(session) == baseline
