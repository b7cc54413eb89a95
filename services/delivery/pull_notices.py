"""Admins told in Teams when the scheduler's pull of indicator values from a data warehouse
failed (``services.goals.warehouse``): a failure is never skipped silently.

Every admin (``LAGESBOT_ADMINS``, or added in Teams) with a 1:1 chat gets one notice card
through the outbox. The dedupe key names the plan, the kind of failure and the day (UTC), so
an admin hears about a failure once a day, not on every tick, and again when it changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cards.pull_failure_card import PullFailureView, create_pull_failure_card
from catalogue.texts import normalise_language
from services.delivery.leaver_notices import admin_conversations
from storage import outbox
from storage.models import OutboxKind


def dedupe_key(plan: str, kind: str, now: datetime, admin_key: str) -> str:
    return f"warehouse-pull:{plan}:{kind}:{now.date().isoformat()}:{admin_key}"


async def notify_admins_of_failed_pull(
    session: AsyncSession,
    *,
    admins: Sequence[str],
    plan: str,
    source: str,
    kind: str,
    error: str,
    now: datetime,
    default_language: str = "sv",
) -> int:
    """One notice job per admin with a 1:1 chat not yet told about this ``kind`` of failure
    of ``plan``'s pull today. Returns how many were written."""
    written = 0
    for reference, person in await admin_conversations(session, admins):
        language = normalise_language(
            person.preferred_language if person is not None else default_language
        )
        view = PullFailureView(source=source, plan=plan, error=error, language=language)
        admin_key = f"p{person.id}" if person is not None else f"c{reference.id}"
        if await outbox.enqueue(
            session,
            kind=OutboxKind.NOTICE,
            dedupe_key=dedupe_key(plan, kind, now, admin_key),
            tenant_id=reference.tenant_id,
            person_id=person.id if person is not None else None,
            conversation_id=reference.conversation_id,
            payload={"card": create_pull_failure_card(view), "warehouse": plan},
            now=now,
        ):
            written += 1
    return written
