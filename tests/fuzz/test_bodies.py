"""What reaches /api/messages is not always an activity: broken JSON, other content types,
oversized bodies, JSON that is not an activity. Each is a 4xx; none reaches a handler."""

from __future__ import annotations

import json

import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from tests.bot.conftest import BotHarness
from tests.factories import person
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import json_values
from tests.fuzz.world import fingerprint

CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/octet-stream",
    "",
]


async def _raw_post(bot: BotHarness, body: bytes, content_type: str | None) -> int:
    headers = {"Authorization": f"Bearer {bot.token()}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await bot.http.post(f"{bot.url}/api/messages", data=body, headers=headers)
    await response.read()
    return response.status


@pytest_asyncio.fixture(loop_scope="session")
async def anna(session: AsyncSession) -> Person:
    anna = await person(session, "Anna Lindqvist")
    await session.commit()
    return anna


@FUZZ
@given(data=st.data())
async def test_bodies_that_are_not_activities_get_a_4xx(
    bot: BotHarness, session: AsyncSession, anna: Person, data: st.DataObject
) -> None:
    baseline = await fingerprint(session)
    # The same bytes in every example, so hypothesis can replay and shrink.
    valid = json.dumps(bot.activity(user=anna, text="status") | {"id": "f:fixed"}).encode()
    cut_short = st.integers(0, len(valid) - 1).map(lambda n: valid[:n])
    flipped = st.tuples(st.integers(0, len(valid) - 1), st.binary(min_size=1, max_size=4)).map(
        lambda cut: valid[: cut[0]] + cut[1] + valid[cut[0] + len(cut[1]) :]
    )
    kind, body, content_type = data.draw(
        st.one_of(
            st.tuples(st.just("bytes"), st.binary(max_size=2000), st.just("application/json")),
            st.tuples(st.just("cut short"), cut_short, st.just("application/json")),
            st.tuples(st.just("flipped"), flipped, st.just("application/json")),
            st.tuples(
                st.just("json, not an activity"),
                json_values.map(lambda v: json.dumps(v).encode()),
                st.just("application/json"),
            ),
            st.tuples(
                st.just("wrong content type"),
                st.just(valid),
                st.sampled_from(CONTENT_TYPES) | st.none(),
            ),
        )
    )
    sent_before = len(bot.connector.calls)
    status = await _raw_post(bot, body, content_type)
    assert status < 500, (status, body[:200], content_type)
    assert await fingerprint(session) == baseline
    if kind == "flipped" and _still_json(body):
        return  # flipping bytes inside a string leaves a valid activity, answered as such
    assert 400 <= status < 500, (kind, status, body[:200], content_type)
    assert len(bot.connector.calls) == sent_before


def _still_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


async def test_a_body_over_the_size_limit_is_413(bot: BotHarness) -> None:
    status = await _raw_post(
        bot, b'{"type": "message", "text": "' + b"x" * 2_000_000 + b'"}', "application/json"
    )
    assert status == 413
