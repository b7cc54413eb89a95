"""Logs are one JSON object per line, carry the activity's correlation ids, and never hold a
secret: not the app password, not the Bot Framework JWT a request came with, not the access
token the bot fetched from Entra ID, not what a failing token fetch sends or gets back."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import SDK_APP_ID_WARNING, create_app
from bot.logging_setup import REDACTED, json_handler, redact, register_secret
from services.platform.config import Settings
from tests.bot.conftest import APP_SECRET, BotHarness
from tests.factories import NOW, TENANT_ID, person
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector


class CapturedLog:
    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def captured() -> Iterator[CapturedLog]:
    """Everything any logger writes, at DEBUG, through the production handler."""
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield CapturedLog(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


async def test_no_secret_reaches_the_log_in_a_failed_and_a_working_request(
    bot: BotHarness, session: AsyncSession, captured: CapturedLog
) -> None:
    anna = await person(session, "Anna Lindqvist")
    await session.commit()

    # The app password was rotated in Entra ID but not in the bot: the token fetch fails.
    bot.entra.client_secret = "rotated-secret-not-configured"
    failing = bot.activity(user=anna, text="hjälp")
    failing_token = bot.token()
    response = await bot.post(failing, token=failing_token)
    assert response.status == 503
    assert bot.connector.calls == []

    bot.entra.client_secret = APP_SECRET
    working = bot.activity(user=anna, text="hjälp")
    working_token = bot.token()
    response = await bot.post(working, token=working_token)
    assert response.status in (200, 201, 202)
    assert len(bot.connector.posted()) == 1
    assert bot.entra.issued, "the reply should have been sent with a fetched token"

    refused = await bot.post(bot.activity(user=anna, text="hjälp"), token=working_token + "x")
    assert refused.status == 401

    secrets = [APP_SECRET, failing_token, working_token]
    secrets += [issued["token"] for issued in bot.entra.issued]
    secrets += [call.authorization or "" for call in bot.connector.calls]
    for secret in filter(None, secrets):
        assert secret not in captured.text
    for part in working_token.split("."):
        assert part not in captured.text

    events = captured.events()
    assert events, "the failing request must have been logged"
    failure = next(e for e in events if "exception" in e and "AADSTS" in e["exception"])
    assert "AADSTS7000215" in failure["exception"]  # the reason an operator needs is kept
    assert failure["activity_id"] == failing["id"]
    assert failure["conversation_id"] == failing["conversation"]["id"]
    assert failure["request_id"]
    refusal = next(e for e in events if e["message"].startswith("refused activity"))
    assert refusal["request_id"] != failure["request_id"]


async def test_every_line_is_one_json_event_with_the_activity_ids(
    bot: BotHarness, session: AsyncSession, captured: CapturedLog
) -> None:
    anna = await person(session, "Anna Lindqvist")
    await session.commit()
    activity = bot.activity(user=anna, text="hjälp")
    logging.getLogger("lagesbot.test").info("outside any request")
    response = await bot.post(activity)
    assert response.status in (200, 201, 202)
    request_id = response.headers["X-Request-Id"]

    events = captured.events()
    for event in events:
        assert {"timestamp", "level", "logger", "message"} <= event.keys()
        assert event["timestamp"].endswith("+00:00")
    outside = next(e for e in events if e["message"] == "outside any request")
    assert "request_id" not in outside and "activity_id" not in outside
    during = [e for e in events if e.get("request_id") == request_id]
    assert during, "the request should have logged something at DEBUG"
    assert all(e.get("activity_id") == activity["id"] for e in during if "activity_id" in e)
    assert any(e.get("conversation_id") == activity["conversation"]["id"] for e in during)


def test_a_multi_line_traceback_stays_one_line(captured: CapturedLog) -> None:
    log = logging.getLogger("lagesbot.test")
    try:
        raise RuntimeError("first line\nsecond line")
    except RuntimeError:
        log.exception("failed with %s", "context")
    (event,) = [e for e in captured.events() if e["logger"] == "lagesbot.test"]
    assert event["message"] == "failed with context"
    assert "second line" in event["exception"]
    assert len(captured.text.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("written", "secret"),
    [
        ("headers: {'Authorization': 'Bearer abcdefghijklmnopqrstuvwxyz012345'}", "abcdefghij"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ("POST body client_secret=s3cr3t-value&grant_type=client_credentials", "s3cr3t-value"),
        ('{"access_token": "opaque-token-value", "expires_in": 3599}', "opaque-token-value"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl seen", "eyJzdWIiOiJ4In0"),
        ("MICROSOFT_APP_PASSWORD=hunter2hunter2", "hunter2hunter2"),
    ],
)
def test_secret_shapes_are_redacted(captured: CapturedLog, written: str, secret: str) -> None:
    logging.getLogger("lagesbot.test").warning("%s", written)
    logging.getLogger("lagesbot.test").warning(written.replace("%", "%%"))
    assert secret not in captured.text
    assert REDACTED in captured.text


def test_a_registered_secret_is_redacted_wherever_it_appears(captured: CapturedLog) -> None:
    register_secret("p4ss-w0rd-from-the-environment")
    try:
        raise ValueError("login with p4ss-w0rd-from-the-environment failed")
    except ValueError:
        logging.getLogger("lagesbot.test").exception("value %s", "p4ss-w0rd-from-the-environment")
    assert "p4ss-w0rd" not in captured.text
    assert redact("missing bearer token") == "missing bearer token"


async def test_anonymous_mode_warns_once_however_many_activities_arrive(
    database_url: str, session: AsyncSession, captured: CapturedLog
) -> None:
    anna = await person(session, "Anna Lindqvist")
    await session.commit()
    connector = BotConnector()
    connector_server = await bot_connector.start(connector)
    service_url = str(connector_server.make_url("")).rstrip("/") + "/"
    # The Agents Playground's way: no app id, no token on the activities.
    server = TestServer(
        create_app(Settings(database_url=database_url, anonymous=True), clock=lambda: NOW),
        host="127.0.0.1",
    )
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            for n in range(4):
                activity = {
                    "type": "message",
                    "id": f"anon:{n}",
                    "channelId": "msteams",
                    "serviceUrl": service_url,
                    "from": {"id": f"29:{anna.entra_object_id}", "name": anna.display_name},
                    "conversation": {"id": "a:anonymous-demo", "conversationType": "personal"},
                    "recipient": {"id": "28:lagesbot", "name": "Lägesbot"},
                    "channelData": {"tenant": {"id": TENANT_ID}},
                    "text": "hjälp",
                }
                async with http.post(server.make_url("/api/messages"), json=activity) as response:
                    assert response.status in (200, 201, 202)
    finally:
        await server.close()
        await connector_server.close()

    assert len(connector.posted()) == 4, "every activity should have been answered"
    messages = [e["message"] for e in captured.events()]
    assert sum(m.startswith("ANONYMOUS MODE") for m in messages) == 1
    assert sum(m.startswith(SDK_APP_ID_WARNING) for m in messages) == 1
