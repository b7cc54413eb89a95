"""What dialogs receive and return. The bot edge translates SDK activities into these, so
dialogs never see an SDK type."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.platform.config import Settings
from services.platform.downloads import FileSource
from storage import conversations


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
    # The message's attachments as Teams sent them (e.g. a file the user attached).
    attachments: tuple[Mapping[str, Any], ...] = ()


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
    # Where files users send the bot are downloaded from (None: files are not accepted).
    files: FileSource | None = None


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> bool:
    """False for text no store can hold: NUL characters (PostgreSQL refuses them) and lone
    surrogates (JSON may carry them as escapes, UTF-8 cannot encode them)."""
    return "\x00" not in text and not _SURROGATE.search(text)


def storable_data(value: Any) -> bool:
    """Whether every string in a JSON value, keys included, is storable."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return all(storable_data(k) and storable_data(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable_data(item) for item in value)
    return True


def storable_id(value: Any, column: str) -> str | None:
    """The value if the store can keep it in that column of conversation references, else
    None: real Teams ids and locales are short and hold no NUL, so anything else is noise
    (and would make PostgreSQL refuse the whole turn)."""
    if not isinstance(value, str) or not value or not storable(value):
        return None
    return value if len(value) <= conversations.id_column_length(column) else None
