"""What dialogs receive and return. The bot edge translates SDK activities into these, so
dialogs never see an SDK type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.platform.config import Settings


@dataclass(frozen=True)
class Inbound:
    activity_id: str | None
    channel_id: str
    conversation_id: str
    conversation_type: str  # personal / channel / groupChat
    service_url: str
    user_object_id: str | None
    user_name: str | None
    tenant_id: str | None
    locale: str | None
    text: str = ""
    team_id: str | None = None
    teams_channel_id: str | None = None
    bot_id: str | None = None
    reference: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """A message to post: text, an Adaptive Card, or both."""

    text: str | None = None
    card: dict[str, Any] | None = None


@dataclass(frozen=True)
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Callable[[], datetime]
