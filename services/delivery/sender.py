"""The outbox sender: delivers outbox jobs to Teams through the Bot Connector, paced to the
per-tenant and per-conversation limits, with retries and a bounded number of attempts.

For each job:

1. claim (storage.outbox.claim): IN_FLIGHT with a lease, committed BEFORE any HTTP call;
2. render the card from what is stored now (request/closed: the status card; reminder;
   escalation; or a prebuilt ``payload["card"]``), find the conversation (stored reference,
   or ``POST v3/conversations``; if the app is not installed for the person, the
   ProactiveInstaller), wait for the pacer, post (or PUT for UPDATE jobs);
3. commit the outcome immediately, with the request row (sent_at, conversation_id,
   card_activity_id) in the same transaction: SENT; or PENDING again with ``not_before`` set
   by Retry-After (429) or exponential backoff with full jitter (412, 5xx, timeouts, network
   errors); or FAILED with the status and the reason (403 blocked/not installed, other 4xx,
   or attempts used up).

Crash window, stated plainly: if the process dies after the Bot Connector accepted a message
and before step 3 committed, the job is still IN_FLIGHT; when its lease expires another sender
(or this one, restarted) sends it again. Only the jobs in flight at the moment of the crash can
be duplicated this way; every other job is either SENT (never sent again) or not yet posted.
The Bot Connector offers no idempotency key that would close this window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery import digest_posting, fanout, render
from services.delivery.connector import BotConnectorApi, ConnectorError
from services.delivery.installer import NoInstaller, ProactiveInstaller
from services.delivery.pacing import SendPacer
from services.platform import log_context
from services.platform.worker_settings import WorkerSettings
from services.standins import substitutes
from storage import conversations, outbox
from storage.models import (
    ConversationKind,
    ConversationReference,
    OutboxJob,
    OutboxKind,
    OutboxOperation,
    OutboxState,
    Person,
    ReportingRound,
    ReportRequest,
    RoundState,
    WorkerHeartbeat,
)

log = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
RETRYABLE_STATUSES = frozenset({401, 408, 412, 429, 500, 502, 503, 504})
NOT_INSTALLED_STATUSES = frozenset({403, 404})
PERSONAL_KINDS = frozenset(
    {OutboxKind.REQUEST, OutboxKind.REMINDER, OutboxKind.ESCALATION, OutboxKind.ROUND_CLOSED}
)
# One SQLite database is served by one process; its sender(s) claim one after another.
_SQLITE_CLAIMS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _sqlite_claims() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _SQLITE_CLAIMS.get(loop)
    if lock is None:
        lock = _SQLITE_CLAIMS[loop] = asyncio.Lock()
    return lock


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_worker_id(role: str) -> str:
    return f"{role}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class LeaseLost(Exception):
    """Another sender took the job over; this one must not post it."""


class Undeliverable(Exception):
    """The job cannot be delivered and retrying will not help."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def failure_reason(error: ConnectorError) -> str:
    """What an admin reads next to a failed job."""
    if error.status == 403:
        return (
            f"{error}: the person blocked the bot, removed the app, or the app is not "
            "allowed for them (Bot Connector 403)"
        )
    if error.status == 404:
        return f"{error}: the conversation no longer exists (Bot Connector 404)"
    return str(error)


@dataclass(frozen=True)
class Delivery:
    job_id: int
    kind: OutboxKind
    operation: OutboxOperation
    tenant_id: str
    service_url: str
    conversation_id: str | None
    activity_id: str | None
    person_id: int | None
    member_id: str | None  # for creating the 1:1 conversation
    user_object_id: str | None
    activity: dict[str, Any]
    escalated_request_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Destination:
    """Where a job is posted, as far as the store knows before posting."""

    reference: ConversationReference | None
    conversation_id: str | None
    service_url: str
    tenant_id: str


@dataclass(frozen=True)
class _Content:
    """What a job posts: a card, a text, or both."""

    card: dict[str, Any] | None
    text: str | None
    # Escalations: the requests whose owners the card names.
    escalated_request_ids: tuple[int, ...] = ()


