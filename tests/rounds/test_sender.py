"""The sender against a local Bot Connector: what managers receive, what is stored after."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery import fanout
from services.delivery.sender import LeaseLost
from services.followup import rounds
from storage import conversations, outbox
from storage.models import (
    ConversationReference,
    OutboxJob,
    OutboxKind,
    OutboxState,
    ReportRequest,
    RoundState,
)
from tests.factories import NOW, TENANT_ID, open_round
from tests.rounds.builders import remember_chat, round_with_owners
from tests.rounds.conftest import Teams


def card_text(card: dict[str, object]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_request_cards_reach_known_and_new_conversations(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    known = await remember_chat(session, s.owner, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()

    stats = await teams.sender().run_until_idle()

    assert stats.sent == 2 and stats.failed == 0
    to_owner = teams.connector.messages_to(known)
    assert len(to_owner) == 1
    card = to_owner[0].body["attachments"][0]["content"]
    assert "Tertial 2 2026" in card_text(card)
    assert "Kortare väntetider i vården" in card_text(card)
    # Cecilia never talked to the bot: a 1:1 chat was created with her Entra object id.
    created = [c for c in teams.connector.calls if c.path == "/v3/conversations"]
    assert [c.body["members"] for c in created] == [[{"id": s.other.entra_object_id}]]
    assert created[0].body["tenantId"] == TENANT_ID
    assert created[0].body["isGroup"] is False
    async with teams.sessions() as fresh:
        request = await fresh.get(ReportRequest, s.request.id)
        other = await fresh.get(ReportRequest, s.other_request.id)
        reference = await conversations.personal_reference(fresh, s.other.id)
    assert request is not None and other is not None
    assert request.sent_at is not None
    assert (request.conversation_id, request.card_activity_id) == (known, to_owner[0].activity_id)
    assert other.conversation_id is not None and other.card_activity_id is not None
    assert "Inför digitala vårdbesök" in card_text(
        teams.connector.activities[other.card_activity_id]
    )
    # The new chat is remembered for the next message.
    assert reference is not None and reference.conversation_id == other.conversation_id
    assert await outbox.progress(session, s.round.id) == {
        "pending": 0,
        "in_flight": 0,
        "sent": 2,
        "failed": 0,
        "cancelled": 0,
        "total": 2,
    }


async def test_throttling_errors_and_timeouts_are_retried_until_delivered(
    session: AsyncSession, teams: Teams
) -> None:
    many = await round_with_owners(session, 8)
    chats = [await remember_chat(session, o, teams.service_url) for o in many.owners]
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()
    troubles: list[list[int | tuple[int, float] | str]] = [
        [(429, 0.1), (429, 0.1)],  # with Retry-After
        [429, 429, 429],  # without: backoff
        [500, 502],
        [503, 504],
        [412],
        ["timeout"],
        ["timeout", 503, (429, 0.05)],
        [],
    ]
    for chat, answers in zip(chats, troubles, strict=True):
        teams.connector.script(chat, *answers)

    stats = await teams.sender().run_until_idle()

    delivered = Counter(d.conversation_id for d in teams.connector.delivered)
    assert delivered == Counter(chats)  # every card once, none twice
    assert stats.failed == 0
    jobs = list((await session.execute(select(OutboxJob).order_by(OutboxJob.id))).scalars())
    assert [j.state for j in jobs] == [OutboxState.SENT] * 8
    assert [j.attempts for j in jobs] == [len(t) + 1 for t in troubles]
    print(f"\nretries: {stats.retried}, throttled: {stats.throttled}, sent: {stats.sent}")


async def test_blocked_bot_fails_at_once_with_the_reason(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    blocked = await remember_chat(session, s.owner, teams.service_url)
    await remember_chat(session, s.other, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    teams.connector.script(blocked, 403)

    stats = await teams.sender().run_until_idle()

    assert (stats.sent, stats.failed) == (1, 1)
    assert len([c for c in teams.connector.calls if c.conversation_id == blocked]) == 1
    failed = await outbox.failed_jobs(session, s.round.id)
    assert [(f.person_name, f.last_status) for f in failed] == [("Anna Lindqvist", 403)]
    assert "blocked" in failed[0].reason and "ConversationBlockedByUser" in failed[0].reason
    progress = await outbox.progress(session, s.round.id)
    assert (progress["sent"], progress["failed"], progress["pending"]) == (1, 1, 0)
    async with teams.sessions() as fresh:
        request = await fresh.get(ReportRequest, s.request.id)
    assert request is not None and request.sent_at is None


async def test_a_job_that_keeps_failing_gives_up_after_the_attempt_limit(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    chat = await remember_chat(session, s.owner, teams.service_url)
    await remember_chat(session, s.other, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    teams.connector.script(chat, *([503] * 10))

    stats = await teams.sender(max_attempts=4).run_until_idle()

    assert (stats.sent, stats.failed) == (1, 1)
    assert len(teams.connector.messages_to(chat)) == 0
    failed = await outbox.failed_jobs(session, s.round.id)
    assert failed[0].last_status == 503 and failed[0].attempts == 4
    assert failed[0].reason.startswith("gave up after 4 attempts")


class Installer:
    def __init__(self, chat_id: str | None) -> None:
        self.chat_id = chat_id
        self.asked: list[tuple[str, str]] = []

    async def ensure_installed(self, user_object_id: str, tenant_id: str) -> str | None:
        self.asked.append((user_object_id, tenant_id))
        return self.chat_id


async def test_not_installed_asks_the_installer_and_posts_to_its_chat(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    await remember_chat(session, s.owner, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    assert s.other.entra_object_id is not None
    teams.connector.not_installed.add(s.other.entra_object_id)
    installer = Installer("19:installed-chat@unq.gbl.spaces")

    await teams.sender(installer=installer).run_until_idle()

    assert installer.asked == [(s.other.entra_object_id, TENANT_ID)]
    assert len(teams.connector.messages_to("19:installed-chat@unq.gbl.spaces")) == 1
    async with teams.sessions() as fresh:
        request = await fresh.get(ReportRequest, s.other_request.id)
    assert request is not None and request.conversation_id == "19:installed-chat@unq.gbl.spaces"


async def test_not_installed_without_an_installer_is_failed_with_the_reason(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    await remember_chat(session, s.owner, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    assert s.other.entra_object_id is not None
    teams.connector.not_installed.add(s.other.entra_object_id)

    await teams.sender().run_until_idle()

    failed = await outbox.failed_jobs(session, s.round.id)
    assert [(f.person_name, f.last_status) for f in failed] == [("Cecilia Berg", 403)]
    assert "not installed" in failed[0].reason


async def test_the_rate_stays_under_the_tenant_limit_in_the_connectors_accounting(
    session: AsyncSession, teams: Teams
) -> None:
    many = await round_with_owners(session, 45)
    for owner in many.owners[:30]:
        await remember_chat(session, owner, teams.service_url)
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()
    teams.connector.tenant_limit = 20

    stats = await teams.sender(send_rate_per_second=20).run_until_idle()

    peak = teams.connector.peak_per_second(TENANT_ID)
    print(f"\npeak calls in one second: {peak} (limit 20), 429s: {teams.connector.throttled}")
    assert stats.sent == 45
    assert peak <= 20
    assert teams.connector.throttled == 0


async def test_a_configured_rate_above_50_per_second_is_capped(teams: Teams) -> None:
    sender = teams.sender(send_rate_per_second=500)
    assert sender._pacer.rate_for(TENANT_ID) == 50


async def test_closing_replaces_every_posted_card_with_its_closed_state(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    await remember_chat(session, s.owner, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    sender = teams.sender()
    await sender.run_until_idle()
    posted = {d.activity_id: d for d in teams.connector.delivered}
    assert len(posted) == 2
    assert all("actions" in d.body["attachments"][0]["content"] for d in posted.values())

    s.round.state = RoundState.CLOSED
    s.round.closed_at = NOW
    written = await fanout.enqueue_round_closed(session, s.round, NOW)
    await session.commit()
    again = await fanout.enqueue_round_closed(session, s.round, NOW)
    await session.commit()
    await sender.run_until_idle()

    assert (written, again) == (2, 0)
    updates = [d for d in teams.connector.delivered if d.method == "PUT"]
    assert sorted(u.activity_id for u in updates) == sorted(posted)
    for update in updates:
        card = update.body["attachments"][0]["content"]
        assert "actions" not in card  # read-only: no submit, no edit
        assert update.conversation_id == posted[update.activity_id].conversation_id


async def test_closing_before_the_cards_went_out_sends_none(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    s.round.state = RoundState.CLOSED
    await fanout.enqueue_round_closed(session, s.round, NOW)
    await session.commit()

    await teams.sender().run_until_idle()

    assert teams.connector.delivered == []
    assert (await outbox.progress(session, s.round.id))["cancelled"] == 2


async def test_conversation_reference_is_stored_once_per_person(
    session: AsyncSession, teams: Teams
) -> None:
    many = await round_with_owners(session, 3)
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()
    await teams.sender().run_until_idle()
    references = list((await session.execute(select(ConversationReference))).scalars())
    assert sorted(r.person_id for r in references if r.person_id) == sorted(
        o.id for o in many.owners
    )


async def test_a_person_who_removed_the_app_is_reached_through_a_new_installation(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    old_chat = await remember_chat(session, s.owner, teams.service_url)
    blocked_chat = await remember_chat(session, s.other, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    teams.connector.script(old_chat, (403, "BotNotInConversationRoster"))
    teams.connector.script(blocked_chat, 403)  # blocked: installing again would not help
    installer = Installer("19:reinstalled@unq.gbl.spaces")

    stats = await teams.sender(installer=installer).run_until_idle()

    assert (stats.sent, stats.failed) == (1, 1)
    assert installer.asked == [(s.owner.entra_object_id, TENANT_ID)]
    assert len(teams.connector.messages_to("19:reinstalled@unq.gbl.spaces")) == 1
    async with teams.sessions() as fresh:
        reference = await conversations.personal_reference(fresh, s.owner.id)
    assert reference is not None and reference.conversation_id == "19:reinstalled@unq.gbl.spaces"
    failed = await outbox.failed_jobs(session, s.round.id)
    assert [(f.person_name, f.last_status) for f in failed] == [("Cecilia Berg", 403)]


async def test_two_senders_on_one_database_never_send_a_card_twice(
    session: AsyncSession, teams: Teams
) -> None:
    many = await round_with_owners(session, 60)
    for owner in many.owners[::2]:
        await remember_chat(session, owner, teams.service_url)
    await rounds.open_round(session, many.round, now=NOW, actor="admin")
    await session.commit()

    first, second = await asyncio.gather(
        teams.sender().run_until_idle(), teams.sender().run_until_idle()
    )

    delivered = Counter(d.conversation_id for d in teams.connector.delivered)
    assert len(delivered) == 60 and set(delivered.values()) == {1}
    assert first.sent + second.sent == 60
    print(f"\ntwo senders in one process: {first.sent} + {second.sent} cards, no duplicates")


async def test_after_a_long_wait_a_sender_posts_only_if_the_job_is_still_its_own(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    sender = teams.sender(lease_seconds=30)
    kept, taken_over = await sender.claim(2)
    for job_id in (kept, taken_over):
        sender._lease_taken[job_id] = time.monotonic() - 60  # waited past a third of the lease
    async with teams.sessions() as other, other.begin():
        job = await other.get(OutboxJob, taken_over)
        assert job is not None
        job.lease_owner = "sender-elsewhere"  # the lease ran out and another sender took it

    await sender._keep_lease(kept)
    with pytest.raises(LeaseLost):
        await sender._keep_lease(taken_over)

    async with teams.sessions() as fresh:
        renewed = await fresh.get(OutboxJob, kept)
    assert renewed is not None and renewed.lease_until is not None
    assert renewed.lease_until > datetime.now(UTC) + timedelta(seconds=20)


async def test_messages_to_one_chat_are_spaced_to_its_own_limit(
    session: AsyncSession, teams: Teams
) -> None:
    s = await open_round(session)
    chat = await remember_chat(session, s.owner, teams.service_url)
    for n in range(3):
        await outbox.enqueue(
            session,
            kind=OutboxKind.NOTICE,
            dedupe_key=f"notice:{n}",
            tenant_id=TENANT_ID,
            person_id=s.owner.id,
            conversation_id=chat,
            payload={"text": f"Meddelande {n}"},
            now=NOW,
        )
    await session.commit()
    teams.connector.conversation_limit = 1  # one message per second in this chat

    stats = await teams.sender(conversation_interval_seconds=1.05).run_until_idle()

    assert stats.sent == 3 and teams.connector.throttled == 0
    assert sorted(d.body["text"] for d in teams.connector.messages_to(chat)) == [
        "Meddelande 0",
        "Meddelande 1",
        "Meddelande 2",
    ]


async def test_a_post_that_outlasts_its_lease_is_not_posted_again_by_the_same_sender(
    session: AsyncSession, teams: Teams
) -> None:
    """A starved process can see its own job's lease run out while the post is still under
    way; the job is then claimable again, but this sender must not post it a second time."""
    s = await open_round(session, state=RoundState.SCHEDULED)
    known = await remember_chat(session, s.owner, teams.service_url)
    other = await remember_chat(session, s.other, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    teams.connector.latency_seconds = 0.6  # each answer comes back after the lease ran out

    stats = await teams.sender(lease_seconds=0.2, timeout_seconds=2).run_until_idle(
        timeout_seconds=30
    )

    assert stats.sent == 2
    assert len(teams.connector.messages_to(known)) == 1
    assert len(teams.connector.messages_to(other)) == 1
