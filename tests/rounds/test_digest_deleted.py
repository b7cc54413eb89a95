"""A steering group's digest that someone deleted in Teams: the next digest of the round is
posted afresh instead of failing on the dead message, and later digests replace the new post."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery import digest_posting
from storage import steering
from storage.models import OutboxJob, OutboxKind, OutboxState, RoundState
from tests import cardtools
from tests.digest.helpers import CHANNEL_ID, answered_round, steering_group
from tests.factories import open_round
from tests.rounds.conftest import Teams


async def digest_jobs(session: AsyncSession) -> list[OutboxJob]:
    query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.DIGEST).order_by(OutboxJob.id)
    return list((await session.execute(query.execution_options(populate_existing=True))).scalars())


async def test_a_digest_deleted_in_teams_is_posted_afresh(
    teams: Teams, session: AsyncSession
) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    group, channel = await steering_group(session)
    channel.service_url = teams.service_url
    group_id, round_id = group.id, s.round.id
    moment = s.round.deadline_at + timedelta(hours=1)
    await session.commit()

    assert await digest_posting.enqueue_due_digests(session, moment) == 1
    await session.commit()
    await teams.sender(clock=lambda: moment).run_until_idle(timeout_seconds=20)
    [first] = teams.connector.messages_to(CHANNEL_ID)
    post = await steering.digest_post(session, group_id, round_id)
    assert post is not None and post.activity_id == first.activity_id

    teams.connector.delete_activity(first.activity_id)
    s.round.state = RoundState.CLOSED
    s.round.closed_at = moment + timedelta(days=1)
    await session.commit()
    closed_at = s.round.closed_at
    assert await digest_posting.enqueue_due_digests(session, closed_at) == 1
    await session.commit()
    await teams.sender(clock=lambda: closed_at).run_until_idle(timeout_seconds=20)

    delivered = teams.connector.messages_to(CHANNEL_ID)
    assert [d.method for d in delivered] == ["POST", "POST"]
    again = delivered[-1]
    assert again.activity_id != first.activity_id
    card = again.body["attachments"][0]["content"]
    assert "stängd" in cardtools.all_text(card)
    session.expire_all()
    post = await steering.digest_post(session, group_id, round_id)
    assert post is not None and post.activity_id == again.activity_id
    assert [j.state for j in await digest_jobs(session)] == [OutboxState.SENT, OutboxState.SENT]

    # The next digest of the round replaces the new post in place.
    later = closed_at + timedelta(hours=1)
    await session.refresh(group)
    await session.refresh(channel)
    await session.refresh(s.round)
    assert await digest_posting.enqueue_digest(session, group, channel, s.round, "extra", later)
    await session.commit()
    await teams.sender(clock=lambda: later).run_until_idle(timeout_seconds=20)
    delivered = teams.connector.messages_to(CHANNEL_ID)
    assert (delivered[-1].method, delivered[-1].activity_id) == ("PUT", again.activity_id)
