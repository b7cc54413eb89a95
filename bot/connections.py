"""Outbound credentials for the SDK's connector client, backed by services.platform.tokens."""

from __future__ import annotations

from typing import Any

from microsoft_agents.hosting.core import AgentAuthConfiguration, ConnectionManager

from services.platform.tokens import BOT_CONNECTOR_SCOPE, TokenProvider


class _SdkTokenProvider:
    """Duck-types the SDK's AccessTokenProviderBase with our msal client, so the authority
    (and in tests the local token endpoint) is ours to configure."""

    def __init__(self, provider: TokenProvider, configuration: AgentAuthConfiguration) -> None:
        self._provider = provider
        self._configuration = configuration

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        scope = scopes[0] if scopes else BOT_CONNECTOR_SCOPE
        return await self._provider.token(scope)

    def get_token_credential(self) -> Any:
        raise NotImplementedError("Lägesbot does not use token credentials")

    async def acquire_token_on_behalf_of(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("Lägesbot does not use on-behalf-of tokens")


def connection_manager(
    *, app_id: str, tenant_id: str, provider: TokenProvider
) -> ConnectionManager:
    configuration = AgentAuthConfiguration(client_id=app_id, tenant_id=tenant_id or None)
    return ConnectionManager(
        provider_factory=lambda config: _SdkTokenProvider(provider, config),  # type: ignore[arg-type,return-value]
        connections_configurations={"SERVICE_CONNECTION": configuration},
    )
