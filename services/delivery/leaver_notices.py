"""Leavers flagged to admins in Teams: after a people sync (scheduled or `lagesbot sync
people`) that marked people as left who still own items in open or scheduled rounds, every
admin (``LAGESBOT_ADMINS``: Entra object ids or UPNs, as ``dialogs/admin.is_admin`` reads them)
who has a 1:1 chat with the bot gets one notice card naming them and their items.

The notices are outbox jobs (kind ``notice``, the card in the payload) written in the sync's own
transaction, so they go out exactly when the sync is committed; the dedupe key names the sync
run and the admin. A later run marks nobody as left again (they are inactive already), so it
sends nothing new. Admins without a 1:1 chat are not written to: the sync's report (the
command's output, the scheduler's log) lists the items for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.leaver_card import LeaverItem, LeaverNoticeView, LeaverView, create_leaver_notice_card
from catalogue.texts import normalise_language
from services.followup.rounds import items_in_scope
from storage import admins as admin_store
from storage import outbox
from storage.models import (
    ConversationKind,
    ConversationReference,
    OutboxKind,
    Person,
    PlanItem,
    ReportingRound,
    RoundItem,
    RoundState,
)


def dedupe_key(run_at: datetime, admin_key: str) -> str:
    return f"leavers:{run_at.isoformat()}:{admin_key}"


async def leavers_with_items(session: AsyncSession, person_ids: Iterable[int]) -> list[LeaverView]:
    """The given people who own items in open rounds (the items the round froze with them)
    or would own items in scheduled rounds (the round's plan scope as it is now), each with
    their items (once each, with the rounds asking about it) in round order. People without
    such items are left out."""
    ids = set(person_ids)
    if not ids:
        return []
    # person id -> plan item id -> (title, names of the rounds asking about it)
    found: dict[int, dict[int, tuple[str, list[str]]]] = {pid: {} for pid in ids}

    def add(owner_id: int, item: PlanItem, round_name: str) -> None:
        _, round_names = found[owner_id].setdefault(item.id, (item.title, []))
        if round_name not in round_names:
            round_names.append(round_name)

    open_rows = await session.execute(
        select(RoundItem.owner_id, ReportingRound.name, PlanItem)
        .join(ReportingRound, ReportingRound.id == RoundItem.round_id)
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(RoundItem.owner_id.in_(ids), ReportingRound.state == RoundState.OPEN)
        .order_by(ReportingRound.deadline_at, ReportingRound.id, PlanItem.position, PlanItem.id)
    )
    for owner_id, round_name, item in open_rows.all():
        add(owner_id, item, round_name)
    scheduled = await session.execute(
        select(ReportingRound)
        .where(ReportingRound.state == RoundState.SCHEDULED)
        .order_by(ReportingRound.opens_at, ReportingRound.id)
    )
    for rnd in scheduled.scalars():
        for item in await items_in_scope(session, rnd):
            if item.owner_id in ids:
                add(item.owner_id, item, rnd.name)
    people = await session.execute(
        select(Person).where(Person.id.in_([pid for pid, items in found.items() if items]))
    )
    return sorted(
        (
            LeaverView(
                name=p.display_name,
                upn=p.upn,
                items=tuple(
                    LeaverItem(title, tuple(names)) for title, names in found[p.id].values()
                ),
            )
            for p in people.scalars()
        ),
        key=lambda leaver: (leaver.name.casefold(), leaver.upn),
    )


async def admin_conversations(
    session: AsyncSession, admins: Sequence[str]
) -> list[tuple[ConversationReference, Person | None]]:
    """The newest 1:1 chat of each admin (listed by object id or UPN, or added in Teams) who
    has one."""
    wanted = {value.strip().lower() for value in admins if value.strip()}
    wanted |= await admin_store.granted_identities(session)
    if not wanted:
        return []
    query = (
        select(ConversationReference, Person)
        .outerjoin(Person, Person.id == ConversationReference.person_id)
        .where(
            ConversationReference.kind == ConversationKind.PERSONAL,
            or_(
                func.lower(ConversationReference.user_aad_object_id).in_(wanted),
                func.lower(Person.entra_object_id).in_(wanted),
                func.lower(Person.upn).in_(wanted),
            ),
        )
        .order_by(ConversationReference.updated_at.desc(), ConversationReference.id.desc())
    )
    chosen: dict[str, tuple[ConversationReference, Person | None]] = {}
    for reference, person in (await session.execute(query)).all():
        if person is not None and (not person.active or person.erased_at is not None):
            continue  # an admin who left is not asked to act
        who = f"person-{person.id}" if person is not None else str(reference.user_aad_object_id)
        chosen.setdefault(who.lower(), (reference, person))
    return list(chosen.values())


async def notify_admins_of_leavers(
    session: AsyncSession,
    left_person_ids: Iterable[int],
    *,
    admins: Sequence[str],
    run_at: datetime,
    default_language: str = "sv",
) -> int:
    """Write one notice job per admin with a 1:1 chat when people who left in the sync run at
    ``run_at`` still own items in open or scheduled rounds. Returns how many were written."""
    leavers = await leavers_with_items(session, left_person_ids)
    if not leavers:
        return 0
    written = 0
    for reference, person in await admin_conversations(session, admins):
        language = normalise_language(
            person.preferred_language if person is not None else default_language
        )
        card = create_leaver_notice_card(LeaverNoticeView(tuple(leavers), language))
        admin_key = f"p{person.id}" if person is not None else f"c{reference.id}"
        if await outbox.enqueue(
            session,
            kind=OutboxKind.NOTICE,
            dedupe_key=dedupe_key(run_at, admin_key),
            tenant_id=reference.tenant_id,
            person_id=person.id if person is not None else None,
            conversation_id=reference.conversation_id,
            payload={"card": card, "leavers": [leaver.upn for leaver in leavers]},
            now=run_at,
        ):
            written += 1
    return written
