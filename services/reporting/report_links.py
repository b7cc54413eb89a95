"""Short-lived download links of a steering group's Word report, for the digest card written
on request (``sammanfattning``) while a round is open.

A Teams user gets a file from a card by opening a web address (Action.OpenUrl): Teams has no
way to attach a file to a bot's channel message (file consent cards work in 1:1 chats only),
and uploading every on-request report to SharePoint would put unfinished figures in the
library and need broad Files/Sites write rights. So the bot serves the document itself at
``<LAGESBOT_PUBLIC_URL>/api/reports/<token>`` and builds it when the link is opened, from
the answers at that moment.

The token says which round, which group and which language, and until when; it is signed
with HMAC-SHA256 under ``LAGESBOT_REPORT_LINK_SECRET`` (the same on every instance), so it
cannot be altered or made up. Whoever holds the link within its lifetime can download, which
is the audience of the card it sits on: the steering group's channel, which sees the same
digest. After it expires the page says to write ``sammanfattning`` again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

PATH_PREFIX: Final = "/api/reports/"
# Tokens are small: a few ids, a language and a time.
MAX_TOKEN_LENGTH: Final = 300


class LinkRefused(ValueError):
    """The token is not one this bot signed (``invalid``), or its time is up (``expired``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReportLink:
    round_id: int
    group_id: int
    language: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest)


def sign(secret: str, link: ReportLink) -> str:
    body = {
        "r": link.round_id,
        "g": link.group_id,
        "l": link.language,
        "e": int(link.expires_at.timestamp()),
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_signature(secret, payload)}"


def verify(secret: str, token: str, now: datetime) -> ReportLink:
    """The link a token stands for; raises LinkRefused when it is not signed with ``secret``
    or has expired."""
    if not secret or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkRefused("invalid")
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise LinkRefused("invalid")
    try:
        body = json.loads(_unb64(payload))
        link = ReportLink(
            round_id=int(body["r"]),
            group_id=int(body["g"]),
            language=str(body["l"]),
            expires_at=datetime.fromtimestamp(int(body["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError):
        raise LinkRefused("invalid") from None
    if now >= link.expires_at:
        raise LinkRefused("expired")
    return link


def download_url(
    public_url: str,
    secret: str,
    *,
    round_id: int,
    group_id: int,
    language: str,
    now: datetime,
    lifetime: timedelta,
) -> str | None:
    """The download address of the group's report of the round, valid for ``lifetime``;
    None when the bot has no public address or no signing secret configured."""
    if not public_url or not secret:
        return None
    link = ReportLink(round_id, group_id, language, now + lifetime)
    return public_url.rstrip("/") + PATH_PREFIX + sign(secret, link)
