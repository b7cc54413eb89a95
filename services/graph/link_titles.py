"""Titles for plan items' intranet links (``PlanItem.link_title``), read through Graph, so an
item card can say "Handlingsplan vårdköer" instead of showing a long SharePoint address.

Only links into SharePoint are looked up (``*.sharepoint.com`` and any extra hosts
configured); other links keep no title. A link Graph cannot resolve keeps its earlier title.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.graph.interface import Graph
from storage.models import PlanItem

TITLE_MAX = 500


def is_sharepoint_url(url: str, extra_hosts: tuple[str, ...] = ()) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        return False
    host = parts.hostname.lower()
    return host.endswith(".sharepoint.com") or host in {h.lower() for h in extra_hosts}


@dataclass
class LinkTitleReport:
    updated: int = 0
    unchanged: int = 0
    unknown: int = 0


async def refresh_link_titles(
    session: AsyncSession,
    graph: Graph,
    *,
    extra_hosts: tuple[str, ...] = (),
    only_missing: bool = False,
) -> LinkTitleReport:
    """Look up the title of every active item's SharePoint link, in the caller's transaction.
    The same URL is asked for once, however many items point at it."""
    query = select(PlanItem).where(PlanItem.active.is_(True), PlanItem.link_url.is_not(None))
    if only_missing:
        query = query.where(PlanItem.link_title.is_(None))
    items = [
        item
        for item in (await session.execute(query.order_by(PlanItem.id))).scalars()
        if item.link_url and is_sharepoint_url(item.link_url, extra_hosts)
    ]
    report = LinkTitleReport()
    titles: dict[str, str | None] = {}
    for item in items:
        url = (item.link_url or "").strip()
        if url not in titles:
            titles[url] = await graph.title_for_url(url)
        title = titles[url]
        if title is None:
            report.unknown += 1
            continue
        title = title[:TITLE_MAX]
        if item.link_title == title:
            report.unchanged += 1
        else:
            item.link_title = title
            report.updated += 1
    await session.flush()
    return report
