"""Item links into SharePoint get the page or document title through Graph."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.graph.link_titles import is_sharepoint_url, refresh_link_titles
from tests.factories import open_round
from tests.graph.conftest import GraphSetup

PAGE = "https://region-exempel.sharepoint.com/sites/intranat/SitePages/Vardkoer.aspx"
DOCUMENT = "https://region-exempel.sharepoint.com/:x:/s/intranat/EaBcD123"
GONE = "https://region-exempel.sharepoint.com/sites/intranat/SitePages/Borttagen.aspx"
ELSEWHERE = "https://www.regionen.se/vardkoer"


async def test_sharepoint_links_get_titles_and_other_links_are_left_alone(
    graph: GraphSetup, session: AsyncSession
) -> None:
    setup = await open_round(session)
    setup.goal.link_url = PAGE
    setup.indicator.link_url = PAGE
    setup.risk.link_url = DOCUMENT
    setup.other_item.link_url = GONE
    setup.other_item.link_title = "Tidigare titel"
    setup.strategy.link_url = ELSEWHERE
    await session.commit()
    graph.fake.share(PAGE, name="Vardkoer.aspx", title="Handlingsplan vårdköer")
    graph.fake.share(DOCUMENT, name="Riskanalys bemanning.xlsx")

    report = await refresh_link_titles(session, graph.client)
    await session.commit()

    assert (report.updated, report.unknown) == (3, 1)
    assert setup.goal.link_title == "Handlingsplan vårdköer"
    assert setup.indicator.link_title == "Handlingsplan vårdköer"
    assert setup.risk.link_title == "Riskanalys bemanning"
    # A link Graph no longer resolves keeps the title it had.
    assert setup.other_item.link_title == "Tidigare titel"
    assert setup.strategy.link_title is None
    # One lookup per distinct SharePoint URL.
    assert len(graph.fake.requests_to("/shares/")) == 3

    again = await refresh_link_titles(session, graph.client)
    assert (again.updated, again.unchanged) == (0, 3)


def test_which_links_point_into_sharepoint() -> None:
    assert is_sharepoint_url(PAGE)
    assert not is_sharepoint_url(ELSEWHERE)
    assert not is_sharepoint_url("http://region-exempel.sharepoint.com/x")
    assert is_sharepoint_url("https://intranat.regionen.se/x", ("intranat.regionen.se",))
    assert not is_sharepoint_url("https://evil.com/?u=x.sharepoint.com")
