"""Card actions (invoke adaptiveCard/action) with every kind of bad data: each gets a card
that says what is wrong, or a 400 error body; never a server error; nothing stored changes."""

from __future__ import annotations

from typing import Any

import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from dialogs.router import all_action_handlers
from tests.bot.conftest import BotHarness
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import ids, json_values, nasty_text
from tests.fuzz.world import World, assert_clear_invoke_answer, build_world, fingerprint, post

FIELDS = ("status", "comment", "value", "likelihood", "consequence")


@pytest_asyncio.fixture(loop_scope="session")
async def world(session: AsyncSession) -> World:
    return await build_world(session)


def _actors(world: World) -> list[Any]:
    s = world.s
    return [s.owner, s.delegate, s.other, world.stranger]


def _invoke(bot: BotHarness, user: Any, value: Any) -> dict[str, Any]:
    return bot.activity(user=user, type_="invoke", name="adaptiveCard/action", value=value)


@FUZZ
@given(data=st.data())
async def test_malformed_action_values_are_refused(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    """The invoke value itself is broken: not an object, no action, no verb, data not an
    object, unknown verbs."""
    baseline = await fingerprint(session)
    verb = data.draw(st.one_of(st.sampled_from(sorted(all_action_handlers())), nasty_text))
    value = data.draw(
        st.one_of(
            json_values,
            st.fixed_dictionaries({"action": json_values}),
            st.fixed_dictionaries(
                {"action": st.fixed_dictionaries({"verb": json_values, "data": json_values})}
            ),
            st.fixed_dictionaries(
                {
                    "action": st.fixed_dictionaries(
                        {
                            "type": st.just("Action.Execute"),
                            "verb": st.just(verb),
                            "data": st.one_of(json_values, st.none()),
                        }
                    ),
                    "trigger": json_values,
                }
            ),
        )
    )
    user = data.draw(st.sampled_from(_actors(world)))
    answer = await post(bot, _invoke(bot, user, value))
    assert_clear_invoke_answer(answer)
    assert await fingerprint(session) == baseline


@FUZZ
@given(data=st.data())
async def test_wrong_types_and_junk_in_status_data_store_nothing(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    """Status verbs with missing, extra and wrongly typed fields and junk answers. No status
    drawn here is on the scale, so no draw is a valid answer."""
    s = world.s
    baseline = await fingerprint(session)
    item_ids = [s.goal.id, s.indicator.id, s.risk.id, s.other_item.id, s.strategy.id]
    junk_status = st.one_of(json_values.filter(lambda v: v not in world.status_keys))
    real_ids = [s.round.id, s.request.id, s.other_request.id, world.later_round.id]
    payload: dict[str, Any] = {
        "round_id": data.draw(ids(real_ids)),
        "request_id": data.draw(ids(real_ids)),
        "page": data.draw(ids([1, 2])),
        # JSON object keys are always strings.
        "revisions": data.draw(
            st.one_of(json_values, st.dictionaries(ids(real_ids).map(str), ids([0, 1])))
        ),
    }
    for missing in data.draw(st.lists(st.sampled_from(sorted(payload)), max_size=4)):
        payload.pop(missing, None)
    for _ in range(data.draw(st.integers(0, 4))):
        item = data.draw(ids(item_ids))
        field = data.draw(st.sampled_from(FIELDS))
        value = data.draw(junk_status if field == "status" else json_values)
        payload[f"{field}.{item}"] = value
    payload.update(data.draw(st.dictionaries(nasty_text, json_values, max_size=3)))
    # Inputs for real items whose status is junk: the most likely to get past the shape check.
    for item in data.draw(st.lists(st.sampled_from(item_ids), max_size=3)):
        payload[f"status.{item}"] = data.draw(junk_status)
    verb = data.draw(st.sampled_from([verbs.SUBMIT_STATUS, verbs.EDIT_STATUS, verbs.SHOW_PAGE]))
    user = data.draw(st.sampled_from(_actors(world)))
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": payload}}
    answer = await post(bot, _invoke(bot, user, value))
    assert_clear_invoke_answer(answer)
    assert await fingerprint(session) == baseline


def _valid_answers(world: World, item_ids: list[int], data: st.DataObject) -> dict[str, Any]:
    """Answers that would be accepted for these items, with hostile free text."""
    s = world.s
    answers: dict[str, Any] = {}
    for item in item_ids:
        answers[f"status.{item}"] = data.draw(st.sampled_from(world.status_keys))
        answers[f"comment.{item}"] = data.draw(nasty_text.filter(lambda t: len(t) <= 500))
        if item == s.indicator.id:
            answers[f"value.{item}"] = data.draw(st.sampled_from(["72,5", "1 200", "-3"]))
        if item == s.risk.id:
            answers[f"likelihood.{item}"] = "2"
            answers[f"consequence.{item}"] = "3"
    return answers


@FUZZ
@given(data=st.data())
async def test_answers_aimed_at_the_wrong_target_are_refused(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    """Well-formed answers that someone may not give: another person's request, another
    person's item, an item of another round, a request of another round, a closed round,
    a user the bot does not know."""
    s = world.s
    baseline = await fingerprint(session)
    own = [s.goal.id, s.indicator.id, s.risk.id]
    scenario = data.draw(
        st.sampled_from(
            [
                ("another person's request", s.other, s.round.id, s.request.id, own),
                ("her request, his item", s.owner, s.round.id, s.request.id, [s.other_item.id]),
                ("his request, her item", s.other, s.round.id, s.other_request.id, own[:1]),
                ("item of another round", s.owner, s.round.id, s.request.id, [s.strategy.id]),
                ("request of another round", s.owner, s.round.id, world.later_request.id, own),
                ("round of another request", s.owner, world.later_round.id, s.request.id, own),
                ("closed round", s.owner, world.closed_round.id, world.closed_request.id, own),
                ("delegate beyond delegation", s.delegate, s.round.id, s.request.id, own[:2]),
                ("unknown user", world.stranger, s.round.id, s.request.id, own),
            ]
        )
    )
    _name, user, round_id, request_id, items = scenario
    payload = {"round_id": round_id, "request_id": request_id, "page": 1, "revisions": {}}
    payload |= _valid_answers(world, items, data)
    if data.draw(st.booleans()):
        payload |= data.draw(st.dictionaries(nasty_text, json_values, max_size=3))
    value = {"action": {"type": "Action.Execute", "verb": verbs.SUBMIT_STATUS, "data": payload}}
    answer = await post(bot, _invoke(bot, user, value))
    assert_clear_invoke_answer(answer)
    assert await fingerprint(session) == baseline


@FUZZ
@given(data=st.data())
async def test_replayed_actions_store_nothing_new(
    bot: BotHarness, session: AsyncSession, world: World, data: st.DataObject
) -> None:
    """Anna's answer is stored once; any replay of it (same activity, same data under a new
    activity id, or the view verbs) leaves the store as it is."""
    s = world.s
    payload = {"round_id": s.round.id, "request_id": s.request.id, "page": 1, "revisions": {}}
    payload |= {
        f"status.{s.goal.id}": "on_track",
        f"comment.{s.goal.id}": "Väntetiderna minskar.",
    }
    value = {"action": {"type": "Action.Execute", "verb": verbs.SUBMIT_STATUS, "data": payload}}
    first = _invoke(bot, s.owner, value)
    if world.answered is None:
        answer = await post(bot, first)
        assert_clear_invoke_answer(answer)
        world.answered = first
        world.answered_store = await fingerprint(session)
        assert len(world.answered_store["responses"]) == 1
    replay = dict(world.answered)
    how = data.draw(st.sampled_from(["same activity", "new activity id", "edit", "page"]))
    if how == "new activity id":
        replay["id"] = f"replay:{data.draw(st.integers(0, 10**6))}"
    elif how in ("edit", "page"):
        verb = verbs.EDIT_STATUS if how == "edit" else verbs.SHOW_PAGE
        replay["value"] = {"action": {"type": "Action.Execute", "verb": verb, "data": payload}}
    answer = await post(bot, replay)
    assert_clear_invoke_answer(answer)
    assert await fingerprint(session) == world.answered_store
