"""An admin's help lists every admin command, one line each, and the planning controller's
command words are the ones the bot answers."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cards.messages import ADMIN_COMMANDS, CONTROLLER_COMMANDS, admin_help_lines
from catalogue import texts
from dialogs import controller
from dialogs.context import Inbound
from tests import cardtools
from tests.admin.helpers import region
from tests.bot.conftest import BotHarness


def _inbound(text: str) -> Inbound:
    return Inbound(None, "msteams", "a:1", "channel", "", None, None, None, None, text=text)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_controller_command_words_are_answered(language: str) -> None:
    tx = texts.for_language(language)
    for name in ("new_group", "groups", "admins"):
        assert controller.applies(_inbound(tx.t(f"admin.help.{name}.command")))
    assert not controller.applies(_inbound(tx.t("admin.help.import.command")))
    assert len(admin_help_lines(language)) == len(ADMIN_COMMANDS)
    assert set(CONTROLLER_COMMANDS) <= set(ADMIN_COMMANDS)


async def test_an_admins_help_lists_every_admin_command(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    await bot.post(bot.activity(user=r.admin, text="hjälp"))
    shown = cardtools.all_text(bot.connector.posted_cards()[-1])
    for word in ("ny runda", "rundor", "koppla styrgrupp", "ny styrgrupp", "styrgrupper"):
        assert f"**{word}" in shown
    assert "**administratörer**" in shown and "**bifoga en fil**" in shown
    await bot.post(bot.activity(user=r.anna, text="hjälp"))
    assert "ny styrgrupp" not in cardtools.all_text(bot.connector.posted_cards()[-1])
