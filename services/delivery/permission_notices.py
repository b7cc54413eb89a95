"""Admins told in Teams when Microsoft Graph refused a step for lack of an application
permission. Today that is the intranet page: Microsoft documents only ``Sites.ReadWrite.All``
for creating site pages, so a tenant that granted ``Sites.Selected`` alone gets the Excel export
and the heat map in the library but no page (``services.reporting.intranet``).

Every admin (``LAGESBOT_ADMINS``) with a 1:1 chat gets one notice card through the outbox,
written in the publishing transaction. The dedupe key names the permission and the site, not
the round: an admin is told once, however many rounds are published without a page after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cards.permission_card import PermissionNoticeView, create_permission_notice_card
from catalogue.texts import normalise_language
from services.delivery.leaver_notices import admin_conversations
from storage import outbox
from storage.models import OutboxKind, ReportingRound, RoundSummary


def dedupe_key(permission: str, site_id: str, admin_key: str) -> str:
    return f"graph-permission:{permission}:{site_id}:{admin_key}"


async def notify_admins_of_missing_permission(
    session: AsyncSession,
    *,
    admins: Sequence[str],
    permission: str,
    site_id: str,
    rnd: ReportingRound,
    summary: RoundSummary,
    now: datetime,
    default_language: str = "sv",
) -> int:
    """One notice job per admin with a 1:1 chat who was not told about ``permission`` on
    ``site_id`` before. Returns how many were written."""
    written = 0
    for reference, person in await admin_conversations(session, admins):
        language = normalise_language(
            person.preferred_language if person is not None else default_language
        )
        view = PermissionNoticeView(
            round_name=rnd.name,
            round_key=rnd.key,
            permission=permission,
            export_url=summary.intranet_export_url,
            language=language,
        )
        admin_key = f"p{person.id}" if person is not None else f"c{reference.id}"
        if await outbox.enqueue(
            session,
            kind=OutboxKind.NOTICE,
            dedupe_key=dedupe_key(permission, site_id, admin_key),
            tenant_id=reference.tenant_id,
            person_id=person.id if person is not None else None,
            conversation_id=reference.conversation_id,
            payload={"card": create_permission_notice_card(view), "permission": permission},
            now=now,
        ):
            written += 1
    return written
