"""Scheduled digests: one outbox job per group, round and occasion; a later digest of the same
round replaces the posted card in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery import digest_posting
from storage import steering
from storage.models import (
    OutboxJob,
    OutboxKind,
    OutboxOperation,
    OutboxState,
    RoundState,
    SteeringGroup,
)
from tests import cardtools
from tests.digest.helpers import CHANNEL_ID, answered_round, steering_group
from tests.factories import NOW, TENANT_ID, open_round


async def jobs(session: AsyncSession) -> list[OutboxJob]:
    query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.DIGEST).order_by(OutboxJob.id)
    return list((await session.execute(query)).scalars())


async def deliver(session: AsyncSession, job: OutboxJob, activity_id: str) -> None:
    """What the sender does after the Bot Connector accepted the post."""
    job.state = OutboxState.SENT
    job.sent_at = job.not_before
    job.activity_id = job.activity_id or activity_id
    await digest_posting.on_digest_sent(session, job, job.not_before)
    await session.commit()


async def test_the_deadline_digest_is_posted_once_then_later_digests_update_it(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    group, _channel = await steering_group(session)
    after_deadline = s.round.deadline_at + timedelta(hours=1)

    assert await digest_posting.enqueue_due_digests(session, after_deadline) == 1
    await session.commit()
    # Another tick (or another instance) at the same time writes nothing more.
    assert await digest_posting.enqueue_due_digests(session, after_deadline) == 0
    await session.commit()

    [first] = await jobs(session)
    assert first.dedupe_key == f"digest:{group.id}:{s.round.id}:deadline"
    assert first.operation == OutboxOperation.SEND
    assert first.conversation_id == CHANNEL_ID
    assert first.tenant_id == TENANT_ID
    assert first.steering_group_id == group.id and first.round_id == s.round.id
    text = cardtools.all_text(first.payload["card"])
    assert "Regionstyrelsens styrgrupp" in text
    assert "75\u00a0%" in text and "3 av 4" in text
    assert "Cecilia Berg" in text

    await deliver(session, first, "activity-41")
    post = await steering.digest_post(session, group.id, s.round.id)
    assert post is not None and post.activity_id == "activity-41"

    s.round.state = RoundState.CLOSED
    s.round.closed_at = after_deadline + timedelta(days=1)
    await session.commit()
    assert await digest_posting.enqueue_due_digests(session, s.round.closed_at) == 1
    await session.commit()
    second = (await jobs(session))[-1]
    assert second.dedupe_key.endswith(":close")
    assert second.operation == OutboxOperation.UPDATE
    assert second.activity_id == "activity-41"
    assert second.conversation_id == CHANNEL_ID
    assert "stängd" in cardtools.all_text(second.payload["card"])


async def test_a_second_occasion_waits_until_the_first_post_exists(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    await steering_group(session)
    # Monday after the deadline, 12:00 in Stockholm: the deadline and the weekly digest are due.
    moment = s.round.deadline_at + timedelta(hours=1)
    assert await digest_posting.enqueue_due_digests(session, moment) == 1
    await session.commit()
    assert await digest_posting.enqueue_due_digests(session, moment) == 0
    [first] = await jobs(session)
    await deliver(session, first, "activity-7")
    assert await digest_posting.enqueue_due_digests(session, moment) == 1
    await session.commit()
    weekly = (await jobs(session))[-1]
    assert weekly.dedupe_key.endswith(":weekly-2026-W49")
    assert (weekly.operation, weekly.activity_id) == (OutboxOperation.UPDATE, "activity-7")


async def test_groups_without_a_channel_or_outside_the_scope_get_nothing(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    group, _ = await steering_group(session, scope={"plan_items": ["NOT-IN-PLAN"]})
    session.add(SteeringGroup(key="no-channel", name="Utan kanal", scope={}))
    await session.commit()
    assert await digest_posting.enqueue_due_digests(session, NOW) == 0
    group.scope = {}
    await session.commit()
    assert await digest_posting.enqueue_due_digests(session, NOW) == 1
    [job] = await jobs(session)
    assert job.dedupe_key == f"digest:{group.id}:{s.round.id}:weekly-2026-W48"


def _group(weekday: int | None = 1, hour: int = 8) -> SteeringGroup:
    return SteeringGroup(
        key="g", name="G", digest_weekday=weekday, digest_hour=hour, time_zone="Europe/Stockholm"
    )


def test_weekly_digests_follow_the_groups_weekday_and_hour_in_its_time_zone() -> None:
    from storage.models import ReportingRound

    rnd = ReportingRound(
        state=RoundState.OPEN,
        opens_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        deadline_at=datetime(2026, 12, 11, 16, 0, tzinfo=UTC),
    )
    # Monday 23 Nov 2026, 07:59 and 08:00 in Stockholm (06:59 / 07:00 UTC).
    assert (
        digest_posting.due_occasions(_group(), rnd, datetime(2026, 11, 23, 6, 59, tzinfo=UTC)) == []
    )
    assert digest_posting.due_occasions(
        _group(), rnd, datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    ) == ["weekly-2026-W48"]
    # Later the same week the week's digest is still due (a scheduler that was down catches up).
    assert digest_posting.due_occasions(
        _group(), rnd, datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    ) == ["weekly-2026-W48"]
    assert digest_posting.due_occasions(_group(None), rnd, datetime(2026, 11, 27, tzinfo=UTC)) == []
    # A round that opened after this week's moment waits for next week.
    late = ReportingRound(
        state=RoundState.OPEN,
        opens_at=datetime(2026, 11, 24, tzinfo=UTC),
        deadline_at=datetime(2026, 12, 11, tzinfo=UTC),
    )
    assert digest_posting.due_occasions(_group(), late, datetime(2026, 11, 25, tzinfo=UTC)) == []
    # Deadline: due right after it, not days later; close likewise.
    after = datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    assert digest_posting.due_occasions(_group(5, 8), rnd, after) == [
        "deadline",
        "weekly-2026-W50",
    ]
    assert digest_posting.due_occasions(_group(None), rnd, after + timedelta(days=10)) == []
    closed = ReportingRound(
        state=RoundState.CLOSED,
        opens_at=rnd.opens_at,
        deadline_at=rnd.deadline_at,
        closed_at=datetime(2026, 12, 14, 9, 0, tzinfo=UTC),
    )
    assert digest_posting.due_occasions(
        _group(), closed, datetime(2026, 12, 14, 10, tzinfo=UTC)
    ) == ["close"]
    assert digest_posting.due_occasions(_group(), closed, datetime(2027, 1, 14, tzinfo=UTC)) == []
