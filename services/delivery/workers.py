"""Starting and stopping the background workers inside `lagesbot serve`: the outbox sender
and the round scheduler, as asyncio tasks on the server's event loop."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery.connector import AiohttpBotConnector, BotConnectorApi
from services.delivery.installer import NoInstaller, ProactiveInstaller
from services.delivery.scheduler import Scheduler
from services.delivery.sender import Clock, Sender, utc_now
from services.goals.warehouse import warehouse_configs
from services.graph.jobs import GraphJobs, GraphJobSettings
from services.platform.config import Settings
from services.platform.tokens import MsalTokenProvider, TokenProvider

log = logging.getLogger(__name__)


class Closeable(Protocol):
    async def aclose(self) -> None: ...


@dataclass
class Workers:
    sender: Sender
    scheduler: Scheduler
    resources: list[Closeable] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(self.sender.run(self._stop), name="lagesbot-sender"),
            asyncio.create_task(self.scheduler.run(self._stop), name="lagesbot-scheduler"),
        ]
        log.info("workers started: %s, %s", self.sender.worker_id, self.scheduler.worker_id)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            try:
                await task
            except Exception:
                log.exception("worker %s ended with an error", task.get_name())
        self._tasks = []
        for resource in self.resources:
            await resource.aclose()
        self.resources = []


def connector_tokens(settings: Settings, given: TokenProvider | None) -> TokenProvider | None:
    """No token in anonymous mode (local runs), else the app's own Entra ID credentials."""
    if given is not None:
        return given
    if settings.anonymous:
        return None
    return MsalTokenProvider.for_bot(settings)


def build_workers(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    http: aiohttp.ClientSession,
    *,
    token_provider: TokenProvider | None = None,
    installer: ProactiveInstaller | None = None,
    connector: BotConnectorApi | None = None,
    clock: Clock = utc_now,
) -> Workers:
    worker_settings = settings.workers
    resources: list[Closeable] = []
    graph_jobs: GraphJobs | None = None
    job_settings = GraphJobSettings.from_settings(settings)
    wants_installer = installer is None and settings.teams_app_catalog_id
    if settings.graph_configured and (wants_installer or job_settings is not None):
        # Imported here: the Graph SDK is large and only needed when Graph is configured.
        from services.delivery.installer import installer_for
        from services.graph.client import MsGraph

        graph = MsGraph.from_settings(settings)
        resources.append(graph)
        if wants_installer:
            installer = installer_for(graph, settings.teams_app_catalog_id, settings.app_tenant_id)
        if job_settings is not None:
            graph_jobs = GraphJobs(sessions, graph, job_settings)
    api = connector or AiohttpBotConnector(
        http,
        connector_tokens(settings, token_provider),
        timeout_seconds=worker_settings.timeout_seconds,
    )
    default_tenant = settings.app_tenant_id or (
        settings.allowed_tenants[0] if settings.allowed_tenants else ""
    )
    sender = Sender(
        sessions,
        api,
        worker_settings,
        app_id=settings.app_id,
        default_tenant=default_tenant,
        installer=installer or NoInstaller(),
        clock=clock,
    )
    scheduler = Scheduler(
        sessions,
        worker_settings,
        clock=clock,
        graph_jobs=graph_jobs,
        warehouses=warehouse_configs(os.environ.get("LAGESBOT_WAREHOUSE", "")),
        admins=settings.admin_object_ids,
    )
    return Workers(sender, scheduler, resources)
