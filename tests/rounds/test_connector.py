"""The Bot Connector client: the bot's own Entra ID token on every call, Retry-After parsing,
and errors that say what happened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from services.connector import AiohttpBotConnector, ConnectorError, parse_retry_after
from services.tokens import MsalTokenProvider
from tests.factories import TENANT_ID
from tests.fakes import bot_connector, entra
from tests.fakes.bot_connector import BotConnector
from tests.fakes.entra import EntraTokenEndpoint

APP_ID = "00000000-0000-4000-8000-00000000b07a"
SECRET = "test-secret-not-real"


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7
    assert parse_retry_after("Tue, 24 Nov 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("Tue, 24 Nov 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest_asyncio.fixture(loop_scope="session")
async def connector_url(tmp_path: Path) -> AsyncIterator[tuple[BotConnector, str]]:
    connector = BotConnector(hang_seconds=1.0)
    server = await bot_connector.start(connector)
    yield connector, str(server.make_url("")).rstrip("/") + "/"
    await server.close()


async def test_every_call_carries_the_bots_token_from_entra(
    connector_url: tuple[BotConnector, str], tmp_path: Path
) -> None:
    connector, service_url = connector_url
    endpoint = EntraTokenEndpoint(tenant_id=TENANT_ID, client_id=APP_ID, client_secret=SECRET)
    entra_server, ca_path = await entra.start(endpoint, tmp_path)
    tokens = MsalTokenProvider(
        client_id=APP_ID, client_secret=SECRET, authority=endpoint.authority, verify=str(ca_path)
    )
    try:
        async with aiohttp.ClientSession() as http:
            api = AiohttpBotConnector(http, tokens)
            chat = await api.create_conversation(
                service_url, tenant_id=TENANT_ID, member_id="29:abc", bot_id=f"28:{APP_ID}"
            )
            posted = await api.send_activity(service_url, chat, {"type": "message", "text": "Hej"})
            await api.update_activity(
                service_url, chat, posted, {"type": "message", "text": "Hej igen"}
            )
    finally:
        await entra_server.close()

    issued = {f"Bearer {t['token']}" for t in endpoint.issued}
    assert {t["scope"] for t in endpoint.issued} == {"https://api.botframework.com/.default"}
    assert [c.authorization in issued for c in connector.calls] == [True, True, True]
    assert connector.activities[posted]["text"] == "Hej igen"


async def test_errors_carry_status_code_and_retry_after(
    connector_url: tuple[BotConnector, str],
) -> None:
    connector, service_url = connector_url
    connector.script("a:chat", (429, 3), (403, "ConversationBlockedByUser"), "timeout")
    async with aiohttp.ClientSession() as http:
        api = AiohttpBotConnector(http, None, timeout_seconds=0.3)
        errors = []
        for _ in range(3):
            with pytest.raises(ConnectorError) as caught:
                await api.send_activity(service_url, "a:chat", {"type": "message"})
            errors.append(caught.value)
    assert [(e.status, e.retry_after) for e in errors] == [(429, 3), (403, None), (None, None)]
    assert errors[1].code == "ConversationBlockedByUser"
    assert "timeout" in str(errors[2])
    assert connector.delivered == []
