"""Reminders skip Swedish public holidays and the region's extra days off (klämdagar) as
they skip weekends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery.scheduler import Scheduler
from services.followup import reminders, rounds
from services.followup.working_days import SWEDISH, WorkingDays, parse_days
from services.platform.worker_settings import WorkerSettings
from storage.models import OutboxJob, OutboxKind
from tests.factories import NOW
from tests.rounds.builders import remember_chat, round_with_owners
from tests.rounds.conftest import FAST, Teams

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOURS = (8, 17)


def local(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=STOCKHOLM)


def test_a_reminder_due_on_christmas_day_waits_for_the_next_working_day() -> None:
    deadline = local(2026, 12, 28, 16)  # Monday; 72 h before is juldagen, Friday 25th
    moment = reminders.reminder_moment(deadline, 72, "Europe/Stockholm", HOURS)
    assert moment == local(2026, 12, 28, 8)


def test_midsummer_eve_and_ascension_day_are_days_off_but_not_the_day_after() -> None:
    assert not SWEDISH.is_working_day(date(2027, 6, 25))  # midsommarafton
    assert not SWEDISH.is_working_day(date(2027, 5, 6))  # Kristi himmelsfärdsdag
    assert SWEDISH.is_working_day(date(2027, 5, 7))  # the klämdag is up to the region
    assert SWEDISH.is_working_day(date(2027, 5, 10))


def test_a_klamdag_the_region_configures_is_skipped_too() -> None:
    deadline = local(2027, 5, 10, 16)  # Monday after Ascension
    nominal = reminders.reminder_moment(deadline, 72, "Europe/Stockholm", HOURS)
    assert nominal == local(2027, 5, 7, 16)  # Friday the 7th: a normal working day
    days = WorkingDays.with_extra(parse_days("2027-05-07"))
    moved = reminders.reminder_moment(deadline, 72, "Europe/Stockholm", HOURS, days)
    assert moved == local(2027, 5, 10, 8)


def test_the_extra_days_off_are_read_from_the_environment() -> None:
    env = {"LAGESBOT_EXTRA_DAYS_OFF": "2027-05-07; 2027-12-27,"}
    settings = WorkerSettings.from_env(env)
    assert settings.extra_days_off == (date(2027, 5, 7), date(2027, 12, 27))
    with pytest.raises(ValueError, match="7 maj"):
        WorkerSettings.from_env({"LAGESBOT_EXTRA_DAYS_OFF": "7 maj"})


async def test_the_scheduler_sends_no_reminder_on_a_holiday_or_a_configured_day_off(
    session: AsyncSession, teams: Teams
) -> None:
    # Deadline Tuesday 29 Dec 16:00; 72 h before is Saturday 26th (annandag jul), so the
    # reminder would go on Monday 28th, which this region has as a day off: Tuesday 08:00.
    deadline = local(2026, 12, 29, 16).astimezone(UTC)
    many = await round_with_owners(session, 1, items_each=1, deadline=deadline)
    await remember_chat(session, many.owners[0], teams.service_url)
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()
    await teams.sender(clock=lambda: NOW).run_until_idle()
    settings = replace(FAST, extra_days_off=(date(2026, 12, 28),))

    def tick_at(moment: datetime) -> Scheduler:
        return Scheduler(teams.sessions, settings, clock=lambda: moment)

    christmas = await tick_at(local(2026, 12, 25, 10)).tick()
    day_off = await tick_at(local(2026, 12, 28, 10)).tick()
    tuesday = await tick_at(local(2026, 12, 29, 8)).tick()

    assert (christmas.reminders, day_off.reminders, tuesday.reminders) == (0, 0, 1)
    query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.REMINDER)
    [job] = (await session.execute(query)).scalars()
    assert job.person_id == many.owners[0].id
