"""Channels and group chats: conversations other people read. The bot never shows a
person's items, answers or comments there: ``status`` and ``mina punkter`` get a pointer to
the person's 1:1 chat, and ``hjälp`` lists what works in the channel (``sammanfattning``,
``koppla styrgrupp``), not the 1:1 commands. The channel's own commands are answered by
dialogs.steering, which the router asks first."""

from __future__ import annotations

from catalogue import texts
from dialogs import render
from dialogs.commands import Command, command_of
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from storage.models import ConversationKind

_COMMAND_WORD: dict[Command | None, str] = {
    Command.STATUS: "command.status",
    Command.MY_ITEMS: "command.my_items",
}


def applies(inbound: Inbound) -> bool:
    return kind_of(inbound) is not ConversationKind.PERSONAL and command_of(inbound.text) in (
        Command.HELP,
        Command.STATUS,
        Command.MY_ITEMS,
    )


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    command = command_of(inbound.text)
    async with deps.sessions() as session:
        language = language_for(await person_of(session, inbound), inbound)
    if command is Command.HELP:
        return [render.shared_help(language, channel=kind_of(inbound) is ConversationKind.CHANNEL)]
    word = texts.for_language(language).t(_COMMAND_WORD.get(command, "command.status"))
    return [render.text(language, "shared.personal_only", command=word)]
