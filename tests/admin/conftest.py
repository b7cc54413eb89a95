"""The bot harness of tests/bot, with administrators configured: one by Entra object id and
one by UPN (LAGESBOT_ADMINS accepts both)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.app import create_app
from demo import entra_standin as entra
from demo.entra_standin import EntraTokenEndpoint
from services.platform.config import Settings
from tests.admin.helpers import ADMIN_OBJECT_ID, UPN_ADMIN
from tests.bot.conftest import APP_ID, APP_SECRET, BotHarness, Clock
from tests.factories import NOW, TENANT_ID
from tests.fakes import bot_connector, botframework_issuer
from tests.fakes.bot_connector import BotConnector
from tests.fakes.botframework_issuer import BotFrameworkIssuer


@pytest_asyncio.fixture(loop_scope="session")
async def bot(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    issuer = BotFrameworkIssuer()
    issuer_server = await botframework_issuer.start(issuer)
    connector = BotConnector()
    connector_server = await bot_connector.start(connector)
    token_endpoint = EntraTokenEndpoint(
        tenant_id=TENANT_ID, client_id=APP_ID, client_secret=APP_SECRET
    )
    entra_server, ca_path = await entra.start(token_endpoint, tmp_path)
    settings = Settings(
        database_url=database_url,
        app_id=APP_ID,
        app_password=APP_SECRET,
        app_tenant_id=TENANT_ID,
        allowed_tenants=(TENANT_ID,),
        admin_object_ids=(ADMIN_OBJECT_ID.upper(), UPN_ADMIN.upper()),
        openid_metadata_url=issuer.metadata_url,
        authority=token_endpoint.authority,
        tls_ca_bundle=str(ca_path),
    )
    clock = Clock(NOW)
    app = create_app(settings, clock=clock)
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
