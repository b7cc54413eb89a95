"""Placeholder: the steering dialog. Replaced by its own module."""

from __future__ import annotations

from dialogs.actions import Handler
from dialogs.context import Deps, Inbound, Reply

HANDLERS: dict[str, Handler] = {}


def applies(inbound: Inbound) -> bool:
    return False


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    return []
