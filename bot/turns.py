"""Translation between SDK turn objects and the dialogs' plain data."""

from __future__ import annotations

import re
from typing import Any

from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.hosting.core import TurnContext
from sqlalchemy import String

from dialogs.context import Inbound, Reply
from storage.models import ConversationReference

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


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


def _column_length(name: str) -> int:
    column_type = ConversationReference.__table__.c[name].type
    assert isinstance(column_type, String) and column_type.length is not None
    return column_type.length


def storable_id(value: Any, column: str) -> str | None:
    """The value if the store can keep it in that column of conversation references, else
    None: real Teams ids and locales are short and hold no NUL, so anything else is noise
    (and would make PostgreSQL refuse the whole turn)."""
    if not isinstance(value, str) or not value or not storable(value):
        return None
    return value if len(value) <= _column_length(column) else None


def inbound_from(context: TurnContext) -> Inbound:
    activity = context.activity
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    conversation = activity.conversation
    sender = activity.from_property
    reference = activity.get_conversation_reference().model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    text = _MENTION.sub("", activity.text or "").strip()
    tenant = _get(channel_data, "tenant", "id") or (
        conversation.tenant_id if conversation is not None else None
    )
    return Inbound(
        activity_id=activity.id,
        channel_id=str(activity.channel_id or ""),
        conversation_id=conversation.id if conversation is not None else "",
        conversation_type=(conversation.conversation_type if conversation else None) or "personal",
        service_url=activity.service_url or "",
        user_object_id=storable_id(sender.aad_object_id if sender else None, "user_aad_object_id"),
        user_name=sender.name if sender is not None else None,
        tenant_id=storable_id(tenant, "tenant_id"),
        locale=storable_id(activity.locale, "locale"),
        text=text,
        team_id=storable_id(_get(channel_data, "team", "id"), "team_id"),
        teams_channel_id=storable_id(_get(channel_data, "channel", "id"), "channel_id"),
        bot_id=storable_id(activity.recipient.id if activity.recipient else None, "bot_id"),
        reference=reference,
    )


def card_attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=ADAPTIVE_CARD, content=card)


def activity_for(reply: Reply) -> Activity:
    # The SDK's models reject explicit nulls, so absent parts are left out entirely.
    fields: dict[str, Any] = {"type": "message"}
    if reply.text is not None:
        fields["text"] = reply.text
    if reply.card is not None:
        fields["attachments"] = [card_attachment(reply.card)]
    return Activity(**fields)
