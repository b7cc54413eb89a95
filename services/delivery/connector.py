"""The Bot Connector REST API (v3), as far as proactive messages need it.

Three calls, each against the serviceUrl of the conversation (or the configured default for
new conversations):

- ``POST v3/conversations``: create (or find) the bot's 1:1 chat with a user;
- ``POST v3/conversations/{id}/activities``: post a message;
- ``PUT  v3/conversations/{id}/activities/{activityId}``: replace a posted message.

Every failure is a ``ConnectorError`` carrying the HTTP status (None for a timeout or a
network error) and the Retry-After the service asked for, so the sender can decide between
retrying and giving up without knowing about HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp

from services.platform.retry_after import retry_after_seconds
from services.platform.tokens import BOT_CONNECTOR_SCOPE, TokenError, TokenProvider

ERROR_BODY_CHARS = 500


@dataclass
class ConnectorError(Exception):
    status: int | None  # None: no answer (timeout, connection refused or reset)
    message: str
    retry_after: float | None = None
    code: str | None = None  # the Bot Connector's error code, e.g. "ConversationBlockedByUser"

    def __str__(self) -> str:
        status = "no response" if self.status is None else f"HTTP {self.status}"
        code = f" {self.code}" if self.code else ""
        return f"{status}{code}: {self.message}"


class BotConnectorApi(Protocol):
    async def create_conversation(
        self, service_url: str, *, tenant_id: str, member_id: str, bot_id: str
    ) -> str:
        """The id of the 1:1 conversation between the bot and ``member_id``."""
        ...

    async def send_activity(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> str:
        """Post ``activity``; returns the id the service gave the new message."""
        ...

    async def update_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None: ...


def _error_code(body: str) -> tuple[str | None, str]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None, body[:ERROR_BODY_CHARS]
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or ""
        return (str(code) if code else None), str(message)[:ERROR_BODY_CHARS]
    return None, body[:ERROR_BODY_CHARS]


class AiohttpBotConnector:
    """The one HTTP implementation. ``token_provider`` None = anonymous (local runs against
    the Agents Playground or a test connector): no Authorization header."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        token_provider: TokenProvider | None,
        *,
        timeout_seconds: float = 15.0,
    ) -> None:
        self._http = http
        self._tokens = token_provider
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._tokens is not None:
            try:
                token = await self._tokens.token(BOT_CONNECTOR_SCOPE)
            except TokenError as exc:
                # Entra ID unreachable or refusing: nothing was sent, so the job may retry.
                raise ConnectorError(status=None, message=str(exc), code="TokenError") from exc
            headers["Authorization"] = f"Bearer {token}"
        return headers

    @staticmethod
    def _url(service_url: str, *segments: str) -> str:
        path = "/".join(quote(segment, safe="") for segment in segments)
        return f"{service_url.rstrip('/')}/v3/conversations{'/' + path if path else ''}"

    async def _call(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = await self._headers()
        try:
            async with self._http.request(
                method, url, json=body, headers=headers, timeout=self._timeout
            ) as response:
                text = await response.text()
                if 200 <= response.status < 300:
                    try:
                        parsed = json.loads(text) if text else {}
                    except ValueError:
                        parsed = {}
                    return parsed if isinstance(parsed, dict) else {}
                code, message = _error_code(text)
                raise ConnectorError(
                    status=response.status,
                    message=message or response.reason or "",
                    retry_after=retry_after_seconds(
                        response.headers.get("Retry-After"), now=datetime.now(UTC)
                    ),
                    code=code,
                )
        except TimeoutError as exc:
            raise ConnectorError(status=None, message="timeout") from exc
        except aiohttp.ClientError as exc:
            raise ConnectorError(status=None, message=f"{type(exc).__name__}: {exc}") from exc

    async def create_conversation(
        self, service_url: str, *, tenant_id: str, member_id: str, bot_id: str
    ) -> str:
        body = {
            "bot": {"id": bot_id},
            "members": [{"id": member_id}],
            "isGroup": False,
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        answer = await self._call("POST", self._url(service_url), body)
        conversation_id = answer.get("id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise ConnectorError(status=None, message="no conversation id in the answer")
        return conversation_id

    async def send_activity(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> str:
        url = self._url(service_url, conversation_id, "activities")
        answer = await self._call("POST", url, activity)
        return str(answer.get("id") or "")

    async def update_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        url = self._url(service_url, conversation_id, "activities", activity_id)
        await self._call("PUT", url, {**activity, "id": activity_id})
