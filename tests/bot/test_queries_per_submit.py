"""What one Skicka and one Ändra cost in database statements: every statement the bot sends
through SQLAlchemy is counted, and the test fails above the bound. Each is a round trip
Teams waits on while the manager watches the card. Before issue 20 a submit took 18 (and on
PostgreSQL six more round trips for the pool's pings), an Ändra 12."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import verbs
from storage import rounds as round_store
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import fill, invoke, status_card
from tests.factories import open_round

# Statements per invoke, at most. SQLite inserts the three answers one by one, PostgreSQL
# in one statement. Issue 20 brought a submit to 13 (11 on PostgreSQL); the review lock,
# the substitutes and the indicators' loaded values and settings (issues 16, 17) added
# reads that are not yet folded into the round's query: 26 (24 on PostgreSQL), an Ändra 19
# (was 7).
SUBMIT_BOUND = 26
EDIT_BOUND = 19


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
    bot: BotHarness, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    data = fill(card, s)
    # The scales' options, levels and bands, as any earlier card in the process leaves them.
    async with session_factory() as fresh:
        await round_store.get_round_for_card(fresh, s.round.id)
    with counted() as submit_statements:
        refreshed = await invoke(
            bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data)
        )
    assert "Tack" in cardtools.all_text(refreshed)
    edit = cardtools.press(refreshed, verbs.EDIT_STATUS, {})
    with counted() as edit_statements:
        editing = await invoke(
            bot, bot.card_action(user=s.owner, verb=verbs.EDIT_STATUS, data=edit)
        )
    assert cardtools.inputs(editing)

    assert len(submit_statements) <= SUBMIT_BOUND, submit_statements
    assert len(edit_statements) <= EDIT_BOUND, edit_statements
