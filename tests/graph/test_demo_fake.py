"""The Graph fake as the local demo starts it: the demo region's directory, synced for real."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.config import Settings
from services.graph.client import MsGraph
from services.people_sync import SyncScope, sync_people
from storage import people as people_store
from storage.models import Person
from tests.factories import NOW
from tests.fakes.graph import DEMO_PEOPLE, demo_environment, start_demo


async def test_the_demo_directory_syncs_into_the_people_table(
    tmp_path: Path, session: AsyncSession
) -> None:
    running = await start_demo(tmp_path)
    try:
        settings = Settings.from_env({"DATABASE_URL": "sqlite://", **demo_environment(running)})
        assert settings.graph_configured
        async with MsGraph.from_settings(settings) as graph:
            report = await sync_people(
                session, graph, SyncScope(group_ids=settings.sync_group_ids), now=NOW
            )
    finally:
        await running.close()

    rows = DEMO_PEOPLE.read_text(encoding="utf-8").strip().splitlines()[1:]
    assert len(report.created) == len(rows)
    assert (await session.execute(select(func.count(Person.id)))).scalar_one() == len(rows)
    anders = await people_store.get_by_upn(session, "anders.holmberg@region-exempel.se")
    karin = await people_store.get_by_upn(session, "karin.lindqvist@region-exempel.se")
    assert anders is not None and karin is not None
    assert anders.line_manager_id == karin.id
    assert anders.job_title == "Biträdande regiondirektör"
