"""Reminders before a round's deadline, to owners who still have unanswered items.

The scheduler calls ``enqueue_due_reminders`` on every tick. For each open round and each
offset in ``reminder_offsets_hours["before_deadline"]`` (default 72 and 24 hours) the nominal
moment ``deadline - offset`` is moved into the owner's working hours (weekdays that are not
Swedish public holidays or the region's extra days off, see working_days; 08-17 local time
by default): to the next working moment, or, when that would be at or after the
deadline, to the last working hour before it. When that moment has come, one REMINDER job is
written with the dedupe key ``reminder:<request>:<offset>h:<deadline>``, so:

- no one gets the same reminder twice, however many scheduler instances run;
- extending the deadline makes new keys, so the reminders are armed again for the new date
  (jobs still waiting for the old deadline are cancelled when the sender picks them up);
- only the latest due offset is written, so a scheduler that was down does not send the
  3-day and the 1-day reminder at once.

The card is rendered when it is sent, from the answers stored then: an owner who answered in
the meantime gets nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.texts import DEFAULT_TIME_ZONE
from services.followup.working_days import SWEDISH, WorkingDays
from storage import outbox
from storage.models import (
    OutboxKind,
    Person,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    RoundItem,
    RoundState,
)

DEFAULT_OFFSETS_HOURS = (72, 24)
# After a deadline extension the reminder for the new date may fall due at once; not within
# this long after the previous reminder.
MIN_GAP = timedelta(hours=12)
# How far to look for a working day: the longest run of days off (Christmas to Epiphany with
# the region's klämdagar) is under three weeks.
SEARCH_DAYS = 21

WorkingHours = tuple[int, int]


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def _local(day: date, hour: int, tz: ZoneInfo) -> datetime:
    if hour >= 24:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(day, time(hour), tzinfo=tz)


def next_working_moment(
    at: datetime, time_zone: str | None, hours: WorkingHours, days: WorkingDays = SWEDISH
) -> datetime:
    """``at`` if it is within working hours in ``time_zone``, else the start of the next
    working period. Aware in, aware UTC-comparable out."""
    tz = zone(time_zone)
    local = at.astimezone(tz)
    day = local.date()
    for _ in range(SEARCH_DAYS):
        if days.is_working_day(day):
            start, end = _local(day, hours[0], tz), _local(day, hours[1], tz)
            if local < start:
                return start
            if local < end:
                return local
        day += timedelta(days=1)
        local = _local(day, 0, tz)
    return at


def last_working_moment(
    at: datetime, time_zone: str | None, hours: WorkingHours, days: WorkingDays = SWEDISH
) -> datetime:
    """``at`` if within working hours, else one hour before the end of the last working
    period before it (a reminder at 16:59 on a Friday would be missed)."""
    tz = zone(time_zone)
    local = at.astimezone(tz)
    day = local.date()
    for _ in range(SEARCH_DAYS):
        if days.is_working_day(day):
            start, end = _local(day, hours[0], tz), _local(day, hours[1], tz)
            if start <= local < end:
                return local
            if local >= end:
                return max(start, end - timedelta(hours=1))
        day -= timedelta(days=1)
        local = _local(day, 24, tz) - timedelta(microseconds=1)
    return at


def reminder_moment(
    deadline: datetime,
    offset_hours: int,
    time_zone: str | None,
    hours: WorkingHours,
    days: WorkingDays = SWEDISH,
) -> datetime:
    nominal = deadline - timedelta(hours=offset_hours)
    later = next_working_moment(nominal, time_zone, hours, days)
    if later < deadline:
        return later
    return last_working_moment(nominal, time_zone, hours, days)


def offsets_of(rnd: ReportingRound) -> list[int]:
    """The round's reminder offsets in hours before the deadline, largest (earliest) first."""
    raw: Any = (rnd.reminder_offsets_hours or {}).get("before_deadline", DEFAULT_OFFSETS_HOURS)
    if not isinstance(raw, list | tuple):
        return list(DEFAULT_OFFSETS_HOURS)
    offsets = set()
    for value in raw:
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            offsets.add(int(value))
    return sorted(offsets, reverse=True)


def reminder_key(request_id: int, offset_hours: int, deadline: datetime) -> str:
    return f"reminder:{request_id}:{offset_hours}h:{deadline.isoformat()}"


@dataclass(frozen=True)
class OwnerProgress:
    owner_id: int
    unanswered: tuple[PlanItem, ...]
    total: int


