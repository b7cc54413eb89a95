"""A submit is committed before the refreshed card is read and rendered: at the moment the
card is built, anyone else reading the store already sees the new answer, so the write
transaction (and its locks) does not wait on rendering."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cards import verbs
from dialogs import actions
from dialogs.status import status_view_for
from storage.models import Response
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import fill, invoke, status_card
from tests.factories import open_round


async def test_the_answer_is_committed_before_the_card_is_built(
    bot: BotHarness, session: AsyncSession, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    seen_by_others: list[int] = []

    async def watched(*args: Any, **kwargs: Any) -> Any:
        async with AsyncSession(engine) as other:
            count = await other.scalar(select(func.count(Response.id)))
            seen_by_others.append(int(count or 0))
        return await status_view_for(*args, **kwargs)

    monkeypatch.setattr(actions, "status_view_for", watched)
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=fill(card, s))
    )

    assert seen_by_others == [3]  # the goal, the indicator and the risk, stored and visible
    assert "Tack" in str(refreshed)
