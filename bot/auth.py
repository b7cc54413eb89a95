"""Bot Framework JWT validation at the HTTP edge.

The SDK's own validator reads its keys from a hard-coded Microsoft URL and only warns on a
serviceUrl mismatch, so Lägesbot validates here, before the SDK sees the request:
RS256 signature from the OpenID metadata's JWKS, issuer, audience = our app id, expiry,
the key's channel endorsement, the `serviceurl` claim against the activity, and the tenant
allow-list. Anything else is a 401 that never reaches a handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

log = logging.getLogger(__name__)

CLOCK_SKEW_SECONDS = 300
KEY_CACHE_SECONDS = 24 * 3600
MIN_REFRESH_INTERVAL_SECONDS = 60


class AuthError(Exception):
    """The request is not from the Bot Framework for this bot; answer 401."""


@dataclass(frozen=True)
class SigningKey:
    key: Any
    endorsements: tuple[str, ...] | None


class OpenIdKeySource:
    """Signing keys from an OpenID metadata document (`jwks_uri`), cached and refreshed when
    a token names a key id we have not seen (Microsoft rolls keys)."""

    def __init__(
        self, metadata_url: str, http: aiohttp.ClientSession, issuer_name: str = "Bot Framework"
    ) -> None:
        self._metadata_url = metadata_url
        self._issuer_name = issuer_name
        self._http = http
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> SigningKey:
        fresh = time.monotonic() - self._fetched_at < KEY_CACHE_SECONDS
        if kid in self._keys and fresh:
            return self._keys[kid]
        async with self._lock:
            # An unknown key id triggers a refresh at most once a minute, so tokens with
            # made-up key ids cannot make us hammer the metadata endpoint.
            recently = time.monotonic() - self._fetched_at < MIN_REFRESH_INTERVAL_SECONDS
            stale = kid not in self._keys or not fresh
            if stale and (not recently or not self._keys):
                await self._refresh()
        if kid not in self._keys:
            raise AuthError("unknown signing key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            async with self._http.get(self._metadata_url) as response:
                response.raise_for_status()
                metadata = await response.json(content_type=None)
            async with self._http.get(metadata["jwks_uri"]) as response:
                response.raise_for_status()
                jwks = await response.json(content_type=None)
        except (aiohttp.ClientError, KeyError, ValueError, TimeoutError) as exc:
            log.error("could not fetch %s signing keys: %s", self._issuer_name, exc)
            raise AuthError("signing keys unavailable") from exc
        keys: dict[str, SigningKey] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") != "RSA" or "kid" not in jwk:
                continue
            endorsements = jwk.get("endorsements")
            keys[jwk["kid"]] = SigningKey(
                key=jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk)),
                endorsements=tuple(endorsements) if isinstance(endorsements, list) else None,
            )
        self._keys = keys
        self._fetched_at = time.monotonic()


@dataclass(frozen=True)
class TokenRules:
    app_id: str
    issuers: tuple[str, ...]
    allowed_tenants: tuple[str, ...]


def _normalise_url(url: str) -> str:
    return url.rstrip("/").lower()


def tenant_of(activity: Mapping[str, Any]) -> str | None:
    channel_data = activity.get("channelData")
    if isinstance(channel_data, Mapping):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, Mapping) and isinstance(tenant.get("id"), str):
            return str(tenant["id"])
    conversation = activity.get("conversation")
    if isinstance(conversation, Mapping) and isinstance(conversation.get("tenantId"), str):
        return str(conversation["tenantId"])
    return None


def check_tenant(activity: Mapping[str, Any], allowed_tenants: tuple[str, ...]) -> None:
    if not allowed_tenants:
        return
    tenant = tenant_of(activity)
    if tenant is None or tenant.lower() not in {t.lower() for t in allowed_tenants}:
        raise AuthError("tenant not allowed")


async def validate_request(
    authorization: str | None,
    activity: Mapping[str, Any],
    rules: TokenRules,
    keys: OpenIdKeySource,
) -> dict[str, Any]:
    """Return the token's claims, or raise AuthError."""
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthError("missing bearer token")
    token = authorization[len("Bearer ") :].strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthError("malformed token") from exc
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise AuthError("unexpected token algorithm")
    signing_key = await keys.key(header["kid"])
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=rules.app_id,
            issuer=list(rules.issuers),
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid token: {exc}") from exc

    channel_id = activity.get("channelId")
    if signing_key.endorsements is not None and channel_id not in signing_key.endorsements:
        raise AuthError("signing key not endorsed for this channel")
    claimed_service_url = claims.get("serviceurl") or claims.get("serviceUrl")
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not isinstance(claimed_service_url, str):
        raise AuthError("serviceUrl missing")
    if _normalise_url(claimed_service_url) != _normalise_url(service_url):
        raise AuthError("serviceUrl does not match the token")
    check_tenant(activity, rules.allowed_tenants)
    return claims
