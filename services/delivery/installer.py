"""Proactive installation of the Teams app through Microsoft Graph.

Contract used by the sender: when a person has no 1:1 conversation the bot can post to, the
sender calls ``ProactiveInstaller.ensure_installed`` and, if it returns a chat id, posts there.
The chat id Graph gives for the app's personal chat is the conversation id the Bot Connector
accepts.

``GraphInstaller`` installs the app in the user's personal scope
(``POST /users/{id}/teamwork/installedApps``; 409 = already installed, which is fine), looks up
the installation and reads its chat (``GET .../installedApps/{id}/chat``). A user Graph does
not know (404) gives None; throttling and server errors that outlast the client's retries
raise ``GraphError`` so the sender retries the job later.
"""

from __future__ import annotations

import logging
from typing import Protocol

from services.graph.interface import Graph, GraphError

log = logging.getLogger(__name__)


class ProactiveInstaller(Protocol):
    async def ensure_installed(self, user_object_id: str, tenant_id: str) -> str | None:
        """Install the Teams app for the user if needed (409 = already installed) and return
        the id of the bot's 1:1 chat with them, or None when that is not possible."""
        ...


class NoInstaller:
    """Used when Graph is not configured: nobody can be installed for."""

    async def ensure_installed(self, user_object_id: str, tenant_id: str) -> str | None:
        return None


class GraphInstaller:
    def __init__(self, graph: Graph, catalog_app_id: str, *, tenant_id: str | None = None) -> None:
        self.graph = graph
        self.catalog_app_id = catalog_app_id
        # The app registration's own tenant: Graph app-only tokens reach only that tenant.
        self.tenant_id = tenant_id.lower() if tenant_id else None

    async def ensure_installed(self, user_object_id: str, tenant_id: str) -> str | None:
        if self.tenant_id and tenant_id and tenant_id.lower() != self.tenant_id:
            log.warning("proactive install skipped: user in another tenant (%s)", tenant_id)
            return None
        try:
            installation = await self.graph.install_app_for_user(
                user_object_id, self.catalog_app_id
            )
            return await self.graph.installed_app_chat_id(user_object_id, installation)
        except GraphError as exc:
            if exc.status == 404:
                log.warning("proactive install: %s", exc)
                return None
            raise


def installer_for(graph: Graph | None, catalog_app_id: str, tenant_id: str) -> ProactiveInstaller:
    """The installer the sender should use: through Graph when Graph and the app's catalog
    id are configured (``Settings.graph_configured``, ``teams_app_catalog_id``), else none.
    The caller owns ``graph`` (an ``MsGraph``; close it with the worker)."""
    if graph is None or not catalog_app_id:
        return NoInstaller()
    return GraphInstaller(graph, catalog_app_id, tenant_id=tenant_id or None)
