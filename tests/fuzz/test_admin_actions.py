"""An admin's card actions with broken data: never a server error, always a card or a 400
body, and whatever an admin action changes in the store comes with an audit log entry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from cards import admin_cards, verbs
from tests.authz.conftest import ADMIN_OBJECT_ID, admins_configured
from tests.bot.conftest import BotHarness
from tests.factories import person
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import ids, json_values, nasty_text
from tests.fuzz.world import World, assert_clear_invoke_answer, build_world, fingerprint, post

DATES = ["2026-12-01", "2026-11-23", "2027-02-30", "1.12.2026", "i morgon", "9999-12-31"]
TIMES = ["08:00", "16:00", "25:61", "8", "kl 9"]


@pytest.fixture(autouse=True)
def with_admin() -> Iterator[None]:
    with admins_configured():
        yield


@pytest_asyncio.fixture(loop_scope="session")
async def world(session: AsyncSession) -> tuple[World, Any]:
    w = await build_world(session)
    admin = await person(session, "Ada Admin")
    admin.entra_object_id = ADMIN_OBJECT_ID
    await session.commit()
    return w, admin


def _form_value(key: str) -> st.SearchStrategy[Any]:
    if key.endswith("_date") or key.startswith("deadline_date."):
        return st.sampled_from(DATES) | nasty_text
    if key.endswith("_time") or key.startswith("deadline_time."):
        return st.sampled_from(TIMES) | nasty_text
    return nasty_text | json_values


@FUZZ
@given(data=st.data())
async def test_admin_actions_with_broken_data_answer_clearly_and_audit_every_change(
    bot: BotHarness, session: AsyncSession, world: tuple[World, Any], data: st.DataObject
) -> None:
    w, admin = world
    before = await fingerprint(session)
    verb = data.draw(st.sampled_from(sorted(verbs.ADMIN_VERBS)))
    round_ids = [w.s.round.id, w.later_round.id, w.closed_round.id]
    payload: dict[str, Any] = {"round_id": data.draw(ids(round_ids))}
    keys = [*admin_cards.FORM_INPUTS, "copy_of", "start", "page"]
    keys += [admin_cards.extend_date_id(i) for i in round_ids]
    keys += [admin_cards.extend_time_id(i) for i in round_ids]
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=8, unique=True)):
        payload[key] = data.draw(_form_value(key))
    payload |= data.draw(st.dictionaries(nasty_text, json_values, max_size=2))
    answer = await post(bot, bot.card_action(user=admin, verb=verb, data=payload))
    assert_clear_invoke_answer(answer)
    after = await fingerprint(session)
    # Rounds, people and answers are what an admin action decides; round items and requests
    # follow from a round's scope, which the fixture's hand-made open rounds do not honour.
    decided = ("reporting_rounds", "people", "responses")
    if any(after[table] != before[table] for table in decided):
        assert len(after["audit_log"]) > len(before["audit_log"]), f"{verb} changed unaudited"
