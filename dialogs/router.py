"""Which dialog a message belongs to. Each dialog module exposes a pure ``applies(inbound)``
check beside its async ``on_message``; the first that applies answers, the manager's chat is
the fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from dialogs import (
    actions,
    admin,
    controller,
    file_import,
    history,
    manager,
    registry,
    review,
    shared,
    steering,
    substitutes,
)
from dialogs.context import Deps, Inbound, Reply
from dialogs.registry import ActionOutcome, Handler

# Importing a dialog registers its card actions (dialogs.registry); these are the ones with any.
CARD_ACTION_DIALOGS: Final = (actions, admin, controller, file_import, history, review)

MessageHandler = Callable[[Deps, Inbound], Awaitable[list[Reply]]]

_DIALOGS: tuple[tuple[Callable[[Inbound], bool], MessageHandler], ...] = (
    (admin.applies, admin.on_message),
    (controller.applies, controller.on_message),
    # "historik <punkt>" answers in every conversation: in a shared one, with a pointer.
    (history.applies, history.on_message),
    (substitutes.applies, substitutes.on_message),
    (steering.applies, steering.on_message),
    # Before the manager's chat: in a channel or group chat its commands show nothing personal.
    (shared.applies, shared.on_message),
)


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    for applies, handle in _DIALOGS:
        if applies(inbound):
            return await handle(deps, inbound)
    return await manager.on_message(deps, inbound)


def all_action_handlers() -> Mapping[str, Handler]:
    """Every Action.Execute verb the bot answers: the dialogs imported above registered them."""
    return registry.handlers()


async def dispatch(
    deps: Deps, inbound: Inbound, verb: str, data: Mapping[str, Any]
) -> ActionOutcome:
    handler = all_action_handlers().get(verb)
    if handler is None:
        return ActionOutcome(error=f"unknown verb {verb[:80]!r}")
    return await handler(deps, inbound, data)