async def _content(
    session: AsyncSession, job: OutboxJob, now: datetime, viewer: Person | None = None
) -> _Content | str:
    """The job's prebuilt card, else its card rendered as of ``now``, and its text; a string
    is the reason the job is cancelled instead."""
    card: dict[str, Any] | None = None
    escalated: tuple[int, ...] = ()
    payload_card = job.payload.get("card") if isinstance(job.payload, dict) else None
    if isinstance(payload_card, dict):
        card = payload_card
    else:
        rendered = await render.render_job(session, job, now, viewer)
        if rendered is not None:
            if rendered.card is None:
                return rendered.cancel_reason or "nothing to send"
            card, escalated = rendered.card, rendered.request_ids
    text = job.payload.get("text") if isinstance(job.payload, dict) else None
    if card is None and not isinstance(text, str):
        raise Undeliverable(None, "the job has neither a card nor a text")
    return _Content(card, text if isinstance(text, str) else None, escalated)


STANDS_IN_FOR: Final = (OutboxKind.REQUEST, OutboxKind.REMINDER, OutboxKind.ESCALATION)


async def _recipient(
    session: AsyncSession, job: OutboxJob, person: Person | None, now: datetime
) -> Person | None:
    """Who gets a new card, reminder or escalation meant for ``person``: their substitute
    while they are away (services.standins), else they themselves. Updates of posted cards
    go where the card is."""
    if (
        person is None
        or job.kind not in STANDS_IN_FOR
        or job.operation != OutboxOperation.SEND
        or job.conversation_id is not None
    ):
        return person
    return await substitutes.stand_in_for(session, person, now) or person


def _activity(job: OutboxJob, tenant_id: str, content: _Content) -> dict[str, Any]:
    """The Bot Connector activity carrying the content."""
    channel_data: dict[str, Any] = {"tenant": {"id": tenant_id}}
    if job.kind in PERSONAL_KINDS and job.operation == OutboxOperation.SEND:
        # Proactive 1:1 messages also show in the person's activity feed.
        channel_data["notification"] = {"alert": True}
    activity: dict[str, Any] = {"type": "message", "channelData": channel_data}
    if content.text is not None:
        activity["text"] = content.text
    if content.card is not None:
        activity["attachments"] = [{"contentType": ADAPTIVE_CARD, "content": content.card}]
    return activity


def _member_id(reference: ConversationReference | None) -> str | None:
    """The Teams user id the stored reference names, if any."""
    if reference is not None and isinstance(reference.reference, dict):
        user = reference.reference.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            return str(user["id"])
    return None


@dataclass
class SenderStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    throttled: int = 0


