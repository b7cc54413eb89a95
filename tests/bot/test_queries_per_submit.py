"""What one Skicka and one Ändra cost in database round trips: every statement the bot sends
(transaction begin and end, the pool's liveness check included) is counted, and the test
fails above the bound. A submit used to cost 31 statements on PostgreSQL (bench figures in
the README); each is a round trip Teams waits on while the manager watches the card."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import fill, invoke, status_card
from tests.factories import open_round

# Statements per invoke, at most (the count is the same on both backends).
SUBMIT_BOUND = 99
EDIT_BOUND = 99


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every SQL statement any engine in this process sends while the block runs."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def test_a_submit_and_an_edit_stay_within_their_statement_bounds(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    data = fill(card, s)
    with counted() as submit_statements:
        refreshed = await invoke(
            bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data)
        )
    assert "Tack" in cardtools.all_text(refreshed)
    edit = cardtools.press(refreshed, verbs.EDIT_STATUS, {})
    with counted() as edit_statements:
        editing = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.EDIT_STATUS, data=edit))
    assert cardtools.inputs(editing)

    print(f"submit: {len(submit_statements)} statements, edit: {len(edit_statements)}")
    print("\n".join(" ".join(x.split())[:150] for x in submit_statements))
    assert len(submit_statements) <= SUBMIT_BOUND, submit_statements
    assert len(edit_statements) <= EDIT_BOUND, edit_statements
