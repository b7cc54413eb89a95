"""A local Bot Connector: the v3 REST routes the bot calls at an activity's serviceUrl.

It records every call so tests can assert on what a user would see in Teams: the messages
posted, the cards updated in place, the conversations created.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class ConnectorCall:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None


@dataclass
class BotConnector:
    calls: list[ConnectorCall] = field(default_factory=list)
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    required_token: str | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        return app

    def _authorised(self, request: web.Request) -> bool:
        if self.required_token is None:
            return True
        return request.headers.get("Authorization") == f"Bearer {self.required_token}"

    async def _record(self, request: web.Request) -> ConnectorCall:
        body = await request.json() if request.can_read_body else {}
        call = ConnectorCall(
            request.method,
            request.path,
            request.match_info.get("cid"),
            request.match_info.get("aid"),
            body,
            request.headers.get("Authorization"),
        )
        self.calls.append(call)
        return call

    async def _create_conversation(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        await self._record(request)
        n = next(self._ids)
        return web.json_response({"id": f"a:conversation-{n}", "activityId": f"activity-{n}"})

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        call = await self._record(request)
        activity_id = f"activity-{next(self._ids)}"
        self.activities[activity_id] = call.body
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        call = await self._record(request)
        assert call.activity_id is not None
        self.activities[call.activity_id] = call.body
        return web.json_response({"id": call.activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        await self._record(request)
        self.activities.pop(request.match_info["aid"], None)
        return web.Response(status=200)

    # What a user would see -------------------------------------------------------------
    def posted(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.method == "POST" and "/activities" in c.path]

    def posted_texts(self) -> list[str]:
        return [b.get("text") or "" for b in self.posted()]

    def posted_cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for body in self.posted()
            for a in body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


async def start(connector: BotConnector) -> TestServer:
    server = TestServer(connector.app(), host="127.0.0.1")
    await server.start_server()
    return server
