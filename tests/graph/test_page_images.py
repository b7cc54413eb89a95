"""The intranet page with more than one image: the heat map first, then a goal attainment
chart per strategy, each an image web part SharePoint resolves, each with its alt text."""

from __future__ import annotations

from catalogue import texts
from services.graph.client import IMAGE_WEB_PART
from services.graph.interface import PageImage
from services.reporting.attainment_chart import strategy_charts
from tests.goals.test_intranet_attainment import _digest
from tests.graph.conftest import SITE_ID, GraphSetup


async def test_the_charts_are_image_web_parts_after_the_heat_map(graph: GraphSetup) -> None:
    charts = strategy_charts(_digest().attainment, texts.for_language("sv"))
    shown = []
    for name, png, alt in [
        ("riskkarta.png", b"heat", "Riskkarta"),
        *[(f"maluppfyllelse-{n}.png", c.png, c.alt_text) for n, c in enumerate(charts, 1)],
    ]:
        uploaded = await graph.client.upload_file(
            SITE_ID, f"Lägesbot/T2/{name}", png, "image/png", sharepoint_ids=True
        )
        shown.append(PageImage(file=uploaded, alt_text=alt, width=800, height=160))
    await graph.client.publish_page(
        SITE_ID,
        name="lagesbot-T2.aspx",
        title="Läget",
        html_sections=["<h2>Intro</h2>", "<h3>Måluppfyllelse</h3>"],
        image=shown[0],
        images=shown[1:],
    )

    page = graph.fake.page_named("lagesbot-T2.aspx")
    assert page is not None
    files = graph.fake.page_image_files(page)
    assert [f.server_relative_url.rsplit("/", 1)[-1] for f in files] == [
        "riskkarta.png",
        "maluppfyllelse-1.png",
    ]
    alts = [
        part["data"]["properties"]["altText"]
        for part in page.web_parts()
        if part.get("webPartType") == IMAGE_WEB_PART
    ]
    assert alts == ["Riskkarta", "Måluppfyllelse för God och jämlik hälsa: 2 mål: 1 gult, 1 rött."]
    ids = [part["id"] for part in page.web_parts()]
    assert len(set(ids)) == len(ids)
