"""App-only access tokens from Entra ID (client credentials): the one msal wrapper, used for the
Bot Connector (``bot/connections.py``, ``services.delivery``) and for Microsoft Graph (the thin
kiota adapter in ``services.graph.client``).

- Credential: a client secret, or a certificate (``certificate_credential`` reads one PEM file
  holding the private key and the certificate; msal signs with PS256 and the certificate's
  SHA-256 thumbprint).
- Authority: configurable, without instance discovery, so tests and the demo can point it at a
  local token endpoint; outbound TLS trusts the configured CA bundle.
- Reuse: a token is answered from memory until five minutes before it expires, then fetched
  anew (msal on a worker thread, never on the event loop).
- Errors: an unreachable or refusing authority is a ``TokenError``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from services.platform.config import Settings

BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"
# A token is used until this long before it expires, then fetched anew (msal's own margin).
REFRESH_BEFORE_EXPIRY_SECONDS = 300.0

# A client secret, or msal's certificate credential (see certificate_credential).
Credential = str | dict[str, str]


class TokenError(RuntimeError):
    pass


class TokenProvider(Protocol):
    async def token(self, scope: str) -> str: ...


def certificate_credential(path: str | Path) -> dict[str, str]:
    """msal's certificate credential from one PEM file holding the private key and the
    certificate. No ``thumbprint``: given the public certificate, msal (1.35+) derives the
    SHA-256 thumbprint itself and signs the assertion with PS256 (``x5t#S256``); passing a
    thumbprint would select the deprecated SHA-1/RS256 path."""
    pem = Path(path).read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(pem, password=None)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "private_key": key_pem,
        "public_certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }


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
        credential: Credential,
        authority: str,
        verify: str | bool = True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._valid: dict[str, tuple[str, float]] = {}
        self._client_id = client_id
        self._credential = credential
        self._authority = authority
        self._verify = verify
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_bot(cls, settings: Settings) -> MsalTokenProvider:
        """The bot's own app registration (MICROSOFT_APP_ID/PASSWORD), for the Bot Connector."""
        return cls(
            client_id=settings.app_id,
            credential=settings.app_password,
            authority=settings.effective_authority,
            verify=settings.tls_ca_bundle or True,
        )

    @classmethod
    def for_graph(cls, settings: Settings) -> MsalTokenProvider:
        """The Graph app registration: a certificate if one is configured, else the Graph
        client secret, else the bot's password (the same registration)."""
        credential: Credential
        if settings.graph_certificate_path:
            credential = certificate_credential(settings.graph_certificate_path)
        else:
            credential = settings.graph_client_secret or settings.app_password
        return cls(
            client_id=settings.graph_app_id,
            credential=credential,
            authority=settings.effective_authority,
            verify=settings.tls_ca_bundle or True,
        )

    def _acquire(self, scope: str) -> dict[str, Any]:
        # msal fetches the authority's metadata when constructed, so it is built lazily
        # on a worker thread, never on the event loop.
        with self._lock:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._credential,
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
