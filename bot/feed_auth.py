"""Who may read the BI feed: Entra ID access tokens, checked the way the bot's Bot Framework
tokens are (``bot.auth``).

A token is accepted when
- its tenant (``tid``) is on the feed's allow-list; otherwise 401, before any key is fetched;
- it is RS256, signed by a key of that tenant's JWKS (from the tenant's OpenID metadata at
  ``<login url>/<tenant>/v2.0/.well-known/openid-configuration``);
- its issuer is the tenant's (v2 ``<login url>/<tenant>/v2.0``, or v1
  ``https://sts.windows.net/<tenant>/``), its audience is the feed's (``api://<app id>``,
  the bare app id, or what ``LAGESBOT_FEED_AUDIENCES`` says), and it has not expired;
- it carries one of the feed's app roles (``roles``, e.g. ``Lagesbot.Read.All``) or groups
  (``groups``); a valid token without either is 403.

Client-credential tokens of a BI platform's app registration carry the role it was granted;
a user's delegated token (Power BI's "organizational account") carries the roles assigned to
the user or to a group the user is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from bot.auth import CLOCK_SKEW_SECONDS, AuthError, OpenIdKeySource
from services.platform.config import Settings


class FeedForbidden(Exception):
    """A valid token without the feed's role or group; answer 403."""


@dataclass(frozen=True)
class FeedTokenRules:
    audiences: tuple[str, ...]
    tenants: tuple[str, ...]
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    login_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedTokenRules:
        return cls(
            audiences=settings.effective_feed_audiences,
            tenants=tuple(t.lower() for t in settings.effective_feed_tenants),
            roles=settings.feed_roles,
            groups=tuple(g.lower() for g in settings.feed_groups),
            login_url=settings.feed_login_url.rstrip("/"),
        )

    def issuers(self, tenant: str) -> list[str]:
        return [f"{self.login_url}/{tenant}/v2.0", f"https://sts.windows.net/{tenant}/"]

    def authorization_uri(self) -> str | None:
        """Where a client signs in, told in 401 answers (Power BI looks for it)."""
        if not self.tenants:
            return None
        return f"{self.login_url}/{self.tenants[0]}/oauth2/authorize"


class TenantKeys:
    """One signing-key source per allowed tenant (so at most as many as the allow-list)."""

    def __init__(self, login_url: str, http: aiohttp.ClientSession) -> None:
        self._login_url = login_url.rstrip("/")
        self._http = http
        self._sources: dict[str, OpenIdKeySource] = {}

    def of(self, tenant: str) -> OpenIdKeySource:
        if tenant not in self._sources:
            url = f"{self._login_url}/{tenant}/v2.0/.well-known/openid-configuration"
            self._sources[tenant] = OpenIdKeySource(url, self._http, f"Entra ID ({tenant})")
        return self._sources[tenant]


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthError("missing bearer token")
    return authorization[len("Bearer ") :].strip()


def _tenant(token: str, rules: FeedTokenRules) -> tuple[str, str]:
    """The token's tenant if it is allowed, and its key id; nothing is trusted yet."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise AuthError("malformed token") from exc
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise AuthError("unexpected token algorithm")
    tenant = unverified.get("tid")
    if not isinstance(tenant, str) or tenant.lower() not in rules.tenants:
        raise AuthError("tenant not allowed")
    return tenant, str(header["kid"])


def _strings(claims: Mapping[str, Any], name: str) -> set[str]:
    value = claims.get(name)
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


async def check_feed_token(
    authorization: str | None, rules: FeedTokenRules, keys: TenantKeys
) -> dict[str, Any]:
    """The token's claims; AuthError (401) or FeedForbidden (403) otherwise."""
    token = _bearer(authorization)
    if not rules.audiences:
        raise AuthError("the feed has no app id to check audiences against")
    tenant, kid = _tenant(token, rules)
    signing_key = await keys.of(tenant.lower()).key(kid)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=list(rules.audiences),
            issuer=rules.issuers(tenant),
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iss", "aud", "tid"]},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid token: {exc}") from exc
    roles = _strings(claims, "roles") & set(rules.roles)
    groups = {g.lower() for g in _strings(claims, "groups")} & set(rules.groups)
    if not roles and not groups:
        raise FeedForbidden("no feed role or group in the token")
    return claims
