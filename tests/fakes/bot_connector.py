"""A local Bot Connector: the v3 REST routes the bot calls at an activity's serviceUrl.

It records every call so tests can assert on what a user would see in Teams: the messages
posted, the cards updated in place, the conversations created. It can also behave like Teams
under load or trouble:

- ``tenant_limit``: calls per tenant in any one-second window (Teams: about 50 per app per
  tenant); a call over the limit gets 429, with ``Retry-After`` unless
  ``retry_after_header`` is None. ``peak_per_second(tenant)`` is the fake's own accounting of
  the busiest one-second window it saw;
- ``conversation_limit``: calls per conversation in any one-second window;
- ``script(target, ...)``: the next answers for a conversation id, a member id (creating a
  conversation) or ``"*"`` (any call): a status code, ``(429, seconds)`` for a 429 with that
  Retry-After, ``(status, "ErrorCode")`` for an error with that code, or ``"timeout"`` (the
  call hangs past the client's timeout, nothing delivered);
- ``not_installed``: members for whom creating a conversation answers 403, as Teams does when
  the app is not installed for the user;
- ``latency_seconds``: how long after delivering a message the answer comes back;
- ``delete_activity(id)``: a user deleted the message in Teams; replacing it answers 404.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

Scripted = int | tuple[int, float] | tuple[int, str] | str


@dataclass
class ConnectorCall:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None
    status: int = 200
    tenant: str = "default"


@dataclass
class Delivered:
    """A message that reached a conversation (or a replacement of one)."""

    method: str  # POST = new message, PUT = replaced in place
    tenant: str
    conversation_id: str
    activity_id: str
    body: dict[str, Any]


@dataclass
class BotConnector:
    calls: list[ConnectorCall] = field(default_factory=list)
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)
    required_token: str | None = None
    tenant_limit: int | None = None
    conversation_limit: int | None = None
    retry_after_header: float | None = 1
    not_installed: set[str] = field(default_factory=set)
    hang_seconds: float = 5.0
    # Delay between delivering a message and answering: a sender killed in this window has
    # posted a message it never learned about (the crash window of the outbox).
    latency_seconds: float = 0.0
    throttled: int = 0
    deleted: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _scripts: dict[str, deque[Scripted]] = field(default_factory=lambda: defaultdict(deque))
    _tenant_times: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _conversation_times: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _peaks: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _conversation_tenants: dict[str, str] = field(default_factory=dict)
    _member_conversations: dict[tuple[str, str], str] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        return app

    # Scripting ----------------------------------------------------------------------------
    def script(self, target: str, *answers: Scripted) -> None:
        self._scripts[target].extend(answers)

    def scripted_left(self, target: str) -> int:
        """How many scripted answers for the target are still to be given."""
        return len(self._scripts.get(target) or ())

    def _scripted(self, *targets: str | None) -> Scripted | None:
        for target in (*targets, "*"):
            if target is not None and self._scripts.get(target):
                return self._scripts[target].popleft()
        return None

    # Accounting ---------------------------------------------------------------------------
    def peak_per_second(self, tenant: str) -> int:
        return self._peaks.get(tenant, 0)

    @staticmethod
    def _window(times: deque[float], now: float) -> int:
        while times and times[0] <= now - 1.0:
            times.popleft()
        times.append(now)
        return len(times)

    def _tenant_of(self, body: dict[str, Any], conversation_id: str | None) -> str:
        channel_data = body.get("channelData")
        if isinstance(channel_data, dict):
            tenant = channel_data.get("tenant")
            if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
                return str(tenant["id"])
        if isinstance(body.get("tenantId"), str):
            return str(body["tenantId"])
        if conversation_id is not None and conversation_id in self._conversation_tenants:
            return self._conversation_tenants[conversation_id]
        return "default"

    def _limited(self, tenant: str, conversation_id: str | None) -> web.Response | None:
        now = time.monotonic()
        count = self._window(self._tenant_times[tenant], now)
        self._peaks[tenant] = max(self._peaks[tenant], count)
        over = self.tenant_limit is not None and count > self.tenant_limit
        if conversation_id is not None and self.conversation_limit is not None:
            per_conversation = self._window(self._conversation_times[conversation_id], now)
            over = over or per_conversation > self.conversation_limit
        if not over:
            return None
        self.throttled += 1
        return self._throttle(self.retry_after_header)

    @staticmethod
    def _throttle(retry_after: float | None) -> web.Response:
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        return web.json_response(
            {"error": {"code": "TooManyRequests", "message": "slow down"}},
            status=429,
            headers=headers,
        )

    async def _answer_scripted(self, scripted: Scripted) -> web.Response:
        if scripted == "timeout":
            await asyncio.sleep(self.hang_seconds)
            return web.json_response({"error": {"code": "Timeout"}}, status=504)
        if isinstance(scripted, tuple) and isinstance(scripted[1], str):
            status, code = scripted
            return web.json_response(
                {"error": {"code": code, "message": "scripted"}}, status=status
            )
        if isinstance(scripted, tuple):
            return self._throttle(scripted[1])
        assert isinstance(scripted, int)
        if scripted == 429:
            return self._throttle(None)
        codes = {
            403: "ConversationBlockedByUser",
            404: "ConversationNotFound",
            412: "PreconditionFailed",
        }
        return web.json_response(
            {"error": {"code": codes.get(scripted, "ServiceError"), "message": "scripted"}},
            status=scripted,
        )

    def _authorised(self, request: web.Request) -> bool:
        if self.required_token is None:
            return True
        return request.headers.get("Authorization") == f"Bearer {self.required_token}"

    async def _record(self, request: web.Request) -> ConnectorCall:
        body = await request.json() if request.can_read_body else {}
        cid = request.match_info.get("cid")
        call = ConnectorCall(
            request.method,
            request.path,
            cid,
            request.match_info.get("aid"),
            body,
            request.headers.get("Authorization"),
            tenant=self._tenant_of(body, cid),
        )
        self.calls.append(call)
        return call

    async def _refusal(self, call: ConnectorCall, *targets: str | None) -> web.Response | None:
        scripted = self._scripted(*targets)
        refusal = self._limited(call.tenant, call.conversation_id)
        if refusal is None and scripted is not None:
            if scripted == "timeout":
                call.status = 504  # recorded now: the client gives up before the answer
            refusal = await self._answer_scripted(scripted)
        if refusal is not None:
            call.status = refusal.status
        return refusal

    # Routes -------------------------------------------------------------------------------
    async def _create_conversation(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        call = await self._record(request)
        members = call.body.get("members") or [{}]
        member = str(members[0].get("id", ""))
        refusal = await self._refusal(call, member)
        if refusal is not None:
            return refusal
        if member in self.not_installed:
            call.status = 403
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "the bot is not installed"}},
                status=403,
            )
        key = (call.tenant, member)
        conversation_id = self._member_conversations.get(key)
        if conversation_id is None:
            conversation_id = f"a:conversation-{next(self._ids)}"
            self._member_conversations[key] = conversation_id
            self._conversation_tenants[conversation_id] = call.tenant
        return web.json_response({"id": conversation_id})

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        call = await self._record(request)
        refusal = await self._refusal(call, call.conversation_id)
        if refusal is not None:
            return refusal
        activity_id = f"activity-{next(self._ids)}"
        self.activities[activity_id] = call.body
        assert call.conversation_id is not None
        self.delivered.append(
            Delivered("POST", call.tenant, call.conversation_id, activity_id, call.body)
        )
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        call = await self._record(request)
        refusal = await self._refusal(call, call.conversation_id)
        if refusal is not None:
            return refusal
        assert call.activity_id is not None and call.conversation_id is not None
        if call.activity_id in self.deleted:
            call.status = 404
            error = {"code": "NotFound", "message": "The requested activity was not found."}
            return web.json_response({"error": error}, status=404)
        self.activities[call.activity_id] = call.body
        self.delivered.append(
            Delivered("PUT", call.tenant, call.conversation_id, call.activity_id, call.body)
        )
        return web.json_response({"id": call.activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        await self._record(request)
        self.delete_activity(request.match_info["aid"])
        return web.Response(status=200)

    def delete_activity(self, activity_id: str) -> None:
        self.activities.pop(activity_id, None)
        self.deleted.add(activity_id)

    # What a user would see -----------------------------------------------------------------
    def posted(self) -> list[dict[str, Any]]:
        return [
            c.body
            for c in self.calls
            if c.method == "POST" and "/activities" in c.path and c.status < 300
        ]

    def posted_texts(self) -> list[str]:
        return [b.get("text") or "" for b in self.posted()]

    def posted_cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for body in self.posted()
            for a in body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    def messages_to(self, conversation_id: str) -> list[Delivered]:
        return [d for d in self.delivered if d.conversation_id == conversation_id]


async def start(connector: BotConnector, *, port: int | None = None) -> TestServer:
    server = TestServer(connector.app(), host="127.0.0.1", port=port)
    await server.start_server()
    return server
