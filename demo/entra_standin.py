"""A local Entra ID token endpoint (client credentials) over HTTPS, for the demo's Graph
stand-in (``demo.graph_standin``) and the tests, because msal only talks to https
authorities. The test CA is written to a file the client is told to trust."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "entra-test-ca.pem"
    key_path = directory / "entra-test-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


@dataclass
class EntraTokenEndpoint:
    tenant_id: str
    client_id: str
    client_secret: str
    base_url: str = ""
    issued: list[dict[str, str]] = field(default_factory=list)
    # The application permissions consented for the app: the ``roles`` claim of the tokens
    # issued from now on (Graph checks them per call, see ``demo.graph_standin``).
    roles: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        return app

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant_id}"

    async def _metadata(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": f"{self.base_url}/{tenant}/v2.0",
                "token_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/token",
                "authorization_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/devicecode",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return web.json_response(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret",
                },
                status=401,
            )
        token = self.issue(str(form.get("scope", "")), "secret")
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            }
        )

    def issue(self, scope: str, credential: str) -> str:
        """An access token as Entra ID shapes one for client credentials: a JWT whose
        ``roles`` are the consented application permissions (signed with a key only this
        endpoint knows; the fakes find it in ``issued`` rather than verifying it)."""
        claims = {
            "aud": scope.removesuffix("/.default"),
            "iss": f"{self.base_url}/{self.tenant_id}/v2.0",
            "tid": self.tenant_id,
            "appid": self.client_id,
            "roles": list(self.roles),
            "jti": uuid.uuid4().hex,
            "credential": credential,
        }
        key = f"entra-standin:{self.tenant_id}:{self.client_id}:{self.client_secret}"
        token = jwt.encode(claims, key, algorithm="HS256")
        self.issued.append({"scope": scope, "token": token})
        return token

    def roles_of(self, token: str) -> list[str] | None:
        """The ``roles`` claim of a token this endpoint issued; None for any other token."""
        if not any(issued["token"] == token for issued in self.issued):
            return None
        claims = jwt.decode(token, options={"verify_signature": False})
        return [str(role) for role in claims.get("roles", [])]


async def start(endpoint: EntraTokenEndpoint, directory: Path) -> tuple[TestServer, Path]:
    context, ca_path = self_signed_tls(directory)
    server = TestServer(endpoint.app(), host="127.0.0.1")
    await server.start_server(ssl=context)
    endpoint.base_url = f"https://127.0.0.1:{server.port}"
    return server, ca_path
