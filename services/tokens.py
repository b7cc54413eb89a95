"""App-only access tokens from Entra ID (client credentials), for the Bot Connector and Graph.

One msal ConfidentialClientApplication per app registration; msal caches tokens until shortly
before expiry. The authority is configurable so tests can point it at a local token endpoint.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import msal

BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"


class TokenError(RuntimeError):
    pass


class TokenProvider(Protocol):
    async def token(self, scope: str) -> str: ...


class MsalTokenProvider:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority: str,
        verify: str | bool = True,
    ) -> None:
        self._app = msal.ConfidentialClientApplication(
            client_id,
            client_credential=client_secret,
            authority=authority,
            # Instance discovery would call login.microsoftonline.com even for a
            # configured authority; the authority we are given is the one to trust.
            instance_discovery=False,
            verify=verify,
        )

    async def token(self, scope: str) -> str:
        # msal is synchronous (requests); keep it off the event loop.
        result = await asyncio.to_thread(self._app.acquire_token_for_client, scopes=[scope])
        if "access_token" not in result:
            raise TokenError(
                f"token request failed: {result.get('error')}: {result.get('error_description')}"
            )
        return str(result["access_token"])
