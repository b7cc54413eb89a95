"""Only the Bot Framework, for our app id and tenant, gets through to a handler."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.bot.conftest import BotHarness, new_tenant
from tests.factories import person
from tests.fakes.botframework_issuer import new_key


async def test_a_valid_token_reaches_the_bot(bot: BotHarness, session: AsyncSession) -> None:
    anna = await person(session, "Anna Lindqvist")
    await session.commit()
    response = await bot.post(bot.activity(user=anna, text="hjälp"))
    assert response.status in (200, 201, 202)
    assert len(bot.connector.posted()) == 1
    # The reply went out with a token msal fetched from the (local) Entra ID endpoint.
    issued = {t["token"] for t in bot.entra.issued}
    assert bot.connector.calls[0].authorization in {f"Bearer {t}" for t in issued}
    assert bot.entra.issued[0]["scope"] == "https://api.botframework.com/.default"


@pytest.mark.parametrize(
    "case",
    [
        "missing header",
        "expired",
        "wrong audience",
        "wrong issuer",
        "wrong key",
        "unknown key id",
        "garbage",
        "tampered serviceUrl",
        "other tenant",
        "not endorsed for channel",
    ],
)
async def test_anything_else_is_401_and_never_reaches_a_handler(
    bot: BotHarness, session: AsyncSession, case: str
) -> None:
    anna = await person(session, "Anna Lindqvist")
    await session.commit()
    activity = bot.activity(user=anna, text="hjälp")
    token: str | None
    if case == "missing header":
        token = None
    elif case == "expired":
        token = bot.token(expires_in=-3600)
    elif case == "wrong audience":
        token = bot.token(audience="11111111-2222-3333-4444-555555555555")
    elif case == "wrong issuer":
        token = bot.token(issuer="https://evil.example")
    elif case == "wrong key":
        token = bot.token(key=new_key())
    elif case == "unknown key id":
        token = bot.token(kid="not-a-key")
    elif case == "garbage":
        token = "not.a.jwt"
    elif case == "tampered serviceUrl":
        token = bot.token()
        activity["serviceUrl"] = "https://evil.example/"
    elif case == "other tenant":
        token = bot.token()
        tenant = new_tenant()
        activity["channelData"]["tenant"]["id"] = tenant
        activity["conversation"]["tenantId"] = tenant
    else:
        token = bot.token()
        activity["channelId"] = "slack"
    response = await bot.post(activity, token=token)
    assert response.status == 401
    assert bot.connector.calls == []


async def test_bad_bodies_are_400_not_500(bot: BotHarness) -> None:
    for raw in (b"not json", b"[]", json.dumps({"type": "message"}).encode()):
        response = await bot.post({}, raw=raw)
        assert response.status == 400
    assert bot.connector.calls == []


async def test_health_reports_the_database(bot: BotHarness) -> None:
    async with bot.http.get(f"{bot.url}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["database"] == "ok"
