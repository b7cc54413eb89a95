"""The help lists the admin commands to admins only, in their language; every command word
it shows is one the bot answers."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cards.messages import CONTROLLER_COMMANDS, admin_help_lines, create_help_card, help_text
from catalogue import texts
from dialogs import admin, steering
from dialogs.commands import normalise
from tests import cardtools
from tests.admin.helpers import region
from tests.bot.conftest import BotHarness


def _admin_words(language: str) -> list[str]:
    tx = texts.for_language(language)
    return [tx.t(f"admin.help.{name}.command") for name in ("new_round", "rounds", "bind")]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_admin_help_words_are_commands_the_bot_answers(language: str) -> None:
    new_round, rounds, bind = _admin_words(language)
    assert normalise(new_round) in admin.NEW_ROUND_WORDS
    assert normalise(rounds) in admin.ROUNDS_WORDS
    assert steering.bind_key(bind) == bind.split()[-1]
    # The planning controller's commands follow (tests/controller/test_controller_help.py).
    assert len(admin_help_lines(language)) == 3 + len(CONTROLLER_COMMANDS)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_only_the_admin_help_card_lists_admin_commands(language: str) -> None:
    tx = texts.for_language(language)
    plain = cardtools.all_text(create_help_card(language))
    full = cardtools.all_text(create_help_card(language, admin=True))
    for word in _admin_words(language):
        assert f"**{word}**" not in plain
        assert f"**{word}**" in full
        assert f"**{word}**" in help_text(language, admin=True)
        assert f"**{word}**" not in help_text(language)
    assert tx.t("admin.help.title") in full and tx.t("admin.help.title") not in plain
    assert f"**{tx.t('command.status')}**" in full  # their own commands as well


async def help_card(bot: BotHarness, user: object, text: str) -> str:
    await bot.post(bot.activity(user=user, text=text))
    return cardtools.all_text(bot.connector.posted_cards()[-1])


async def test_an_admin_asking_for_help_sees_the_admin_commands(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    shown = await help_card(bot, r.admin, "hjälp")
    assert "**ny runda**" in shown and "**rundor**" in shown and "**koppla styrgrupp" in shown
    # An admin listed by UPN too.
    assert "**ny runda**" in await help_card(bot, r.upn_admin, "hjälp")


async def test_others_asking_for_help_see_only_their_own_commands(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    shown = await help_card(bot, r.anna, "hjälp")
    assert "**status**" in shown and "**mina punkter**" in shown
    assert "ny runda" not in shown and "rundor" not in shown
    assert "För administratörer" not in shown