async def owner_progress(
    session: AsyncSession, round_id: int, owner_ids: Collection[int] | None = None
) -> dict[int, OwnerProgress]:
    """Per owner in the round: their items without any answer yet, in plan order."""
    query = (
        select(RoundItem.owner_id, PlanItem)
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(RoundItem.round_id == round_id)
        .order_by(RoundItem.owner_id, PlanItem.position, PlanItem.id)
    )
    if owner_ids is not None:
        query = query.where(RoundItem.owner_id.in_(list(owner_ids)))
    answered = set(
        (
            await session.execute(
                select(Response.item_id).where(Response.round_id == round_id).distinct()
            )
        ).scalars()
    )
    items: dict[int, list[PlanItem]] = {}
    for owner_id, item in (await session.execute(query)).all():
        items.setdefault(owner_id, []).append(item)
    return {
        owner_id: OwnerProgress(
            owner_id, tuple(i for i in owned if i.id not in answered), len(owned)
        )
        for owner_id, owned in items.items()
    }


async def open_rounds(session: AsyncSession) -> Sequence[ReportingRound]:
    query = select(ReportingRound).where(ReportingRound.state == RoundState.OPEN)
    return list((await session.execute(query.order_by(ReportingRound.id))).scalars())


async def enqueue_due_reminders(
    session: AsyncSession,
    now: datetime,
    *,
    hours: WorkingHours = (8, 17),
    days: WorkingDays = SWEDISH,
) -> int:
    """Write the reminder jobs that are due now; returns how many were new."""
    written = 0
    for rnd in await open_rounds(session):
        offsets = offsets_of(rnd)
        if not offsets or now >= rnd.deadline_at:
            continue
        # Moving into working hours shifts a reminder by at most the longest run of days
        # off; before that nothing of this round can be due.
        if now < rnd.deadline_at - timedelta(hours=offsets[0], days=SEARCH_DAYS):
            continue
        written += await _enqueue_round_reminders(session, rnd, offsets, now, (hours, days))
    return written


async def _enqueue_round_reminders(
    session: AsyncSession,
    rnd: ReportingRound,
    offsets: Sequence[int],
    now: datetime,
    working: tuple[WorkingHours, WorkingDays],
) -> int:
    """The due reminders of one open round, one per owner still missing answers."""
    hours, days = working
    written = 0
    rows = (
        await session.execute(
            select(ReportRequest, Person)
            .join(Person, Person.id == ReportRequest.person_id)
            .where(ReportRequest.round_id == rnd.id, ReportRequest.sent_at.is_not(None))
        )
    ).all()
    progress = await owner_progress(session, rnd.id)
    written_keys = await outbox.keys_of_round(session, rnd.id, OutboxKind.REMINDER)
    for request, person in rows:
        if not _wants_reminder(progress.get(person.id), request, person, now):
            continue
        offset = _due_offset(rnd, request, person, offsets, now, working)
        if offset is None:
            continue
        key = reminder_key(request.id, offset, rnd.deadline_at)
        if key in written_keys:
            continue
        written += await outbox.enqueue(
            session,
            kind=OutboxKind.REMINDER,
            dedupe_key=key,
            tenant_id=None,
            person_id=person.id,
            round_id=rnd.id,
            request_id=request.id,
            payload={"offset_hours": offset, "deadline": rnd.deadline_at.isoformat()},
            now=now,
            # A scheduler that was down over a weekend must not catch up on Saturday.
            not_before=next_working_moment(now, person.time_zone, hours, days),
        )
    return written


def _wants_reminder(
    owner: OwnerProgress | None, request: ReportRequest, person: Person, now: datetime
) -> bool:
    """An active owner with unanswered items, not reminded within ``MIN_GAP``."""
    if owner is None or not owner.unanswered or not person.active:
        return False
    return request.last_reminder_at is None or now - request.last_reminder_at >= MIN_GAP


def _due_offset(
    rnd: ReportingRound,
    request: ReportRequest,
    person: Person,
    offsets: Sequence[int],
    now: datetime,
    working: tuple[WorkingHours, WorkingDays],
) -> int | None:
    """The latest offset whose reminder moment has come, if any; offsets whose moment was
    before the card went out do not count."""
    due: int | None = None
    for offset in offsets:
        if rnd.deadline_at - timedelta(hours=offset) <= (request.sent_at or rnd.opens_at):
            continue  # the card itself went out after this reminder's moment
        moment = reminder_moment(rnd.deadline_at, offset, person.time_zone, *working)
        if moment <= now:
            due = offset
    return due
