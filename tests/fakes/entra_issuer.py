"""A local Entra ID as far as access tokens go: per-tenant OpenID metadata and JWKS, and RS256
access tokens (client credentials or delegated) signed with keys generated per test run."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class EntraIssuer:
    key: RSAPrivateKey = field(default_factory=new_key)
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    base_url: str = ""
    # Key fetches per tenant, to see which tenants' keys were ever asked for.
    jwks_requests: Counter[str] = field(default_factory=Counter)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": f"{self.base_url}/{tenant}/v2.0",
                "jwks_uri": f"{self.base_url}/{tenant}/discovery/v2.0/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.jwks_requests[request.match_info["tenant"]] += 1
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig"})
        return web.json_response({"keys": [jwk]})

    def token(
        self,
        *,
        tenant: str,
        audience: str,
        roles: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        issuer: str | None = None,
        version: str = "2.0",
        expires_in: int = 3600,
        key: RSAPrivateKey | None = None,
        kid: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        if issuer is None:
            issuer = (
                f"{self.base_url}/{tenant}/v2.0"
                if version == "2.0"
                else f"https://sts.windows.net/{tenant}/"
            )
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "tid": tenant,
            "oid": str(uuid.uuid4()),
            "ver": version,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + expires_in,
            **(extra or {}),
        }
        if roles:
            claims["roles"] = list(roles)
        if groups:
            claims["groups"] = list(groups)
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )


async def start(issuer: EntraIssuer) -> TestServer:
    server = TestServer(issuer.app(), host="127.0.0.1")
    await server.start_server()
    issuer.base_url = str(server.make_url("")).rstrip("/")
    return server
