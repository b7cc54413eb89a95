"""Creating, opening, scheduling, extending, closing and copying rounds in the store, on both
backends: what gets stored, what gets refused, and what a repeat changes (nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.answering.status_view import build_status_view
from services.followup import round_admin
from services.followup.round_admin import RoundActionRefused, RoundInvalid, parse_round_values
from storage import rounds as round_store
from storage.models import (
    AuditEntry,
    OutboxKind,
    OutboxOperation,
    ReportRequest,
    Response,
    ResponseSource,
    RoundItem,
    RoundState,
    RoundSummary,
)
from tests.admin.helpers import (
    Region,
    audit_actions,
    count,
    outbox_jobs,
    region,
    rounds_stored,
    values,
)
from tests.factories import NOW

ACTOR = "agneta.admin@region-exempel.se"


async def create(
    session: AsyncSession, start: round_admin.Start = "now", **overrides: object
) -> round_admin.CreateResult:
    spec = parse_round_values(values(**overrides))
    result = await round_admin.create_round(session, spec, start=start, now=NOW, actor=ACTOR)
    await session.commit()
    return result


def test_local_swedish_time_is_stored_as_utc() -> None:
    winter = parse_round_values(values(opens="2027-01-11 08:00", deadline="2027-01-22 16:00"))
    assert winter.opens_at == datetime(2027, 1, 11, 7, 0, tzinfo=UTC)
    summer = parse_round_values(values(opens="2027-04-26T08:00", deadline="2027-05-07 16:00"))
    assert summer.opens_at == datetime(2027, 4, 26, 6, 0, tzinfo=UTC)
    assert summer.deadline_at == datetime(2027, 5, 7, 14, 0, tzinfo=UTC)
    explicit = parse_round_values(values(opens="2027-04-26T08:00Z", deadline="2027-05-07 16:00"))
    assert explicit.opens_at == datetime(2027, 4, 26, 8, 0, tzinfo=UTC)


def test_the_round_key_comes_from_the_name() -> None:
    assert parse_round_values(values(name="Tertial 1 2027")).key == "tertial-1-2027"
    assert parse_round_values(values(name="Månadsuppföljning maj")).key == ("manadsuppfoljning-maj")


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(RoundInvalid) as caught:
        parse_round_values(
            values(
                name="",
                opens="2027-13-01 08:00",
                deadline="i morgon",
                reminders="tre",
                escalation="-1",
                kinds="goal,wish",
            )
        )
    errors = caught.value.errors
    assert {name: e.code for name, e in errors.items()} == {
        "name": "admin.error.required",
        "opens": "admin.error.bad_datetime",
        "deadline": "admin.error.bad_datetime",
        "reminders": "admin.error.bad_durations",
        "escalation": "admin.error.bad_duration",
        "kinds": "admin.error.unknown_kinds",
    }
    with pytest.raises(RoundInvalid) as caught:
        parse_round_values(values(opens="2027-05-08 08:00", deadline="2027-05-07 16:00"))
    assert caught.value.errors["deadline"].code == "admin.error.deadline_before_open"


def test_reminders_are_days_unless_hours_are_written() -> None:
    spec = parse_round_values(values(reminders="3, 1, 12h", escalation="36h"))
    assert spec.reminder_hours == (72, 24, 12)
    assert spec.escalation_hours == 36


async def test_opening_now_freezes_items_asks_each_owner_once_and_audits(
    session: AsyncSession,
) -> None:
    r = await region(session)
    result = await create(session, "now")
    rnd = result.round
    assert result.created
    assert rnd.state == RoundState.OPEN
    assert rnd.opens_at == NOW  # opened now, not at the typed open time
    assert rnd.created_by == ACTOR
    requests = list(
        (
            await session.execute(select(ReportRequest).where(ReportRequest.round_id == rnd.id))
        ).scalars()
    )
    assert {q.person_id for q in requests} == {r.anna.id, r.bo.id, r.cecilia.id}
    # Strategies are headings, not asked by default.
    assert await count(session, RoundItem, RoundItem.round_id == rnd.id) == 6
    jobs = await outbox_jobs(session, rnd.id)
    asked = {j.person_id for j in jobs if j.kind == OutboxKind.REQUEST}
    assert len(jobs) == 3
    assert asked == {q.person_id for q in requests}
    assert await audit_actions(session) == ["round.create", "round.open"]


async def test_a_repeated_create_changes_nothing(session: AsyncSession) -> None:
    await region(session)
    first = await create(session, "now")
    again = await create(session, "now")
    assert not again.created
    assert again.round.id == first.round.id
    assert await rounds_stored(session) == 1
    assert len(await outbox_jobs(session, first.round.id)) == 3
    assert await audit_actions(session) == ["round.create", "round.open"]


async def test_another_round_with_the_same_name_is_refused(session: AsyncSession) -> None:
    await region(session)
    await create(session, "now")
    with pytest.raises(RoundInvalid) as caught:
        await create(session, "now", deadline="2026-12-11 16:00")
    assert caught.value.errors["name"].code == "admin.error.name_taken"
    await session.rollback()
    assert await rounds_stored(session) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"org_units": "HSN,NOPE"}, "org_units", "admin.error.unknown_org_units"),
        ({"kinds": "assignment"}, "kinds", "admin.error.empty_scope"),
        ({"plan": "no-such-plan"}, "plan", "admin.error.unknown_plan"),
        ({"deadline": "2026-11-20 16:00", "opens": "2026-11-19 08:00"}, "deadline",
         "admin.error.deadline_passed"),
    ],
)  # fmt: skip
async def test_invalid_rounds_store_nothing(
    session: AsyncSession, overrides: dict[str, str], field: str, code: str
) -> None:
    await region(session)
    with pytest.raises(RoundInvalid) as caught:
        await create(session, "now", **overrides)
    assert caught.value.errors[field].code == code
    await session.rollback()
    assert await rounds_stored(session) == 0
    assert await audit_actions(session) == []


async def test_preview_counts_items_per_owner_in_the_chosen_units_and_kinds(
    session: AsyncSession,
) -> None:
    r = await region(session)
    spec = parse_round_values(values(org_units="HSN", kinds="goal,indicator,activity"))
    checked = await round_admin.check_spec(session, spec, start="draft", now=NOW)
    loads = {o.name: o.items for o in checked.preview.owners}
    # HSN includes Kirurgiska kliniken below it; RUN (Cecilia) is outside; the risk is not asked.
    assert loads == {r.anna.display_name: 2, r.bo.display_name: 1}
    assert checked.preview.items == 3
    assert checked.preview.kinds == {"activity": 1, "goal": 1, "indicator": 1}
    assert await rounds_stored(session) == 0


async def test_scheduling_leaves_opening_to_the_scheduler(session: AsyncSession) -> None:
    await region(session)
    result = await create(session, "schedule")
    assert result.round.state == RoundState.SCHEDULED
    assert result.round.opens_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert await count(session, ReportRequest) == 0
    assert await audit_actions(session) == ["round.create", "round.schedule"]
    with pytest.raises(RoundInvalid) as caught:
        await create(session, "schedule", name="Redan passerad", opens="2026-11-23 09:00")
    assert caught.value.errors["opens"].code == "admin.error.opens_passed"


async def test_a_scheduled_round_can_be_opened_early_once(session: AsyncSession) -> None:
    await region(session)
    rnd = (await create(session, "schedule")).round
    await round_admin.open_now(session, rnd, now=NOW, actor=ACTOR)
    await round_admin.open_now(session, rnd, now=NOW, actor=ACTOR)
    await session.commit()
    assert rnd.state == RoundState.OPEN
    assert (await audit_actions(session)).count("round.open") == 1


async def test_extending_the_deadline_is_audited_with_the_old_one(session: AsyncSession) -> None:
    await region(session)
    rnd = (await create(session, "now")).round
    old = rnd.deadline_at
    new = old + timedelta(days=7)
    assert await round_admin.extend_deadline(session, rnd, deadline_at=new, now=NOW, actor=ACTOR)
    assert not await round_admin.extend_deadline(
        session, rnd, deadline_at=new, now=NOW, actor=ACTOR
    )
    await session.commit()
    entry = (
        await session.execute(select(AuditEntry).where(AuditEntry.action == "round.extend"))
    ).scalar_one()
    assert entry.actor == ACTOR
    assert entry.details["was"] == old.isoformat()
    assert entry.details["deadline_at"] == new.isoformat()
    with pytest.raises(RoundInvalid):
        await round_admin.extend_deadline(
            session, rnd, deadline_at=NOW - timedelta(hours=1), now=NOW, actor=ACTOR
        )


async def _answer(session: AsyncSession, r: Region, round_id: int, key: str, status: str) -> None:
    item = r.items[key]
    assert item.owner_id is not None
    session.add(
        Response(
            round_id=round_id,
            item_id=item.id,
            revision=1,
            status_key=status,
            comment="Enligt plan.",
            value=Decimal("72.5") if key == "I1" else None,
            answered_by_id=item.owner_id,
            source=ResponseSource.TEAMS_CARD,
        )
    )
    await session.flush()


async def test_closing_records_the_summary_updates_cards_and_audits(
    session: AsyncSession,
) -> None:
    r = await region(session)
    rnd = (await create(session, "now")).round
    for key, status in (("M1", "on_track"), ("I1", "deviation"), ("R1", "on_track")):
        await _answer(session, r, rnd.id, key, status)
    # Anna's card was posted; the others' are still in the outbox.
    request = await round_store.request_for(session, rnd.id, r.anna.id)
    assert request is not None
    request.conversation_id, request.card_activity_id = "a:anna", "activity-7"
    request.sent_at = NOW
    await session.commit()

    closed_at = NOW + timedelta(days=12)
    summary = await round_admin.close_round(session, rnd, closed_at, ACTOR)
    await session.commit()
    assert rnd.state == RoundState.CLOSED
    assert rnd.closed_at == closed_at
    assert summary.closed_by == ACTOR
    assert summary.summary["owners"] == 3
    assert summary.summary["items"] == 6
    assert summary.summary["answered"] == 3
    assert summary.summary["owners_done"] == 1  # Anna answered all three of hers
    assert summary.summary["statuses"] == {"deviation": 1, "on_track": 2}
    updates = [
        j
        for j in await outbox_jobs(session, rnd.id)
        if j.kind == OutboxKind.ROUND_CLOSED and j.operation == OutboxOperation.UPDATE
    ]
    assert [(j.conversation_id, j.activity_id) for j in updates] == [("a:anna", "activity-7")]
    assert (await audit_actions(session))[-1] == "round.close"

    again = await round_admin.close_round(session, rnd, closed_at + timedelta(hours=1), ACTOR)
    await session.commit()
    assert again.id == summary.id
    assert await count(session, RoundSummary) == 1
    assert (await audit_actions(session)).count("round.close") == 1
    with pytest.raises(RoundActionRefused):
        await round_admin.extend_deadline(
            session, rnd, deadline_at=closed_at + timedelta(days=3), now=closed_at, actor=ACTOR
        )


async def test_copy_to_next_period_keeps_the_scope_and_shows_last_answers(
    session: AsyncSession,
) -> None:
    r = await region(session)
    first = (await create(session, "now", org_units="HSN", kinds="goal,indicator,risk")).round
    await _answer(session, r, first.id, "M1", "deviation")
    await round_admin.close_round(session, first, NOW + timedelta(days=12), ACTOR)
    await session.commit()

    later = NOW + timedelta(days=13)
    opens, deadline = await round_admin.next_period_dates(session, first)
    # One month on, same local times (it opened at NOW, 11:00 Swedish time).
    local = round_admin.local_zone()
    assert (opens.astimezone(local).month, opens.astimezone(local).hour) == (12, 11)
    assert deadline.astimezone(local).strftime("%m-%d %H:%M") == "01-04 16:00"
    copy = await round_admin.copy_round(
        session,
        first,
        name="Tertial 2 2027",
        opens_at=later,
        deadline_at=later + timedelta(days=10),
        now=later,
        actor=ACTOR,
        start="now",
    )
    await session.commit()
    second = copy.round
    assert second.previous_round_id == first.id
    assert second.scope == first.scope
    assert second.ask_risk == first.ask_risk
    assert (await audit_actions(session))[-2:] == ["round.copy", "round.open"]

    request = await round_store.request_for(session, second.id, r.anna.id)
    assert request is not None
    view = await build_status_view(
        session, request=request, rnd=second, person=r.anna, language="sv", now=later
    )
    shown = {q.title: q.previous_round for q in view.items}
    previous = shown["Kortare väntetider i vården"]
    assert previous is not None and previous.status_key == "deviation"


async def test_a_draft_whose_unit_is_gone_is_listed_but_not_opened(session: AsyncSession) -> None:
    await region(session)
    rnd = (await create(session, "draft")).round
    rnd.scope = {"org_units": ["NEDLAGD"]}
    await session.commit()
    shown = await round_admin.overview(session, rnd)
    assert (shown.owners, shown.items) == (0, 0)
    with pytest.raises(RoundInvalid) as caught:
        await round_admin.open_now(session, rnd, now=NOW, actor=ACTOR)
    assert caught.value.errors["org_units"].params == {"keys": "NEDLAGD"}
    await session.rollback()
    assert await count(session, ReportRequest) == 0
