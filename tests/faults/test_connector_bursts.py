"""A round fans out to 200 owners while the Bot Connector keeps misbehaving in bursts:
429 with Retry-After, 429 without, 500, 502, 503 and calls that hang past the sender's
timeout, one burst after another with normal traffic in between. A few owners cannot be
reached at all (blocked the bot, app not installed, a chat that keeps answering 500).

Every job must end sent (its card delivered exactly once, as the connector saw it) or
failed with the reason and last status stored; none stays pending or in flight.
tests/rounds/test_sender.py covers each fault on its own for a handful of owners.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

import aiohttp
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery.connector import AiohttpBotConnector
from services.delivery.installer import NoInstaller
from services.delivery.sender import Sender
from services.followup import rounds
from storage.models import OutboxJob, OutboxState, Person, ReportRequest
from tests.factories import NOW, TENANT_ID
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector, Scripted
from tests.rounds.builders import remember_chat, round_with_owners
from tests.rounds.conftest import FAST

OWNERS = 200
MAX_ATTEMPTS = 10
SETTINGS = replace(
    FAST,
    max_attempts=MAX_ATTEMPTS,
    timeout_seconds=0.4,
    backoff_base_seconds=0.05,
    backoff_max_seconds=0.4,
)
# (name, scripted answer, how many in a row); the bursts follow each other twice.
BURSTS: list[tuple[str, Scripted, int]] = [
    ("429 Retry-After 0.2 s", (429, 0.2), 8),
    ("500", 500, 6),
    ("429 without Retry-After", 429, 8),
    ("timeout", "timeout", 4),
    ("502", 502, 6),
    ("503", 503, 6),
]


@dataclass
class Connector:
    fake: BotConnector
    service_url: str
    http: aiohttp.ClientSession


@pytest_asyncio.fixture(loop_scope="session")
async def connector() -> AsyncIterator[Connector]:
    fake = BotConnector(hang_seconds=1.0)  # hangs well past the sender's timeout
    server = await bot_connector.start(fake)
    async with aiohttp.ClientSession() as http:
        yield Connector(fake, str(server.make_url("")).rstrip("/") + "/", http)
    await server.close()


async def inject_bursts(fake: BotConnector, served: Counter[str], done: asyncio.Event) -> None:
    """Each burst hits whatever calls come next; then normal traffic for a moment. Stops
    when the sender is done; `served` counts the faulty answers actually given."""
    for _ in range(2):
        for name, answer, count in BURSTS:
            fake.script("*", *([answer] * count))
            while fake.scripted_left("*") and not done.is_set():  # noqa: ASYNC110 (polls the fake)
                await asyncio.sleep(0.01)
            served[name] += count - fake.scripted_left("*")
            if done.is_set():
                return
            await asyncio.sleep(0.15)


async def test_fault_bursts_end_in_delivered_once_or_failed_with_a_reason(
    session_factory: async_sessionmaker[AsyncSession],
    connector: Connector,
    figures: Callable[[str], None],
) -> None:
    fake = connector.fake
    chats: dict[int, str] = {}
    async with session_factory() as session:
        many = await round_with_owners(session, OWNERS)
        # Two in three owners talked to the bot before; the rest get a new 1:1 chat.
        for n, owner in enumerate(many.owners):
            if n % 3:
                chats[owner.id] = await remember_chat(session, owner, connector.service_url)
        await rounds.open_round(session, many.round, now=NOW, actor="admin")
        await session.commit()
        round_id = many.round.id
    with_chat = [o for o in many.owners if o.id in chats]
    without_chat = [o for o in many.owners if o.id not in chats]
    blocked, broken = with_chat[:2], with_chat[2:4]
    uninstalled = without_chat[:2]
    for owner in blocked:
        fake.script(chats[owner.id], 403)
    for owner in broken:
        fake.script(chats[owner.id], *([500] * MAX_ATTEMPTS))
    for owner in uninstalled:
        assert owner.entra_object_id is not None
        fake.not_installed.add(owner.entra_object_id)
    expected_failures = {o.id for o in blocked + broken + uninstalled}

    sender = Sender(
        session_factory,
        AiohttpBotConnector(connector.http, None, timeout_seconds=SETTINGS.timeout_seconds),
        replace(SETTINGS, service_url=connector.service_url),
        app_id="bot-app",
        default_tenant=TENANT_ID,
        installer=NoInstaller(),
        rng=random.Random(7),
    )
    served: Counter[str] = Counter()
    done = asyncio.Event()
    faults = asyncio.create_task(inject_bursts(fake, served, done))
    try:
        stats = await sender.run_until_idle(timeout_seconds=120)
    finally:
        done.set()
        await faults

    async with session_factory() as session:
        jobs = list(
            (await session.execute(select(OutboxJob).where(OutboxJob.round_id == round_id)))
            .scalars()
            .all()
        )
        requests = {
            r.person_id: r
            for r in (
                await session.execute(
                    select(ReportRequest).where(ReportRequest.round_id == round_id)
                )
            ).scalars()
        }
        people = {
            p.id: p
            for p in (
                await session.execute(select(Person).where(Person.id.in_(requests)))
            ).scalars()
        }
    states = Counter(str(j.state) for j in jobs)
    delivered = Counter(d.conversation_id for d in fake.delivered if d.method == "POST")
    sent = [j for j in jobs if j.state == OutboxState.SENT]
    failed = [j for j in jobs if j.state == OutboxState.FAILED]
    reached: Counter[int] = Counter()
    for job in sent:
        assert job.person_id is not None
        conversation = requests[job.person_id].conversation_id
        assert conversation is not None
        reached[delivered[conversation]] += 1
    failed_reached = 0
    for job in failed:
        assert job.person_id is not None
        person = people[job.person_id]
        chat = chats.get(person.id) or fake._member_conversations.get(
            (TENANT_ID, str(person.entra_object_id))
        )
        failed_reached += delivered[chat] if chat else 0
    by_reason = Counter(
        f"{j.last_status} {(j.last_error or '').split(':')[0][:40]}" for j in failed
    )
    call_statuses = Counter(c.status for c in fake.calls)
    figures(
        f"{len(jobs)} jobs: {states['sent']} sent (each delivered exactly once: "
        f"{reached[1] == len(sent)}), {states['failed']} failed with a reason "
        f"({dict(by_reason)}), {states['pending'] + states['in_flight']} left pending/in flight;"
        f" faults served {dict(served)} plus 2 blocked, 2 not installed, 2 always 500; "
        f"connector answers {dict(sorted(call_statuses.items()))}; sender retried "
        f"{stats.retried}, throttled {stats.throttled}"
    )
    assert len(jobs) == OWNERS
    # Every kind of fault was served to the sender at least in one burst.
    assert set(served) == {name for name, _, _ in BURSTS} and min(served.values()) > 0
    # Nothing left behind, nothing silently dropped.
    assert set(states) <= {"sent", "failed"}, states
    assert len(sent) + len(failed) == OWNERS
    assert all(j.last_error and j.last_status for j in failed)
    # Every sent card reached its owner exactly once; no failed job's card got through.
    assert reached == Counter({1: len(sent)})
    assert sum(delivered.values()) == len(sent)
    assert failed_reached == 0
    # The owners who cannot be reached failed for their own reason; nobody else did.
    assert {j.person_id for j in failed} == expected_failures
    failed_by_person = {j.person_id: j for j in failed}
    for owner in blocked:
        job = failed_by_person[owner.id]
        assert job.last_status == 403 and "blocked" in (job.last_error or "")
    for owner in uninstalled:
        job = failed_by_person[owner.id]
        assert job.last_status == 403 and "not installed" in (job.last_error or "")
    for owner in broken:
        job = failed_by_person[owner.id]
        assert job.last_status == 500 and (job.last_error or "").startswith("gave up after")
