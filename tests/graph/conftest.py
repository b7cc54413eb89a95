"""The Graph client against the local Graph fake and token endpoint, over real HTTPS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest_asyncio

from demo import graph_standin as graph_fake
from demo.graph_standin import GraphFake, RunningGraph
from services.graph.client import MsGraph, RetryPolicy
from services.platform.config import Settings

SITE_ID = (
    "region-exempel.sharepoint.com,"
    "11111111-0000-4000-8000-000000000001,22222222-0000-4000-8000-000000000002"
)
SITE_URL = "https://region-exempel.sharepoint.com/sites/intranat"
CATALOG_APP_ID = "1a2b3c4d-0000-4000-8000-00000000ca7a"
GROUP_ID = "0b5e0000-0000-4000-8000-00000000d3e0"


@dataclass
class Sleeps:
    """Stands in for asyncio.sleep in the retry handler: records each wait, waits nothing."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class GraphSetup:
    running: RunningGraph
    fake: GraphFake
    client: MsGraph
    settings: Settings
    sleeps: Sleeps


def settings_for(running: RunningGraph, **overrides: object) -> Settings:
    env = {
        "DATABASE_URL": "sqlite:///unused.sqlite3",
        **running.environment(),
        "LAGESBOT_SHAREPOINT_SITE_ID": SITE_ID,
        "LAGESBOT_TEAMS_APP_CATALOG_ID": CATALOG_APP_ID,
        "LAGESBOT_SYNC_GROUP_IDS": GROUP_ID,
    }
    settings = Settings.from_env(env)
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    return settings


@pytest_asyncio.fixture(loop_scope="session")
async def graph(tmp_path: Path) -> AsyncIterator[GraphSetup]:
    fake = GraphFake(page_size=2)
    fake.add_site(SITE_ID, SITE_URL)
    fake.catalog_apps.add(CATALOG_APP_ID)
    running = await graph_fake.start(tmp_path, graph=fake)
    settings = settings_for(running)
    sleeps = Sleeps()
    client = MsGraph.from_settings(settings, retry=RetryPolicy(max_retries=3), sleep=sleeps)
    try:
        yield GraphSetup(running, fake, client, settings, sleeps)
    finally:
        await client.aclose()
        await running.close()
