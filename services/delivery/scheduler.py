"""The in-process scheduler of `lagesbot serve`: no cron needed.

Each tick (every ``scheduler_interval_seconds``):
1. opens SCHEDULED rounds whose ``opens_at`` has passed (writing their request jobs);
2. writes due reminder jobs (services/followup/reminders.py);
3. writes due escalation jobs (services/followup/escalation.py);
4. when Microsoft Graph is configured (services/graph/jobs.py), publishes closed rounds on the
   intranet that are not published yet;
5. writes due steering-group digest jobs (services/delivery/digest_posting.py);
6. refreshes this worker's heartbeat;
7. when Graph is configured, runs the people sync if it is due.

Between 1 and 2, each configured data warehouse is pulled when due; a failed pull is told to
the admins in Teams (services/delivery/pull_notices.py).

Several instances may tick at the same time: a round is opened under a row lock (PostgreSQL
``FOR UPDATE SKIP LOCKED``), and every job has a unique dedupe key, so a second instance's
tick writes nothing new. Each step runs in its own transaction, so one failing step does not
hold back the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery import digest_posting
from services.delivery.pull_notices import notify_admins_of_failed_pull
from services.delivery.sender import Clock, new_worker_id, utc_now, write_heartbeat
from services.followup import escalation, reminders, rounds
from services.followup.working_days import WorkingDays
from services.goals import warehouse
from services.goals.warehouse import WarehouseConfig
from services.graph.jobs import GraphJobs
from services.platform import log_context
from services.platform.worker_settings import WorkerSettings
from storage.models import ReportingRound, RoundState

log = logging.getLogger(__name__)

SCHEDULER_ACTOR = "lagesbot-scheduler"
T = TypeVar("T")


@dataclass
class TickResult:
    opened: list[int] = field(default_factory=list)
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    published: int = 0
    people_synced: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class Scheduler:
    sessions: async_sessionmaker[AsyncSession]
    settings: WorkerSettings
    clock: Clock = utc_now
    worker_id: str = field(default_factory=lambda: new_worker_id("scheduler"))
    # Publishing closed rounds and the people sync; None when Graph is not configured.
    graph_jobs: GraphJobs | None = None
    # Data-warehouse pulls of indicator values (LAGESBOT_WAREHOUSE: TOML files).
    warehouses: tuple[WarehouseConfig, ...] = ()
    # LAGESBOT_ADMINS: who is told in Teams when a warehouse pull fails.
    admins: tuple[str, ...] = ()
    _started_at: datetime | None = None
    ticks: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # a tick must never end the loop
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), timeout=self.settings.scheduler_interval_seconds
                )

    async def tick(self) -> TickResult:
        now = self.clock()
        result = TickResult()
        result.opened = await self._step(result, "open rounds", self.open_due_rounds, now) or []
        for config in self.warehouses:
            await self._step(result, f"warehouse {config.plan}", self._pull(config), now)
        hours = self.settings.working_hours
        days = WorkingDays.with_extra(self.settings.extra_days_off)

        async def due_reminders(session: AsyncSession) -> int:
            return await reminders.enqueue_due_reminders(session, now, hours=hours, days=days)

        async def due_escalations(session: AsyncSession) -> int:
            return await escalation.enqueue_due_escalations(session, now, hours=hours, days=days)

        async def due_digests(session: AsyncSession) -> int:
            return await digest_posting.enqueue_due_digests(session, now)

        result.reminders = await self._in_transaction(result, "reminders", due_reminders) or 0
        result.escalations = await self._in_transaction(result, "escalations", due_escalations) or 0
        jobs = self.graph_jobs
        if jobs is not None:
            # Before the digests, so a round's close digest carries its intranet links. A
            # failure is kept and retried later (with backoff), never raised into the tick.
            result.published = (
                await self._step(result, "intranet", jobs.publish_closed_rounds, now) or 0
            )
        result.digests = await self._in_transaction(result, "digests", due_digests) or 0
        self.ticks += 1
        await self._step(result, "heartbeat", self.heartbeat, now)
        if jobs is not None:
            # Last: a large directory takes a while to read.
            result.people_synced = bool(
                await self._step(result, "people sync", jobs.sync_people_if_due, now)
            )
        return result

    def _pull(self, config: WarehouseConfig) -> Callable[[datetime], Awaitable[bool]]:
        """A pull when one is due (a round of the plan opened, or not yet today); a failure
        is recorded by ``warehouse.pull`` (audit log, ``lagesbot values status``), told to the
        admins in Teams and raised into the tick's errors."""

        async def step(now: datetime) -> bool:
            async with self.sessions() as session:
                if not await warehouse.pull_due(session, config, now):
                    return False
                try:
                    await warehouse.pull(session, config, now=now, actor=SCHEDULER_ACTOR)
                except Exception as exc:
                    await self._tell_admins_pull_failed(config, exc, now)
                    raise
                await session.commit()
                return True

        return step

    async def _tell_admins_pull_failed(
        self, config: WarehouseConfig, exc: Exception, now: datetime
    ) -> None:
        """The admins' notices in their own transaction; a failure here is logged and does
        not hide the pull's own error."""
        try:
            async with self.sessions() as session, session.begin():
                state = await warehouse.last_pull(session, config.plan) or {}
                await notify_admins_of_failed_pull(
                    session,
                    admins=self.admins,
                    plan=config.plan,
                    source=config.source,
                    kind=type(exc).__name__,
                    error=str(state.get("error") or f"{type(exc).__name__}: {exc}"),
                    now=now,
                )
        except Exception:
            log.exception("telling the admins about the failed pull of %s failed", config.plan)

    async def _step(
        self,
        result: TickResult,
        name: str,
        step: Callable[[datetime], Awaitable[T]],
        now: datetime,
    ) -> T | None:
        try:
            return await step(now)
        except Exception as exc:
            log.exception("scheduler step %s failed", name)
            result.errors.append(f"{name}: {type(exc).__name__}")
            return None

    async def _in_transaction(
        self,
        result: TickResult,
        name: str,
        step: Callable[[AsyncSession], Awaitable[int]],
    ) -> int | None:
        try:
            async with self.sessions() as session, session.begin():
                return await step(session)
        except Exception as exc:
            log.exception("scheduler step %s failed", name)
            result.errors.append(f"{name}: {type(exc).__name__}")
            return None

    async def open_due_rounds(self, now: datetime) -> list[int]:
        """Open each due scheduled round in its own transaction, holding its row lock so a
        second instance skips it instead of opening it concurrently."""
        opened: list[int] = []
        skipped: set[int] = set()
        while True:
            async with self.sessions() as session, session.begin():
                query = (
                    select(ReportingRound)
                    .where(
                        ReportingRound.state == RoundState.SCHEDULED,
                        ReportingRound.opens_at <= now,
                    )
                    .order_by(ReportingRound.opens_at, ReportingRound.id)
                    .limit(1)
                )
                if skipped:
                    query = query.where(ReportingRound.id.not_in(skipped))
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                rnd = (await session.execute(query)).scalar_one_or_none()
                if rnd is None:
                    return opened
                with log_context.correlation(round_id=rnd.id):
                    try:
                        async with session.begin_nested():
                            await rounds.open_round(session, rnd, now=now, actor=SCHEDULER_ACTOR)
                    except rounds.RoundError as exc:
                        log.warning("scheduled round %s could not open: %s", rnd.id, exc)
                        skipped.add(rnd.id)
                        continue
                    log.info("scheduled round %s opened", rnd.id)
                opened.append(rnd.id)

    async def heartbeat(self, now: datetime) -> None:
        self._started_at = self._started_at or now
        async with self.sessions() as session, session.begin():
            await write_heartbeat(
                session,
                worker_id=self.worker_id,
                role="scheduler",
                now=now,
                started_at=self._started_at,
                details={"pid": os.getpid(), "ticks": self.ticks},
            )
