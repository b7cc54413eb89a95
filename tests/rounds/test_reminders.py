"""Reminders before the deadline: only to owners with unanswered items, in their working
hours, never the same one twice, armed again when the deadline moves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery.scheduler import Scheduler
from services.followup import reminders, rounds
from storage.models import OutboxJob, OutboxKind, OutboxState, ReportingRound, ReportRequest
from tests.factories import NOW
from tests.rounds.builders import ManyOwners, answer, remember_chat, round_with_owners
from tests.rounds.conftest import FAST, Teams

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOURS = (8, 17)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def test_a_reminder_due_on_a_sunday_moves_to_monday_morning() -> None:
    deadline = local(2026, 11, 30, 9)  # Monday 09:00
    moment = reminders.reminder_moment(deadline, 24, "Europe/Stockholm", HOURS)
    assert moment == local(2026, 11, 30, 8)


def test_a_reminder_within_working_hours_is_not_moved() -> None:
    deadline = local(2026, 11, 30, 9)
    assert reminders.reminder_moment(deadline, 72, "Europe/Stockholm", HOURS) == local(
        2026, 11, 27, 9
    )


def test_when_monday_morning_is_too_late_the_reminder_goes_on_friday_afternoon() -> None:
    deadline = local(2026, 11, 30, 8)  # Monday 08:00: Monday morning is the deadline itself
    moment = reminders.reminder_moment(deadline, 24, "Europe/Stockholm", HOURS)
    assert moment == local(2026, 11, 27, 16)


def test_a_reminder_due_at_night_waits_for_the_morning_in_the_owners_time_zone() -> None:
    deadline = local(2026, 11, 26, 23, 30) + timedelta(hours=24)  # nominal: Thu 23:30
    moment = reminders.reminder_moment(deadline, 24, "Europe/Stockholm", HOURS)
    assert moment == local(2026, 11, 27, 8)
    helsinki = reminders.reminder_moment(deadline, 24, "Europe/Helsinki", HOURS)
    assert helsinki == datetime(2026, 11, 27, 8, tzinfo=ZoneInfo("Europe/Helsinki"))


def test_offsets_come_from_the_round_with_the_default_when_missing() -> None:
    rnd = ReportingRound(reminder_offsets_hours={})
    assert reminders.offsets_of(rnd) == [72, 24]
    rnd.reminder_offsets_hours = {"before_deadline": [24, 120, "x", -3, 24]}
    assert reminders.offsets_of(rnd) == [120, 24]


# Monday 23 Nov 2026 10:00 UTC; the deadline is Friday 27 Nov 16:00 in Stockholm.
DEADLINE = local(2026, 11, 27, 16).astimezone(UTC)
# 72 h before: Tuesday 16:00 local = 15:00 UTC. 24 h before: Thursday 16:00 local.
TUESDAY_BEFORE = datetime(2026, 11, 24, 14, 59, tzinfo=UTC)
TUESDAY_DUE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
THURSDAY_DUE = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


async def sent_round(session: AsyncSession, teams: Teams, count: int = 3) -> ManyOwners:
    many = await round_with_owners(session, count, items_each=2, deadline=DEADLINE)
    for owner in many.owners:
        await remember_chat(session, owner, teams.service_url)
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()
    await teams.sender(clock=lambda: NOW).run_until_idle()
    return many


def scheduler(teams: Teams, at: datetime) -> Scheduler:
    return Scheduler(teams.sessions, FAST, clock=lambda: at)


async def reminder_jobs(session: AsyncSession) -> list[OutboxJob]:
    query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.REMINDER).order_by(OutboxJob.id)
    return list((await session.execute(query.execution_options(populate_existing=True))).scalars())


async def test_reminders_go_only_to_owners_with_unanswered_items_once(
    session: AsyncSession, teams: Teams
) -> None:
    many = await sent_round(session, teams)
    done, partly, nothing = many.owners
    session.add_all(answer(many.round, item, done, NOW) for item in many.items[done.id])
    session.add(answer(many.round, many.items[partly.id][0], partly, NOW))
    await session.commit()

    early = await scheduler(teams, TUESDAY_BEFORE).tick()
    first = await scheduler(teams, TUESDAY_DUE).tick()
    again = await scheduler(teams, TUESDAY_DUE + timedelta(minutes=1)).tick()

    assert (early.reminders, first.reminders, again.reminders) == (0, 2, 0)
    jobs = await reminder_jobs(session)
    assert sorted(j.person_id or 0 for j in jobs) == sorted([partly.id, nothing.id])
    assert {j.payload["offset_hours"] for j in jobs} == {72}

    delivered_before = len(teams.connector.delivered)
    await teams.sender(clock=lambda: TUESDAY_DUE).run_until_idle()
    cards = [
        json.dumps(d.body["attachments"][0]["content"], ensure_ascii=False)
        for d in teams.connector.delivered[delivered_before:]
    ]
    assert len(cards) == 2
    to_partly = next(c for c in cards if partly.display_name in c)
    assert "Påminnelse: Månadsuppföljning november" in to_partly
    assert "1 av 2 punkter" in to_partly
    assert many.items[partly.id][1].title in to_partly
    assert many.items[partly.id][0].title not in to_partly  # answered: not listed
    # The button opens the status form for the owner's request.
    assert '"verb": "lagesbot.status.page"' in to_partly

    # Thursday: the 1-day reminder, again only to those still missing answers.
    session.add(answer(many.round, many.items[partly.id][1], partly, TUESDAY_DUE))
    await session.commit()
    thursday = await scheduler(teams, THURSDAY_DUE).tick()
    assert thursday.reminders == 1
    jobs = await reminder_jobs(session)
    assert [(j.person_id, j.payload["offset_hours"]) for j in jobs[2:]] == [(nothing.id, 24)]


async def test_an_owner_who_answers_before_the_reminder_leaves_gets_nothing(
    session: AsyncSession, teams: Teams
) -> None:
    many = await sent_round(session, teams, count=1)
    (owner,) = many.owners
    assert (await scheduler(teams, TUESDAY_DUE).tick()).reminders == 1
    session.add_all(answer(many.round, item, owner, TUESDAY_DUE) for item in many.items[owner.id])
    await session.commit()
    delivered_before = len(teams.connector.delivered)

    await teams.sender(clock=lambda: TUESDAY_DUE).run_until_idle()

    assert len(teams.connector.delivered) == delivered_before
    (job,) = await reminder_jobs(session)
    assert (job.state, job.last_error) == (OutboxState.CANCELLED, "everything answered")


async def test_reminders_are_not_sent_on_a_weekend_but_on_the_last_workday(
    session: AsyncSession, teams: Teams
) -> None:
    monday_8 = local(2026, 11, 30, 8).astimezone(UTC)
    many = await round_with_owners(session, 1, deadline=monday_8)
    many.round.reminder_offsets_hours = {"before_deadline": [24]}
    await remember_chat(session, many.owners[0], teams.service_url)
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()
    await teams.sender(clock=lambda: NOW).run_until_idle()
    friday_16 = local(2026, 11, 27, 16).astimezone(UTC)
    sunday_8 = local(2026, 11, 29, 8).astimezone(UTC)  # the nominal 24 h moment

    before = await scheduler(teams, friday_16 - timedelta(minutes=1)).tick()
    at_friday = await scheduler(teams, friday_16).tick()
    on_sunday = await scheduler(teams, sunday_8).tick()

    assert (before.reminders, at_friday.reminders, on_sunday.reminders) == (0, 1, 0)
    (job,) = await reminder_jobs(session)
    assert job.payload["offset_hours"] == 24


async def test_extending_the_deadline_arms_the_reminders_again(
    session: AsyncSession, teams: Teams
) -> None:
    many = await sent_round(session, teams, count=1)
    (owner,) = many.owners
    assert (await scheduler(teams, TUESDAY_DUE).tick()).reminders == 1
    await teams.sender(clock=lambda: TUESDAY_DUE).run_until_idle()
    # Thursday's reminder is written, then the admin extends the deadline by a week before
    # it went out: it is cancelled, and the new deadline's reminders follow.
    assert (await scheduler(teams, THURSDAY_DUE).tick()).reminders == 1
    many.round.deadline_at = DEADLINE + timedelta(days=7)
    await session.commit()
    await teams.sender(clock=lambda: THURSDAY_DUE).run_until_idle()

    next_tuesday = await scheduler(teams, TUESDAY_DUE + timedelta(days=7)).tick()
    same_again = await scheduler(teams, TUESDAY_DUE + timedelta(days=7, hours=1)).tick()
    await teams.sender(clock=lambda: TUESDAY_DUE + timedelta(days=7)).run_until_idle()

    assert (next_tuesday.reminders, same_again.reminders) == (1, 0)
    jobs = await reminder_jobs(session)
    assert [(j.payload["offset_hours"], j.state) for j in jobs] == [
        (72, OutboxState.SENT),
        (24, OutboxState.CANCELLED),
        (72, OutboxState.SENT),
    ]
    assert jobs[1].last_error == "deadline changed"
    assert jobs[2].payload["deadline"] == (DEADLINE + timedelta(days=7)).isoformat()
    reminders_seen = [
        d
        for d in teams.connector.delivered
        if "Påminnelse" in json.dumps(d.body, ensure_ascii=False)
    ]
    assert len(reminders_seen) == 2
    request = (
        await session.execute(
            select(ReportRequest)
            .where(ReportRequest.person_id == owner.id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    assert request.last_reminder_at == TUESDAY_DUE + timedelta(days=7)
