"""Which dialog a message belongs to. Each dialog module exposes a pure ``applies(inbound)``
check beside its async ``on_message``; the first that applies answers, the manager's chat is
the fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dialogs import actions, admin, manager, shared, steering
from dialogs.context import Deps, Inbound, Reply

MessageHandler = Callable[[Deps, Inbound], Awaitable[list[Reply]]]

_DIALOGS: tuple[tuple[Callable[[Inbound], bool], MessageHandler], ...] = (
    (admin.applies, admin.on_message),
    (steering.applies, steering.on_message),
    # Before the manager's chat: in a channel or group chat its commands show nothing personal.
    (shared.applies, shared.on_message),
)


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    for applies, handle in _DIALOGS:
        if applies(inbound):
            return await handle(deps, inbound)
    return await manager.on_message(deps, inbound)


def all_action_handlers() -> Mapping[str, actions.Handler]:
    """Every Action.Execute verb the bot answers, from every dialog."""
    merged: dict[str, actions.Handler] = {}
    for handlers in (actions.HANDLERS, admin.HANDLERS, steering.HANDLERS):
        overlap = merged.keys() & handlers.keys()
        if overlap:
            raise RuntimeError(f"verbs handled twice: {sorted(overlap)}")
        merged.update(handlers)
    return merged


async def dispatch(
    deps: Deps, inbound: Inbound, verb: str, data: Mapping[str, Any]
) -> actions.ActionOutcome:
    handler = all_action_handlers().get(verb)
    if handler is None:
        return actions.ActionOutcome(error=f"unknown verb {verb[:80]!r}")
    return await handler(deps, inbound, data)