@dataclass
class Sender:
    sessions: async_sessionmaker[AsyncSession]
    connector: BotConnectorApi
    settings: WorkerSettings
    app_id: str = ""
    default_tenant: str = ""
    installer: ProactiveInstaller = field(default_factory=NoInstaller)
    clock: Clock = utc_now
    worker_id: str = field(default_factory=lambda: new_worker_id("sender"))
    rng: random.Random = field(default_factory=random.Random)
    pacer: SendPacer | None = None
    stats: SenderStats = field(default_factory=SenderStats)
    _started_http: set[int] = field(default_factory=set)
    # Jobs this process is delivering now, and when it last took or renewed each lease. A
    # job whose post outlasts its lease becomes claimable again, by this process too; it
    # must not be posted twice here.
    _lease_taken: dict[int, float] = field(default_factory=dict)
    _rendering: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))
    _started_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.pacer is None:
            self.pacer = SendPacer(
                tenant_rate=self.settings.effective_rate,
                conversation_interval=self.settings.conversation_interval_seconds,
                tenant_rates=dict(self.settings.tenant_send_rates),
            )

    @property
    def _pacer(self) -> SendPacer:
        assert self.pacer is not None
        return self.pacer

    @property
    def bot_id(self) -> str:
        return f"28:{self.app_id}" if self.app_id else "28:lagesbot"

    @property
    def window(self) -> int:
        """How many jobs this sender holds at once: about two seconds of sending, claimed
        again once a quarter is free. Enough that the next claim's cards are loaded and
        rendered before the jobs already waiting for the pacer run out (with one second, a
        busy process sometimes had nothing ready), few enough that leases stay short and a
        crash strands few jobs."""
        rate = self._pacer.rate_for(self.default_tenant)
        return max(4, int(2 * rate))

    # The loop ---------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        tasks: set[asyncio.Task[None]] = set()
        last_beat = float("-inf")
        poll = self.settings.sender_poll_seconds
        try:
            while not stop.is_set():
                if time.monotonic() - last_beat >= self.settings.heartbeat_seconds:
                    with contextlib.suppress(Exception):
                        await self.heartbeat()
                    last_beat = time.monotonic()
                room = self.window - len(tasks)
                claimed: list[int] = []
                if room >= max(1, self.window // 4) or not tasks:
                    try:
                        claimed = await self.claim(room)
                    except Exception:  # the store may be briefly away; try again later
                        log.exception("claiming outbox jobs failed")
                for job_id in claimed:
                    if job_id in self._lease_taken:
                        # Its post outlasted the lease and the job came back claimable; it
                        # is still being posted here, and that task stores the outcome.
                        continue
                    self._lease_taken[job_id] = time.monotonic()
                    tasks.add(asyncio.create_task(self.deliver(job_id)))
                if not tasks:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=poll)
                    continue
                _done, tasks = await asyncio.wait(
                    tasks, timeout=poll, return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            await self._shutdown(tasks)

    async def _shutdown(self, tasks: set[asyncio.Task[None]]) -> None:
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=self.settings.timeout_seconds + 5)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        # Jobs that never reached the Bot Connector go back to the queue at once; a job whose
        # call was cut off stays IN_FLIGHT until its lease expires (it may have been posted).
        with contextlib.suppress(Exception):
            async with self.sessions() as session, session.begin():
                query = select(OutboxJob).where(
                    OutboxJob.state == OutboxState.IN_FLIGHT,
                    OutboxJob.lease_owner == self.worker_id,
                )
                for job in (await session.execute(query)).scalars():
                    if job.id not in self._started_http:
                        job.state = OutboxState.PENDING
                        job.lease_owner = None
                        job.lease_until = None
                        job.attempts = max(0, job.attempts - 1)

    async def run_until_idle(self, *, timeout_seconds: float = 120.0) -> SenderStats:
        """Send until no job is pending or in flight (tests, CLI)."""
        stop = asyncio.Event()
        runner = asyncio.create_task(self.run(stop))
        deadline = time.monotonic() + timeout_seconds
        try:
            while await self.unfinished() > 0:
                if runner.done():
                    runner.result()
                if time.monotonic() > deadline:
                    raise TimeoutError("the outbox did not drain")
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await runner
        return self.stats

    async def unfinished(self) -> int:
        async with self.sessions() as session:
            query = select(func.count()).where(
                OutboxJob.state.in_([OutboxState.PENDING, OutboxState.IN_FLIGHT])
            )
            return int(await session.scalar(query) or 0)

    async def heartbeat(self) -> None:
        now = self.clock()
        self._started_at = self._started_at or now
        async with self.sessions() as session, session.begin():
            await write_heartbeat(
                session,
                worker_id=self.worker_id,
                role="sender",
                now=now,
                started_at=self._started_at,
                details={"pid": os.getpid(), **self.stats.__dict__},
            )
            fresh = now - timedelta(seconds=3 * self.settings.heartbeat_seconds)
            live = await session.scalar(
                select(func.count()).where(
                    WorkerHeartbeat.role == "sender", WorkerHeartbeat.heartbeat_at >= fresh
                )
            )
        self._pacer.set_share(int(live or 1))

    async def claim(self, limit: int) -> list[int]:
        if limit <= 0:
            return []
        now = self.clock()
        lease = timedelta(seconds=self.settings.lease_seconds)
        async with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                async with session.begin():
                    jobs = await outbox.claim(
                        session, owner=self.worker_id, now=now, lease=lease, limit=limit
                    )
                    return [job.id for job in jobs]
            async with _sqlite_claims(), session.begin():
                jobs = await outbox.claim(
                    session, owner=self.worker_id, now=now, lease=lease, limit=limit
                )
                return [job.id for job in jobs]

    # One job ----------------------------------------------------------------------------
    async def deliver(self, job_id: int) -> None:
        try:
            await self._deliver(job_id)
        except Exception:  # keep the loop alive; the lease returns the job to the queue
            log.exception("delivering outbox job %s failed unexpectedly", job_id)
            return
        finally:
            self._lease_taken.pop(job_id, None)
        # Only a delivery that ran to its end forgets the job: one cut off (cancelled, or
        # its outcome not stored) may have been posted, so shutdown must not requeue it.
        self._started_http.discard(job_id)

    async def _deliver(self, job_id: int) -> None:
        # Runs in the job's own task: every log line of this delivery names the job.
        log_context.bind(outbox_job_id=job_id)
        # Rendering waits for a slot, so storing the outcome of messages already posted never
        # queues behind a crowd of cards being rendered: that keeps the crash window short.
        async with self._rendering:
            prepared = await self._load_and_prepare(job_id)
        if prepared is None:
            return
        if isinstance(prepared, Undeliverable):
            await self._record_failed(job_id, prepared.status, prepared.reason)
            return
        if isinstance(prepared, str):
            await self._record_cancelled(job_id, prepared)
            return
        conversation_id = prepared.conversation_id
        service_url = prepared.service_url
        try:
            if conversation_id is None:
                conversation_id = await self._open_conversation(prepared)
                service_url = await self._service_url_of(conversation_id, service_url)
            try:
                activity_id = await self._post(job_id, prepared, service_url, conversation_id)
            except ConnectorError as error:
                if not self._app_was_removed(prepared, error):
                    raise
                # The person removed the app: install it again (when Graph is configured)
                # and post to the chat that gives.
                conversation_id = await self._reinstall(prepared, error, conversation_id)
                service_url = self.settings.service_url
                activity_id = await self._post(job_id, prepared, service_url, conversation_id)
        except LeaseLost:
            log.warning("outbox job %s: lease lost while waiting; not posted here", job_id)
            return
        except Undeliverable as exc:
            await self._record_failed(job_id, exc.status, exc.reason)
            return
        except ConnectorError as error:
            await self._record_error(job_id, prepared, error)
            return
        await self._record_sent(job_id, prepared, conversation_id, activity_id)

    async def _post(
        self, job_id: int, delivery: Delivery, service_url: str, conversation_id: str
    ) -> str | None:
        ticket = await self._pacer.acquire(delivery.tenant_id, conversation_id)
        try:
            await self._keep_lease(job_id)
            self._started_http.add(job_id)
            if delivery.operation == OutboxOperation.UPDATE:
                assert delivery.activity_id is not None
                await self.connector.update_activity(
                    service_url, conversation_id, delivery.activity_id, delivery.activity
                )
                return delivery.activity_id
            return await self.connector.send_activity(
                service_url, conversation_id, delivery.activity
            )
        finally:
            ticket.done()

    async def _keep_lease(self, job_id: int) -> None:
        """After a long wait (a long Retry-After pause), make sure the job is still ours and
        extend its lease before posting: another sender may take over a job whose lease ran
        out, and both would post it."""
        taken = self._lease_taken.get(job_id, time.monotonic())
        if time.monotonic() - taken < self.settings.lease_seconds / 3:
            return
        now = self.clock()
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(OutboxJob)
                .where(
                    OutboxJob.id == job_id,
                    OutboxJob.state == OutboxState.IN_FLIGHT,
                    OutboxJob.lease_owner == self.worker_id,
                )
                .values(lease_until=now + timedelta(seconds=self.settings.lease_seconds))
            )
        if getattr(result, "rowcount", 0) != 1:
            raise LeaseLost(job_id)
        self._lease_taken[job_id] = time.monotonic()

    async def _service_url_of(self, conversation_id: str, fallback: str) -> str:
        async with self.sessions() as session:
            reference = await conversations.by_conversation_id(session, conversation_id)
        return reference.service_url if reference is not None else fallback

    def _app_was_removed(self, delivery: Delivery, error: ConnectorError) -> bool:
        """A 1:1 message refused because the bot is no longer in the chat (not because the
        person blocked it) may reach them again through a fresh installation."""
        return (
            delivery.operation == OutboxOperation.SEND
            and delivery.kind in PERSONAL_KINDS
            and delivery.user_object_id is not None
            and error.status in NOT_INSTALLED_STATUSES
            and error.code != "ConversationBlockedByUser"
            and not isinstance(self.installer, NoInstaller)
        )

    async def _reinstall(self, delivery: Delivery, error: ConnectorError, old_chat: str) -> str:
        assert delivery.user_object_id is not None
        try:
            chat_id = await self.installer.ensure_installed(
                delivery.user_object_id, delivery.tenant_id
            )
        except Exception as exc:  # Graph failures are worth another attempt later
            raise ConnectorError(
                status=None, message=f"proactive install failed: {type(exc).__name__}: {exc}"
            ) from exc
        if chat_id is None or chat_id == old_chat:
            raise Undeliverable(error.status, failure_reason(error))
        await self._remember_conversation(delivery, chat_id, self.settings.service_url)
        return chat_id

    async def _load_and_prepare(self, job_id: int) -> Delivery | str | Undeliverable | None:
        """The job's delivery, a reason to cancel it, a reason it failed, or None when this
        sender no longer holds it."""
        now = self.clock()
        async with self.sessions() as session:
            job = await session.get(OutboxJob, job_id)
            if job is None or job.state != OutboxState.IN_FLIGHT:
                return None
            if job.lease_owner != self.worker_id:
                return None
            log_context.bind(round_id=job.round_id)
            if job.attempts > self.settings.max_attempts:
                return Undeliverable(
                    job.last_status,
                    f"gave up after {job.attempts - 1} attempts: "
                    f"{job.last_error or 'the sender stopped during delivery'}",
                )
            try:
                return await self._prepare(session, job, now)
            except Undeliverable as exc:
                return exc

    async def _prepare(
        self, session: AsyncSession, job: OutboxJob, now: datetime
    ) -> Delivery | str:
        """What to post where; a string is the reason the job is cancelled instead."""
        person = None if job.person_id is None else await session.get(Person, job.person_id)
        leaver = person is not None and (not person.active or person.erased_at is not None)
        if leaver and job.kind in (OutboxKind.REQUEST, OutboxKind.REMINDER, OutboxKind.ESCALATION):
            return "the person has left or was erased"
        recipient = await _recipient(session, job, person, now)
        destination = await self._destination(session, job, recipient)
        if isinstance(destination, str):
            return destination
        content = await _content(session, job, now, None if recipient is person else recipient)
        if isinstance(content, str):
            return content
        activity = _activity(job, destination.tenant_id, content)
        if job.operation == OutboxOperation.UPDATE and (
            job.activity_id is None or destination.conversation_id is None
        ):
            raise Undeliverable(None, "an update needs the posted activity and its conversation")
        member_id = _member_id(destination.reference)
        user_object_id = recipient.entra_object_id if recipient is not None else None
        return Delivery(
            job_id=job.id,
            kind=job.kind,
            operation=job.operation,
            tenant_id=destination.tenant_id,
            service_url=destination.service_url,
            conversation_id=destination.conversation_id,
            activity_id=job.activity_id,
            person_id=None if recipient is None else recipient.id,
            member_id=member_id or user_object_id,
            user_object_id=user_object_id,
            activity=activity,
            escalated_request_ids=content.escalated_request_ids,
        )

    async def _destination(
        self, session: AsyncSession, job: OutboxJob, person: Person | None
    ) -> _Destination | str:
        """Where the job goes: its own conversation, else the person's 1:1 chat; a string is
        the reason the job is cancelled instead."""
        reference = None
        if job.conversation_id is not None:
            reference = await conversations.by_conversation_id(session, job.conversation_id)
        elif person is not None:
            reference = await conversations.personal_reference(session, person.id)
        elif job.kind in PERSONAL_KINDS:
            return "no person to send to"
        else:
            raise Undeliverable(None, "the job names no conversation and no person")
        conversation_id = job.conversation_id or (reference.conversation_id if reference else None)
        service_url = reference.service_url if reference else self.settings.service_url
        tenant = job.tenant_id or (reference.tenant_id if reference else None)
        tenant = tenant or self.default_tenant or "default"
        return _Destination(reference, conversation_id, service_url, tenant)

    async def _open_conversation(self, delivery: Delivery) -> str:
        """The 1:1 chat with the person: created through the Bot Connector, or, when the app is
        not installed for them, through the ProactiveInstaller (Graph)."""
        if delivery.member_id is None or delivery.person_id is None:
            raise Undeliverable(None, "the person has no Entra object id to reach them by")
        ticket = await self._pacer.acquire(delivery.tenant_id, None)
        service_url = delivery.service_url
        try:
            try:
                conversation_id = await self.connector.create_conversation(
                    service_url,
                    tenant_id=delivery.tenant_id,
                    member_id=delivery.member_id,
                    bot_id=self.bot_id,
                )
            finally:
                ticket.done()
        except ConnectorError as error:
            if error.status not in NOT_INSTALLED_STATUSES:
                raise
            if delivery.user_object_id is None:
                raise Undeliverable(error.status, failure_reason(error)) from error
            try:
                chat_id = await self.installer.ensure_installed(
                    delivery.user_object_id, delivery.tenant_id
                )
            except Exception as exc:  # Graph failures are worth another attempt later
                raise ConnectorError(
                    status=None, message=f"proactive install failed: {type(exc).__name__}: {exc}"
                ) from exc
            if chat_id is None:
                raise Undeliverable(
                    error.status,
                    f"{error}: the app is not installed for the person and could not be "
                    "installed for them (no proactive install configured or allowed)",
                ) from error
            conversation_id = chat_id
            service_url = self.settings.service_url
        await self._remember_conversation(delivery, conversation_id, service_url)
        return conversation_id

    async def _remember_conversation(
        self, delivery: Delivery, conversation_id: str, service_url: str
    ) -> None:
        reference = {
            "serviceUrl": service_url,
            "channelId": "msteams",
            "conversation": {
                "id": conversation_id,
                "conversationType": "personal",
                "tenantId": delivery.tenant_id,
            },
            "bot": {"id": self.bot_id},
            "user": {"id": delivery.member_id, "aadObjectId": delivery.user_object_id},
        }
        try:
            async with self.sessions() as session, session.begin():
                await conversations.upsert(
                    session,
                    conversation_id=conversation_id,
                    kind=ConversationKind.PERSONAL,
                    service_url=service_url,
                    reference=reference,
                    now=self.clock(),
                    person_id=delivery.person_id,
                    user_aad_object_id=delivery.user_object_id,
                    tenant_id=delivery.tenant_id,
                    bot_id=self.bot_id,
                )
                job = await session.get(OutboxJob, delivery.job_id)
                if job is not None:
                    job.conversation_id = conversation_id
        except IntegrityError:
            # Another job for the same person stored the same conversation a moment earlier.
            log.debug("conversation %s already remembered", conversation_id)

    # Outcomes ---------------------------------------------------------------------------
    async def _held_job(self, session: AsyncSession, job_id: int) -> OutboxJob | None:
        job = await session.get(OutboxJob, job_id)
        if job is None:
            return None
        if job.lease_owner != self.worker_id:
            # The lease ran out while this sender worked and another sender took the job.
            log.warning("outbox job %s: lease lost to %s", job_id, job.lease_owner)
        return job

    async def _record_sent(
        self,
        job_id: int,
        delivery: Delivery,
        conversation_id: str,
        activity_id: str | None,
    ) -> None:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            job = await self._held_job(session, job_id)
            if job is None:
                return
            outbox.mark_sent(job, now=now, status=200, activity_id=activity_id)
            job.conversation_id = conversation_id
            request = (
                None if job.request_id is None else await session.get(ReportRequest, job.request_id)
            )
            if job.kind == OutboxKind.REQUEST and request is not None:
                request.sent_at = now
                request.conversation_id = conversation_id
                request.card_activity_id = activity_id
                rnd = await session.get(ReportingRound, request.round_id)
                if rnd is not None and rnd.state == RoundState.CLOSED:
                    # The round closed while this card was on its way: close it too.
                    await session.flush()
                    await fanout.enqueue_closed_update(session, request, now)
            elif job.kind == OutboxKind.REMINDER and request is not None:
                request.last_reminder_at = now
            elif job.kind == OutboxKind.ESCALATION:
                for request_id in delivery.escalated_request_ids:
                    escalated = await session.get(ReportRequest, request_id)
                    if escalated is not None and escalated.escalated_at is None:
                        escalated.escalated_at = now
            elif job.kind == OutboxKind.DIGEST:
                await session.flush()
                await digest_posting.on_digest_sent(session, job, now)
        self.stats.sent += 1

    async def _record_error(self, job_id: int, delivery: Delivery, error: ConnectorError) -> None:
        now = self.clock()
        status = error.status
        retryable = status is None or status in RETRYABLE_STATUSES
        async with self.sessions() as session, session.begin():
            job = await self._held_job(session, job_id)
            if job is None or job.state != OutboxState.IN_FLIGHT:
                return
            if status == 404 and await digest_posting.on_digest_gone(session, job, now):
                self.stats.retried += 1  # the digest was deleted in Teams: posted afresh
                return
            if not retryable:
                outbox.mark_failed(job, status=status, error=failure_reason(error))
                self.stats.failed += 1
                log.warning("outbox job %s failed: %s", job_id, error)
                return
            if job.attempts >= self.settings.max_attempts:
                outbox.mark_failed(
                    job, status=status, error=f"gave up after {job.attempts} attempts: {error}"
                )
                self.stats.failed += 1
                log.warning("outbox job %s gave up: %s", job_id, error)
                return
            if status == 429:
                self.stats.throttled += 1
            if status == 429 and error.retry_after is not None:
                delay = error.retry_after
            else:
                delay = self.backoff(job.attempts)
            if status == 429:
                self._pacer.pause(delivery.tenant_id, delay)
            outbox.mark_retry(
                job, at=now + timedelta(seconds=delay), status=status, error=str(error)
            )
            self.stats.retried += 1

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform(0, min(max, base * 2^(attempt-1)))."""
        ceiling = min(
            self.settings.backoff_max_seconds,
            self.settings.backoff_base_seconds * (2 ** max(0, attempt - 1)),
        )
        return self.rng.uniform(0, ceiling)

    async def _record_failed(self, job_id: int, status: int | None, reason: str) -> None:
        async with self.sessions() as session, session.begin():
            job = await self._held_job(session, job_id)
            if job is None or job.state != OutboxState.IN_FLIGHT:
                return
            outbox.mark_failed(job, status=status, error=reason)
        self.stats.failed += 1
        log.warning("outbox job %s failed: %s", job_id, reason)

    async def _record_cancelled(self, job_id: int, reason: str) -> None:
        async with self.sessions() as session, session.begin():
            job = await self._held_job(session, job_id)
            if job is None or job.state != OutboxState.IN_FLIGHT:
                return
            outbox.mark_cancelled(job, reason=reason)
        self.stats.cancelled += 1


async def write_heartbeat(
    session: AsyncSession,
    *,
    worker_id: str,
    role: str,
    now: datetime,
    started_at: datetime,
    details: dict[str, Any],
) -> None:
    row = await session.get(WorkerHeartbeat, worker_id)
    if row is None:
        session.add(
            WorkerHeartbeat(
                worker_id=worker_id,
                role=role,
                started_at=started_at,
                heartbeat_at=now,
                details=details,
            )
        )
    else:
        row.heartbeat_at = now
        row.details = details
