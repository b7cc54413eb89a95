"""Card actions (Action.Execute) by verb. A handler is registered where it is written, with
``@card_action(verb)`` above it, when its dialog module is imported (dialogs.router imports
every dialog), so the map is built once at start-up and a verb is named in two places only:
the constant the card emits (cards/verbs.py) and the decorator beside its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dialogs.context import Deps, Inbound


@dataclass(frozen=True)
class ActionOutcome:
    card: dict[str, Any] | None = None
    error: str | None = None  # for payloads that are not a Lägesbot action at all


Handler = Callable[[Deps, Inbound, Mapping[str, Any]], Awaitable[ActionOutcome]]

_HANDLERS: dict[str, Handler] = {}


def card_action(verb: str) -> Callable[[Handler], Handler]:
    """Registers the decorated handler as the one answer to ``verb``."""

    def register(handler: Handler) -> Handler:
        if verb in _HANDLERS:
            raise RuntimeError(f"verb {verb!r} handled twice")
        _HANDLERS[verb] = handler
        return handler

    return register


def handlers() -> Mapping[str, Handler]:
    """Every registered verb and its handler (read-only)."""
    return MappingProxyType(_HANDLERS)
