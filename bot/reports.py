"""`GET /api/reports/{token}`: the steering group's Word report behind the link on its
digest card (see ``services.reporting.report_links`` for why a signed link and not a file
in the chat). No Bot Framework token here: the browser that opens the link has none; the
signed, short-lived token is the permission."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalogue import texts
from services.platform.config import Settings
from services.reporting import report_links
from services.reporting.report_download import report_for_link
from services.reporting.word_report import DOCX_TYPE

log = logging.getLogger(__name__)

PATH = report_links.PATH_PREFIX

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Nothing about the document stays in a browser's or proxy's cache, and the link (which is
# the permission) is not passed on as a referrer.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _refusal(status: int, language: str, msgid: str) -> web.Response:
    return web.Response(
        status=status,
        text=texts.for_language(language).t(msgid) + "\n",
        content_type="text/plain",
        charset="utf-8",
        headers=PRIVATE_HEADERS,
    )


def download_handler(
    settings: Settings,
    sessions: Callable[[], async_sessionmaker[AsyncSession]],
    clock: Callable[[], datetime],
) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        now = clock()
        try:
            link = report_links.verify(
                settings.report_link_secret, request.match_info["token"], now
            )
        except report_links.LinkRefused as refused:
            if refused.reason == "expired":
                return _refusal(410, settings.default_language, "report.download.expired")
            return _refusal(403, settings.default_language, "report.download.invalid")
        async with sessions()() as session:
            found = await report_for_link(session, link, now)
        if found is None:
            return _refusal(404, link.language, "report.download.gone")
        log.info("report downloaded", extra={"round_id": link.round_id, "group_id": link.group_id})
        return web.Response(
            body=found.content,
            content_type=DOCX_TYPE,
            headers={
                **PRIVATE_HEADERS,
                "Content-Disposition": f'attachment; filename="{found.filename}"',
            },
        )

    return download
