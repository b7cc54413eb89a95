"""A running bot behind its real HTTP endpoint, with the Microsoft services it talks to
replaced by local servers: the Bot Framework token issuer (OpenID metadata + JWKS), the Bot
Connector at the activities' serviceUrl, and the Entra ID token endpoint msal calls."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.app import create_app
from demo import entra_standin as entra
from demo.entra_standin import EntraTokenEndpoint
from services.platform.config import Settings
from tests.factories import NOW, TENANT_ID
from tests.fakes import bot_connector, botframework_issuer
from tests.fakes.bot_connector import BotConnector
from tests.fakes.botframework_issuer import BotFrameworkIssuer

APP_ID = "00000000-0000-4000-8000-00000000b07a"
APP_SECRET = "test-secret-not-real"
BOT_MRI = f"28:{APP_ID}"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class BotHarness:
    url: str
    connector: BotConnector
    issuer: BotFrameworkIssuer
    entra: EntraTokenEndpoint
    service_url: str
    http: aiohttp.ClientSession
    clock: Clock
    _ids: itertools.count[int]

    def activity(
        self,
        *,
        user: Any,
        type_: str = "message",
        text: str | None = None,
        locale: str = "sv-SE",
        conversation_type: str = "personal",
        tenant_id: str = TENANT_ID,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Teams activity from `user` (a Person) in their 1:1 chat with the bot."""
        activity: dict[str, Any] = {
            "type": type_,
            "id": f"f:{next(self._ids)}",
            "timestamp": "2026-11-23T10:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {
                "id": f"29:{user.entra_object_id}",
                "name": user.display_name,
                "aadObjectId": user.entra_object_id,
            },
            "conversation": {
                "id": f"a:personal-{user.entra_object_id}",
                "conversationType": conversation_type,
                "tenantId": tenant_id,
            },
            "recipient": {"id": BOT_MRI, "name": "Lägesbot"},
            "channelData": {"tenant": {"id": tenant_id}},
            "locale": locale,
        }
        if text is not None:
            activity["text"] = text
        activity.update(extra)
        return activity

    def card_action(
        self, *, user: Any, verb: str, data: dict[str, Any], **kw: Any
    ) -> dict[str, Any]:
        return self.activity(
            user=user,
            type_="invoke",
            name="adaptiveCard/action",
            value={
                "action": {"type": "Action.Execute", "verb": verb, "data": data},
                "trigger": "manual",
            },
            **kw,
        )

    def token(self, **overrides: Any) -> str:
        options: dict[str, Any] = {"audience": APP_ID, "service_url": self.service_url}
        options.update(overrides)
        return self.issuer.token(**options)

    async def post(
        self, activity: dict[str, Any], *, token: str | None = "default", raw: bytes | None = None
    ) -> aiohttp.ClientResponse:
        headers = {"Content-Type": "application/json"}
        if token == "default":
            token = self.token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        import json

        body = raw if raw is not None else json.dumps(activity).encode()
        response = await self.http.post(f"{self.url}/api/messages", data=body, headers=headers)
        await response.read()
        return response


@contextlib.asynccontextmanager
async def running_bot(
    database_url: str, tmp_path: Path, **settings: Any
) -> AsyncIterator[BotHarness]:
    """The bot and its local Microsoft services; ``settings`` override the bot's Settings."""
    issuer = BotFrameworkIssuer()
    issuer_server = await botframework_issuer.start(issuer)
    connector = BotConnector()
    connector_server = await bot_connector.start(connector)
    token_endpoint = EntraTokenEndpoint(
        tenant_id=TENANT_ID, client_id=APP_ID, client_secret=APP_SECRET
    )
    entra_server, ca_path = await entra.start(token_endpoint, tmp_path)
    config = Settings(
        database_url=database_url,
        app_id=APP_ID,
        app_password=APP_SECRET,
        app_tenant_id=TENANT_ID,
        allowed_tenants=(TENANT_ID,),
        openid_metadata_url=issuer.metadata_url,
        authority=token_endpoint.authority,
        tls_ca_bundle=str(ca_path),
    )
    clock = Clock(NOW)
    app = create_app(dataclasses.replace(config, **settings), clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield BotHarness(
            url=str(server.make_url("")).rstrip("/"),
            connector=connector,
            issuer=issuer,
            entra=token_endpoint,
            service_url=str(connector_server.make_url("")).rstrip("/") + "/",
            http=http,
            clock=clock,
            _ids=itertools.count(1),
        )
    await server.close()
    await entra_server.close()
    await connector_server.close()
    await issuer_server.close()


@pytest_asyncio.fixture(loop_scope="session")
async def bot(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(database_url, tmp_path) as harness:
        yield harness


def new_tenant() -> str:
    return str(uuid.uuid4())
