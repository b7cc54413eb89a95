"""The Graph fake as the local demo starts it: the demo region's directory, synced for real,
and the demo's closed round published on its intranet."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.status_card import create_status_card
from catalogue.texts import for_language
from cli.demo_command import (
    DemoData,
    demo_graph,
    demo_settings,
    prepare_demo_data,
    publish_demo_data,
)
from demo.demo_rounds import PREVIOUS_KEY
from demo.graph_standin import (
    DEMO_GROUP_ID,
    DEMO_PEOPLE,
    DEMO_SITE_ID,
    demo_environment,
    start_demo,
)
from services.answering.status_view import build_status_view
from services.graph.client import MsGraph
from services.graph.people_sync import SyncScope, sync_people
from services.platform.config import Settings
from storage import people as people_store
from storage import rounds as round_store
from storage.db import create_engine, create_session_factory
from storage.models import Person, RoundSummary
from tests.cardtools import actions
from tests.factories import NOW


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


async def test_lagesbot_demo_publishes_the_closed_round_on_the_fake_intranet(
    tmp_path: Path,
) -> None:
    """What `lagesbot demo` does at start, without the internet: the Graph fake in-process,
    the bot's Graph settings pointed at it, and the closed "Tertial 2" published there, so
    the manager's closed card links to the summary page."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    demo = await prepare_demo_data(database_url, now=NOW)
    async with demo_graph(tmp_path / "graph", env={}) as graph:
        assert graph is not None and graph.fake
        settings = demo_settings(database_url, demo, host="127.0.0.1", port=0, graph=graph.settings)
        assert settings.graph_configured and settings.anonymous
        assert settings.sharepoint_site_id == DEMO_SITE_ID
        assert settings.sync_group_ids == (DEMO_GROUP_ID,)
        assert settings.graph_url.startswith("https://127.0.0.1:")
        assert settings.tls_ca_bundle.startswith(str(tmp_path / "graph"))
        assert not settings.app_id and not settings.app_password

        page_url = await publish_demo_data(settings, now=NOW)
        # Started again on the same store: already published, nothing is sent again.
        assert await publish_demo_data(settings, now=NOW) is None
    assert page_url is not None

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rnd = await round_store.get_round_by_key(session, PREVIOUS_KEY)
            assert rnd is not None and rnd.name == "Tertial 2 2026"
            summary = (
                await session.execute(select(RoundSummary).where(RoundSummary.round_id == rnd.id))
            ).scalar_one()
            assert summary.intranet_page_url == page_url
            assert page_url.startswith("https://region-exempel.sharepoint.com/sites/intranat/")
            assert summary.intranet_export_url and summary.intranet_export_url.endswith(".xlsx")
            assert summary.publish_error is None

            manager = await people_store.get_by_upn(session, demo.manager_upn)
            assert manager is not None
            request = await round_store.request_for(session, rnd.id, manager.id)
            assert request is not None
            view = await build_status_view(
                session, request=request, rnd=rnd, person=manager, language="sv", now=NOW
            )
    finally:
        await engine.dispose()
    card = create_status_card(view)
    link = [a for a in actions(card) if a.get("type") == "Action.OpenUrl"]
    assert [(a["title"], a["url"]) for a in link] == [
        (for_language("sv").t("card.open_round_summary"), page_url),
        (for_language("sv").t("report.link.document"), view.report_url),
    ]
    assert view.report_url and view.report_url.endswith("/demo-t2-2026.docx")


async def test_the_demo_uses_graph_settings_the_user_configured(tmp_path: Path) -> None:
    """Real Graph in the environment: no fake is started, nothing is published at start,
    and the demo bot takes over the user's Graph settings (not the bot's own app id)."""
    env = {
        "MICROSOFT_APP_ID": "00000000-0000-4000-8000-0000000000aa",
        "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
        "MICROSOFT_APP_TENANT_ID": "72f988bf-0000-4000-8000-000000000009",
        "LAGESBOT_SHAREPOINT_SITE_ID": "contoso.sharepoint.com,a,b",
    }
    demo = DemoData("Ingrid Dahl", "ingrid@example.se", "oid", "Tertial 3 2026", 3)
    async with demo_graph(tmp_path / "graph", env=env) as graph:
        assert graph is not None and not graph.fake
        assert not (tmp_path / "graph").exists()
        settings = demo_settings("sqlite://", demo, host="127.0.0.1", port=0, graph=graph.settings)
    assert settings.graph_configured and settings.anonymous and not settings.app_id
    assert settings.graph_url == "https://graph.microsoft.com/v1.0"
    assert settings.sharepoint_site_id == "contoso.sharepoint.com,a,b"
    assert settings.graph_client_id == env["MICROSOFT_APP_ID"]
    assert settings.effective_authority.endswith(env["MICROSOFT_APP_TENANT_ID"])
