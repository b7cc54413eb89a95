"""Publishing a closed round on the intranet through Graph: the page steering groups and
everyone else read, its heat map, and the Excel export in the document library."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import docx
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from services.graph.client import IMAGE_WEB_PART
from services.reporting.intranet import PublishRefused, publish_round
from storage.models import (
    AuditEntry,
    Response,
    ResponseSource,
    RoundState,
    RoundSummary,
)
from tests.factories import NOW, RoundSetup, open_round
from tests.graph.conftest import SITE_ID, GraphSetup

CLOSED = NOW + timedelta(days=8)
PUBLISHED = CLOSED + timedelta(minutes=5)


async def closed_round(session: AsyncSession) -> RoundSetup:
    setup = await open_round(session)
    answers = [
        (setup.goal, "deviation", None, None, "Väntetiderna ökar i <Västerås> & Sala"),
        (setup.indicator, "on_track", None, None, None),
        (setup.risk, "at_risk", 4, 3, "Rekryteringen går trögt"),
    ]
    for item, status, likelihood, consequence, comment in answers:
        session.add(
            Response(
                round_id=setup.round.id,
                item_id=item.id,
                request_id=setup.request.id,
                revision=1,
                status_key=status,
                likelihood=likelihood,
                consequence=consequence,
                comment=comment,
                answered_by_id=setup.owner.id,
                answered_at=NOW,
                source=ResponseSource.TEAMS_CARD,
            )
        )
    setup.round.state = RoundState.CLOSED
    setup.round.closed_at = CLOSED
    await session.commit()
    return setup


async def publish(session: AsyncSession, graph: GraphSetup, key: str) -> RoundSummary:
    summary = await publish_round(
        session,
        graph.client,
        round_key=key,
        site_id=SITE_ID,
        library_path="Lägesbot",
        now=PUBLISHED,
        actor="cli:admin",
    )
    await session.commit()
    return summary


async def test_publishing_stores_the_urls_and_the_intranet_has_page_heat_map_and_excel(
    graph: GraphSetup, session: AsyncSession
) -> None:
    setup = await closed_round(session)
    key = setup.round.key

    summary = await publish(session, graph, key)

    page = graph.fake.page_named(f"lagesbot-{key}.aspx")
    assert page is not None and page.published
    assert summary.intranet_page_url == page.web_url
    assert summary.published_at == PUBLISHED and summary.publish_error is None
    assert page.title == "Läget: Tertial 2 2026"
    text = page.text()
    assert "Sammanställning av Tertial 2 2026" in text
    assert "3 av 4 punkter besvarade" in text
    # The owner's comment is on the page, escaped.
    assert "Väntetiderna ökar i &lt;Västerås&gt; &amp; Sala" in text
    assert "Brist på specialistsjuksköterskor" in text and "= 12" in text

    export = graph.fake.files[(SITE_ID, f"Lägesbot/{key}/{key}.xlsx")]
    assert summary.intranet_export_url == export.web_url.replace(" ", "%20").replace("ä", "%C3%A4")
    assert export.content_type.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames
    assert summary.intranet_export_url in text

    # The Word report beside the export, linked from the page above the export.
    report = graph.fake.files[(SITE_ID, f"Lägesbot/{key}/{key}.docx")]
    assert report.content_type.endswith("wordprocessingml.document")
    assert summary.intranet_report_url == report.web_url.replace(" ", "%20").replace("ä", "%C3%A4")
    assert summary.intranet_report_url in text
    assert text.index("Uppföljningsrapporten i Word") < text.index(summary.intranet_export_url)
    document = docx.Document(io.BytesIO(report.content))
    headings = [p.text for p in document.paragraphs if p.style and p.style.name == "Heading 3"]
    assert headings == ["Kortare väntetider i vården"]
    closed_line = "Omgången stängdes: " + texts.for_language("sv").format_date(CLOSED)
    assert closed_line in [p.text for p in document.paragraphs]
    assert "Kommentar: Väntetiderna ökar i <Västerås> & Sala" in [
        p.text for p in document.paragraphs
    ]

    heat_map = graph.fake.files[(SITE_ID, f"Lägesbot/{key}/riskkarta.png")]
    image = Image.open(io.BytesIO(heat_map.content))
    assert image.format == "PNG" and image.width > 300
    # The heat map web part refers to the uploaded PNG as SharePoint resolves images: by
    # its server-relative URL and its sharepointIds.
    # The goal attainment chart of the round's one strategy follows it, the same way.
    chart = graph.fake.files[(SITE_ID, f"Lägesbot/{key}/maluppfyllelse-1.png")]
    assert graph.fake.page_image_files(page) == [heat_map, chart]
    assert page.image_sources() == [
        "/sites/intranat/Delade dokument/Lägesbot/" + key + "/riskkarta.png",
        "/sites/intranat/Delade dokument/Lägesbot/" + key + "/maluppfyllelse-1.png",
    ]
    assert all(
        part["data"]["properties"]["altText"]
        for part in page.web_parts()
        if part.get("webPartType") == IMAGE_WEB_PART
    )
    assert "Måluppfyllelse" in text
    assert all(part.get("id") for part in page.web_parts())

    stored = (
        await session.execute(select(RoundSummary).where(RoundSummary.round_id == setup.round.id))
    ).scalar_one()
    assert stored.intranet_page_url == page.web_url
    actions = [a.action for a in (await session.execute(select(AuditEntry))).scalars()]
    assert "round.published" in actions
    assert stored.intranet_report_url == summary.intranet_report_url


async def test_publishing_again_updates_the_same_page_and_replaces_the_files(
    graph: GraphSetup, session: AsyncSession
) -> None:
    setup = await closed_round(session)
    first = await publish(session, graph, setup.round.key)
    second = await publish(session, graph, setup.round.key)

    assert len(graph.fake.pages) == 1
    (page,) = graph.fake.pages.values()
    assert page.versions == 2 and page.published
    assert second.intranet_page_url == first.intranet_page_url
    assert {f.versions for f in graph.fake.files.values()} == {2}
    # The update carries only what sitepage-update accepts, and the same web part ids.
    (update,) = graph.fake.requests_to("/microsoft.graph.sitePage$", "PATCH")
    assert {"name", "pageLayout"}.isdisjoint(update.json())
    assert update.json()["title"] == page.title
    (create,) = graph.fake.requests_to("/pages$", "POST")
    ids = [[part["id"] for part in _parts(r.json())] for r in (create, update)]
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0])
    assert graph.fake.page_image_files(page) != []


def _parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        part
        for section in body["canvasLayout"]["horizontalSections"]
        for column in section["columns"]
        for part in column["webparts"]
    ]


async def test_a_tenant_granting_only_sites_selected_gets_the_files_without_a_page(
    graph: GraphSetup, session: AsyncSession
) -> None:
    """Microsoft documents Sites.ReadWrite.All as the only application permission for site
    pages; Sites.Selected on the granted site is enough for the library files."""
    graph.running.token_endpoint.roles = ["Sites.Selected"]
    graph.fake.grant_site(SITE_ID, "write")
    setup = await closed_round(session)
    key = setup.round.key

    summary = await publish(session, graph, key)

    assert graph.fake.pages == {}
    assert graph.fake.requests_to("/pages")[0].method == "GET"  # refused with 403
    assert (SITE_ID, f"Lägesbot/{key}/{key}.xlsx") in graph.fake.files
    assert (SITE_ID, f"Lägesbot/{key}/riskkarta.png") in graph.fake.files
    assert summary.publish_error is None and summary.published_at == PUBLISHED
    assert summary.intranet_page_url is None and summary.intranet_export_url is not None
    refused = [
        a
        for a in (await session.execute(select(AuditEntry))).scalars()
        if a.action == "round.page_not_permitted"
    ]
    assert [a.details["permission"] for a in refused] == ["Sites.ReadWrite.All"]


async def test_sites_selected_without_a_grant_on_the_site_publishes_nothing(
    graph: GraphSetup, session: AsyncSession
) -> None:
    graph.running.token_endpoint.roles = ["Sites.Selected"]
    setup = await closed_round(session)

    summary = await publish(session, graph, setup.round.key)

    assert summary.publish_error is not None and "403" in summary.publish_error
    assert summary.published_at is None and graph.fake.files == {}


async def test_a_graph_failure_is_stored_on_the_round_not_raised(
    graph: GraphSetup, session: AsyncSession
) -> None:
    setup = await closed_round(session)
    graph.fake.fail_next("/pages", 503, retry_after="1", times=50)

    summary = await publish(session, graph, setup.round.key)

    assert summary.publish_error is not None and "503" in summary.publish_error
    assert summary.intranet_page_url is None and summary.published_at is None
    graph.fake.faults.clear()
    summary = await publish(session, graph, setup.round.key)
    assert summary.publish_error is None and summary.intranet_page_url is not None


async def test_only_closed_rounds_are_published(graph: GraphSetup, session: AsyncSession) -> None:
    setup = await open_round(session)
    with pytest.raises(PublishRefused) as refused:
        await publish(session, graph, setup.round.key)
    assert refused.value.msgid == "intranet.not_closed"
    with pytest.raises(PublishRefused):
        await publish(session, graph, "no-such-round")
    assert graph.fake.requests == []
