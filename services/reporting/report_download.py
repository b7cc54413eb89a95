"""The Word report behind a download link (``services.reporting.report_links``): the
steering group's scope of the round, in the link's language and the group's time zone, as
the answers stand now."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from services.reporting.report_links import ReportLink
from services.reporting.report_source import load_report
from services.reporting.word_report import write_report
from storage.digest_queries import Scope
from storage.models import ReportingRound, SteeringGroup


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content: bytes


def filename_for(rnd: ReportingRound, group: SteeringGroup, now: datetime) -> str:
    """``uppfoljning-tertial-2-2026-rs-2026-12-01.docx``: ASCII, so every browser keeps it."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{rnd.key}-{group.key}").strip("-") or "rapport"
    return f"lagesbot-{stem}-{now.date().isoformat()}.docx"


async def report_for_link(
    session: AsyncSession, link: ReportLink, now: datetime
) -> ReportFile | None:
    """The document, or None when the round or the group is gone (or the group inactive)."""
    rnd = await session.get(ReportingRound, link.round_id)
    group = await session.get(SteeringGroup, link.group_id)
    if rnd is None or group is None or not group.active:
        return None
    tx = texts.for_language(link.language)
    data = await load_report(
        session, rnd, Scope.of(group.scope), tx.language, group_name=group.name
    )
    # Writing a region's document takes seconds of CPU: off the event loop, so the bot keeps
    # answering Teams meanwhile.
    content = await asyncio.to_thread(
        write_report, data, tx, generated_at=now, zone=group.time_zone or texts.DEFAULT_TIME_ZONE
    )
    return ReportFile(filename_for(rnd, group, now), content)
