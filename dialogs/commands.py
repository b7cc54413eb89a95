"""Text commands in the 1:1 chat. Pure checks, so the router stays a lookup."""

from __future__ import annotations

import enum
import re


class Command(enum.StrEnum):
    HELP = "help"
    MY_ITEMS = "my_items"
    STATUS = "status"


_WORDS: dict[Command, frozenset[str]] = {
    Command.HELP: frozenset({"hjälp", "hjalp", "help", "?", "meny", "menu"}),
    Command.MY_ITEMS: frozenset({"mina punkter", "my items", "mina", "punkter", "items"}),
    Command.STATUS: frozenset({"status", "lägesrapport", "rapportera", "report"}),
}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("/!.").lower()


def command_of(text: str) -> Command | None:
    said = normalise(text)
    for command, words in _WORDS.items():
        if said in words:
            return command
    return None
