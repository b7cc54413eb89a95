"""Only Entra ID access tokens for the feed's app, from an allowed tenant and with the read
role (or group), get rows: no token or a bad one is 401, a good one without the role 403."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import TENANT_ID
from tests.fakes.entra_issuer import EntraIssuer, new_key
from tests.feed.conftest import APP_ID, BI_GROUP, FeedHarness, feed_settings, serve


async def test_the_bi_platforms_token_with_the_read_role_reads_the_feed(
    feed: FeedHarness,
) -> None:
    response = await feed.get("")
    assert response.status == 200
    assert response.headers["OData-Version"] == "4.0"
    names = [s["name"] for s in (await response.json(content_type=None))["value"]]
    assert {"Plans", "Items", "Rounds", "Answers", "AnswerHistory"} <= set(names)
    metadata = await feed.get("$metadata")
    assert metadata.status == 200 and metadata.content_type == "application/xml"


@pytest.mark.parametrize("version", ["1.0", "2.0"])
async def test_v1_and_v2_tokens_for_the_app_id_uri_or_the_bare_app_id(
    feed: FeedHarness, version: str
) -> None:
    for audience in (f"api://{APP_ID}", APP_ID):
        token = feed.token(version=version, audience=audience)
        assert (await feed.get("Plans", token=token)).status == 200


@pytest.mark.parametrize(
    "case",
    [
        "missing header",
        "not bearer",
        "expired",
        "wrong audience",
        "wrong issuer",
        "issuer of another tenant",
        "wrong key",
        "unknown key id",
        "garbage",
        "HS256",
        "no tenant",
    ],
)
async def test_anything_else_is_401_with_where_to_sign_in(feed: FeedHarness, case: str) -> None:
    token: str | None
    headers: dict[str, str] = {}
    other = str(uuid.uuid4())
    if case == "missing header":
        token = None
    elif case == "not bearer":
        token, headers = None, {"Authorization": "Basic dXNlcjpwdw=="}
    elif case == "expired":
        token = feed.token(expires_in=-3600)
    elif case == "wrong audience":
        token = feed.token(audience="api://11111111-2222-3333-4444-555555555555")
    elif case == "wrong issuer":
        token = feed.token(issuer="https://evil.example/v2.0")
    elif case == "issuer of another tenant":
        token = feed.token(issuer=f"{feed.issuer.base_url}/{other}/v2.0")
    elif case == "wrong key":
        token = feed.token(key=new_key())
    elif case == "unknown key id":
        token = feed.token(kid="not-a-key")
    elif case == "garbage":
        token = "not.a.jwt"
    elif case == "HS256":
        import jwt

        token = jwt.encode({"tid": TENANT_ID, "aud": APP_ID}, "secret" * 8, algorithm="HS256")
    else:
        token = feed.token(extra={"tid": None})
    for path in ("", "$metadata", "AnswerHistory"):
        response = await feed.get(path, token=token, headers=headers)
        assert response.status == 401, (case, path)
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer ")
        assert f'authorization_uri="{feed.issuer.base_url}/{TENANT_ID}/oauth2/authorize"' in (
            challenge
        )
        body = await response.json(content_type=None)
        assert body["error"]["code"] == "Unauthorized"
        assert "value" not in body


async def test_a_tenant_outside_the_allow_list_is_401_and_its_keys_are_never_fetched(
    feed: FeedHarness,
) -> None:
    other = str(uuid.uuid4())
    response = await feed.get("Answers", token=feed.token(tenant=other))
    assert response.status == 401
    assert feed.issuer.jwks_requests[other] == 0


@pytest.mark.parametrize("roles", [(), ("Lagesbot.Write.All",), ("lagesbot.read.all",)])
async def test_a_valid_token_without_the_read_role_is_403(
    feed: FeedHarness, roles: tuple[str, ...]
) -> None:
    response = await feed.get("Answers", token=feed.token(roles=roles))
    assert response.status == 403
    body = await response.json(content_type=None)
    assert body["error"]["code"] == "Forbidden"
    assert body["error"]["message"] == (
        "Åtkomsttoken saknar rollen eller gruppen som ger läsrätt till flödet."
    )
    english = await feed.get(
        "Answers", token=feed.token(roles=roles), headers={"Accept-Language": "en-GB"}
    )
    assert (await english.json(content_type=None))["error"]["message"] == (
        "The access token lacks the role or group that may read the feed."
    )


async def test_a_users_delegated_token_is_let_in_by_a_configured_group(
    database_url: str, issuer: EntraIssuer
) -> None:
    settings = feed_settings(database_url, issuer, feed_groups=(BI_GROUP,))
    async with serve(settings, issuer) as feed:
        delegated = {"scp": "user_impersonation", "upn": "bi.analytiker@region-exempel.se"}
        in_group = feed.token(roles=(), groups=(BI_GROUP.upper(),), extra=delegated)
        assert (await feed.get("Plans", token=in_group)).status == 200
        elsewhere = feed.token(roles=(), groups=(str(uuid.uuid4()),), extra=delegated)
        assert (await feed.get("Plans", token=elsewhere)).status == 403


async def test_power_bis_token_for_the_feeds_address_when_that_audience_is_configured(
    database_url: str, issuer: EntraIssuer
) -> None:
    address = "https://lagesbot.region-exempel.se"
    settings = feed_settings(database_url, issuer, feed_audiences=(address, f"api://{APP_ID}"))
    async with serve(settings, issuer) as feed:
        assert (await feed.get("Plans", token=feed.token(audience=address))).status == 200
        assert (await feed.get("Plans", token=feed.token(audience=APP_ID))).status == 401


async def test_without_an_allowed_tenant_every_request_is_refused(
    database_url: str, issuer: EntraIssuer
) -> None:
    settings = feed_settings(database_url, issuer, allowed_tenants=(), app_tenant_id="")
    async with serve(settings, issuer) as feed:
        response = await feed.get("Plans")
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


async def test_in_anonymous_mode_the_feed_is_open_like_the_bot(
    database_url: str, issuer: EntraIssuer
) -> None:
    settings = feed_settings(database_url, issuer, anonymous=True, app_id="")
    async with serve(settings, issuer) as feed:
        assert (await feed.get("Plans", token=None)).status == 200
