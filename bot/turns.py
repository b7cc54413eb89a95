"""Translation between SDK turn objects and the dialogs' plain data."""

from __future__ import annotations

import re
from typing import Any

from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.hosting.core import TurnContext

from dialogs.context import Inbound, Reply, storable_id

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


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
        attachments=tuple(
            attachment.model_dump(mode="json", by_alias=True, exclude_none=True)
            for attachment in activity.attachments or []
        ),
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
