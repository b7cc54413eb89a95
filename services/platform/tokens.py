"""App-only access tokens from Entra ID (client credentials), for the Bot Connector and Graph.

One msal ConfidentialClientApplication per app registration; msal caches tokens until shortly
before expiry. The authority is configurable so tests can point it at a local token endpoint.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import msal
import requests

BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"
# A token is used until this long before it expires, then fetched anew (msal's own margin).
REFRESH_BEFORE_EXPIRY_SECONDS = 300.0


class TokenError(RuntimeError):
    pass


class TokenProvider(Protocol):
    async def token(self, scope: str) -> str: ...


def _http_session(verify: str | bool) -> requests.Session:
    session = requests.Session()
    session.verify = verify
    if isinstance(verify, str):
        # requests lets REQUESTS_CA_BUNDLE override a session's own CA bundle; a configured
        # bundle must win, so the environment is not consulted for this session.
        session.trust_env = False
    return session


class MsalTokenProvider:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority: str,
        verify: str | bool = True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._valid: dict[str, tuple[str, float]] = {}
        self._client_id = client_id
        self._client_secret = client_secret
        self._authority = authority
        self._verify = verify
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def _acquire(self, scope: str) -> dict[str, Any]:
        # msal fetches the authority's metadata when constructed, so it is built lazily
        # on a worker thread, never on the event loop.
        with self._lock:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._client_secret,
                    authority=self._authority,
                    # Instance discovery would call login.microsoftonline.com even for a
                    # configured authority; the authority we are given is the one to trust.
                    instance_discovery=False,
                    http_client=_http_session(self._verify),
                )
            app = self._app
        result: dict[str, Any] = app.acquire_token_for_client(scopes=[scope])
        return result

    async def token(self, scope: str) -> str:
        # Every Bot Connector call asks for a token: answering from here instead of msal's
        # cache on a worker thread saves a thread hop per message, whose delay under load
        # was jitter the fan-out pacer had to absorb.
        valid = self._valid.get(scope)
        if valid is not None and self._monotonic() < valid[1]:
            return valid[0]
        asked_at = self._monotonic()
        try:
            result = await asyncio.to_thread(self._acquire, scope)
        except (ValueError, OSError) as exc:  # msal raises these for unreachable authorities
            raise TokenError(f"token request failed: {exc}") from exc
        if "access_token" not in result:
            raise TokenError(
                f"token request failed: {result.get('error')}: {result.get('error_description')}"
            )
        token = str(result["access_token"])
        lifetime = float(result.get("expires_in") or 0)
        if lifetime > REFRESH_BEFORE_EXPIRY_SECONDS:
            self._valid[scope] = (token, asked_at + lifetime - REFRESH_BEFORE_EXPIRY_SECONDS)
        return token
