"""The rest of the demo region's Teams.

The Agents Playground shows one person's Teams: the demo manager's 1:1 chat and the team's
channels (its config holds exactly five other users, and nobody watches their chats). The
sample region has 61 people and a round asks most of them. ``DemoConnector`` is the Bot
Connector the demo's sender uses: it posts what is meant for the demo manager or a
Playground conversation to the Playground, and takes every other person's message itself, as
their Teams would. Such a card counts as delivered (``rundor`` shows it sent), so the demo
never retries or fails messages to people it cannot show."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from services.delivery.connector import BotConnectorApi

# The conversation ids this stand-in makes up: one per person, the same every time, so a
# chat stored in an earlier demo run still reaches them.
ELSEWHERE: Final = "demo-elsewhere:"
KEPT: Final = 500


@dataclass(frozen=True)
class Delivered:
    conversation_id: str
    activity_id: str
    activity: dict[str, Any]


class DemoConnector:
    """The Playground for ``playground_members`` (Teams user ids, which in the demo are
    Entra object ids) and the Playground's own conversations; this stand-in for everyone
    else. The last messages it took are in ``delivered``."""

    def __init__(self, playground: BotConnectorApi, *, playground_members: Iterable[str]) -> None:
        self._playground = playground
        self._members = frozenset(playground_members)
        self._ids = itertools.count(1)
        self.delivered: deque[Delivered] = deque(maxlen=KEPT)

    async def create_conversation(
        self, service_url: str, *, tenant_id: str, member_id: str, bot_id: str
    ) -> str:
        if member_id in self._members:
            return await self._playground.create_conversation(
                service_url, tenant_id=tenant_id, member_id=member_id, bot_id=bot_id
            )
        return f"{ELSEWHERE}{member_id}"

    async def send_activity(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> str:
        if not conversation_id.startswith(ELSEWHERE):
            return await self._playground.send_activity(service_url, conversation_id, activity)
        activity_id = f"demo-{next(self._ids)}"
        self.delivered.append(Delivered(conversation_id, activity_id, activity))
        return activity_id

    async def update_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        if not conversation_id.startswith(ELSEWHERE):
            await self._playground.update_activity(
                service_url, conversation_id, activity_id, activity
            )
            return
        self.delivered.append(Delivered(conversation_id, activity_id, activity))
