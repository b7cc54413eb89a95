"""Publishing a closed round on the intranet through Graph: the page steering groups and
everyone else read, its heat map, and the Excel export in the document library."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
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
    assert len(page.image_sources()) == 1 and page.image_sources()[0].endswith("riskkarta.png")

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
