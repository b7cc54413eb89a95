"""`lagesbot sync people` and `lagesbot publish` as an admin runs them, against the Graph fake
and a real database."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from cli.main import app
from storage import people as people_store
from storage.models import PlanItem, RoundSummary
from tests.graph.conftest import GROUP_ID, SITE_ID, GraphSetup
from tests.graph.test_intranet import closed_round
from tests.graph.test_people_sync import ANDERS, KARIN, directory

runner = CliRunner()


async def run(graph: GraphSetup, database_url: str, *args: str, **env: str) -> Result:
    environment = {
        "DATABASE_URL": database_url,
        **graph.running.environment(),
        "LAGESBOT_SYNC_GROUP_IDS": GROUP_ID,
        "LAGESBOT_SHAREPOINT_SITE_ID": SITE_ID,
        **env,
    }
    # The command runs its own event loop; the fakes keep serving on this one.
    return await asyncio.to_thread(runner.invoke, app, list(args), env=environment)


async def test_sync_people_prints_the_changes_and_the_items_of_leavers(
    graph: GraphSetup, session: AsyncSession, database_url: str
) -> None:
    directory(graph)
    result = await run(graph, database_url, "sync", "people")
    assert result.exit_code == 0, result.output
    assert "Personer: 3 nya, 0 ändrade, 0 åter aktiva, 0 har slutat." in result.output

    anders = await people_store.get_by_entra_id(session, ANDERS)
    assert anders is not None
    setup_item = PlanItem(plan_id=(await closed_round(session)).round.plan_id, key="X1",
                          kind="goal", title="Kortare köer", owner_id=anders.id)  # fmt: skip
    session.add(setup_item)
    await session.commit()
    graph.fake.delete_user(ANDERS)

    result = await run(graph, database_url, "sync", "people", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "People: 0 new, 0 changed, 0 active again, 1 left." in result.output
    assert "Left: anders.holmberg@region-exempel.se" in result.output
    assert "Items whose owner has left (1)" in result.output
    assert "/X1 Kortare köer – Anders Holmberg" in result.output
    session.expire_all()
    assert (await people_store.get_by_entra_id(session, KARIN)) is not None


async def test_sync_people_without_a_scope_or_credentials_says_what_to_set(
    graph: GraphSetup, database_url: str
) -> None:
    result = await run(graph, database_url, "sync", "people", LAGESBOT_SYNC_GROUP_IDS="")
    assert result.exit_code == 1
    assert "LAGESBOT_SYNC_GROUP_IDS" in result.output
    result = await run(
        graph, database_url, "sync", "people", LAGESBOT_GRAPH_CLIENT_SECRET="",
        LAGESBOT_GRAPH_CLIENT_ID="", MICROSOFT_APP_ID="", MICROSOFT_APP_PASSWORD="",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Microsoft Graph är inte inställt" in result.output


async def test_publish_prints_the_intranet_addresses_and_stores_them(
    graph: GraphSetup, session: AsyncSession, database_url: str
) -> None:
    setup = await closed_round(session)
    round_id, key = setup.round.id, setup.round.key

    result = await run(graph, database_url, "publish", key)

    assert result.exit_code == 0, result.output
    page = graph.fake.page_named(f"lagesbot-{key}.aspx")
    assert page is not None and page.published
    assert f"Publicerad på intranätet: {page.web_url}" in result.output
    session.expire_all()
    summary = (
        await session.execute(select(RoundSummary).where(RoundSummary.round_id == round_id))
    ).scalar_one()
    assert summary.intranet_page_url == page.web_url
    assert summary.intranet_export_url is not None
    assert summary.intranet_export_url in result.output


async def test_publish_says_which_permission_the_refused_page_needs(
    graph: GraphSetup, session: AsyncSession, database_url: str
) -> None:
    graph.running.token_endpoint.roles = ["Sites.Selected"]
    graph.fake.grant_site(SITE_ID, "write")
    setup = await closed_round(session)

    result = await run(graph, database_url, "publish", setup.round.key)

    assert result.exit_code == 0, result.output
    assert "Publicerat i biblioteket utan sida: https://" in result.output
    assert "ge programbehörigheten Sites.ReadWrite.All" in result.output
    assert graph.fake.pages == {}


async def test_publish_refuses_an_open_round_clearly(graph: GraphSetup, database_url: str) -> None:
    result = await run(graph, database_url, "publish", "finns-inte")
    assert result.exit_code == 1
    assert "Rundan finns-inte finns inte." in result.output
