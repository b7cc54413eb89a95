"""The Bot Connector client: the bot's own Entra ID token on every call, and errors that say
what happened (with the Retry-After the service asked for)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from demo import entra_standin as entra
from demo.entra_standin import EntraTokenEndpoint
from services.delivery.connector import AiohttpBotConnector, ConnectorError
from services.platform.tokens import BOT_CONNECTOR_SCOPE, MsalTokenProvider, TokenError
from tests.factories import TENANT_ID
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector

APP_ID = "00000000-0000-4000-8000-00000000b07a"
SECRET = "test-secret-not-real"


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
        client_id=APP_ID, credential=SECRET, authority=endpoint.authority, verify=str(ca_path)
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


async def test_a_valid_token_is_reused_until_shortly_before_it_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = EntraTokenEndpoint(tenant_id=TENANT_ID, client_id=APP_ID, client_secret=SECRET)
    entra_server, ca_path = await entra.start(endpoint, tmp_path)
    now = [1000.0]
    tokens = MsalTokenProvider(
        client_id=APP_ID,
        credential=SECRET,
        authority=endpoint.authority,
        verify=str(ca_path),
        monotonic=lambda: now[0],
    )
    asked = []
    real_to_thread = asyncio.to_thread

    async def counting_to_thread(fn: Any, *args: Any) -> Any:
        asked.append(args)
        return await real_to_thread(fn, *args)

    monkeypatch.setattr("services.platform.tokens.asyncio.to_thread", counting_to_thread)
    try:
        first = await tokens.token(BOT_CONNECTOR_SCOPE)
        assert [await tokens.token(BOT_CONNECTOR_SCOPE) for _ in range(5)] == [first] * 5
        assert len(asked) == 1  # one msal lookup for six messages
        now[0] += 3599 - 300 + 1  # within five minutes of expiry: asked again
        await tokens.token(BOT_CONNECTOR_SCOPE)
        assert len(asked) == 2
    finally:
        await entra_server.close()


async def test_a_refused_or_unreachable_authority_is_a_token_error(tmp_path: Path) -> None:
    endpoint = EntraTokenEndpoint(tenant_id=TENANT_ID, client_id=APP_ID, client_secret=SECRET)
    entra_server, ca_path = await entra.start(endpoint, tmp_path)
    try:
        wrong = MsalTokenProvider(
            client_id=APP_ID, credential="wrong", authority=endpoint.authority, verify=str(ca_path)
        )
        with pytest.raises(TokenError, match="invalid_client"):
            await wrong.token(BOT_CONNECTOR_SCOPE)
    finally:
        await entra_server.close()
    # The same authority once its server is gone: nothing listens on the port any more.
    gone = MsalTokenProvider(
        client_id=APP_ID, credential=SECRET, authority=endpoint.authority, verify=str(ca_path)
    )
    with pytest.raises(TokenError, match="token request failed"):
        await gone.token(BOT_CONNECTOR_SCOPE)
    assert endpoint.issued == []
