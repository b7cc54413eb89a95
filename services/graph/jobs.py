"""The scheduler's Microsoft Graph steps (``services/delivery/scheduler.py``), when Graph is
configured:

- **publish closed rounds**: every closed round whose summary has no ``published_at`` (closed
  in the last ``PUBLISH_WINDOW``) is published on the intranet
  (``services.reporting.intranet``), so a round is published within a tick of being closed
  however it was closed (Teams, CLI). Closing
  never waits for Graph: the close transaction only records the close; this step runs later in
  its own transaction. A failure is stored in ``publish_error`` and retried with backoff (5
  minutes, doubling to 6 hours); the attempts are kept in ``sync_state``. Once published, the
  owners' closed cards are updated again so they link to the page, and a close digest
  already posted in a steering group's channel is replaced by one with the links. When Graph
  refused only the page (403: the tenant granted ``Sites.Selected``, not the documented
  ``Sites.ReadWrite.All``), the round counts as published with its files and the admins are
  told once which permission to grant (``services.delivery.permission_notices``).
- **people sync**: ``services.graph.people_sync.sync_people`` every ``LAGESBOT_PEOPLE_SYNC_HOURS``
  (default 24; 0 = off), when groups or departments to sync are configured. The time of the
  next run is kept in ``sync_state``, so a restart does not sync again; a failed run is retried
  after an hour (or the interval, if shorter). People it marks as left who still own items in
  open or scheduled rounds are flagged to the admins in Teams
  (``services.delivery.leaver_notices``), in the sync's transaction.

Several instances may tick at once: each round's summary row and the people-sync state row are
locked (PostgreSQL ``FOR UPDATE SKIP LOCKED``) while their job runs, so a second instance skips
them instead of publishing or syncing twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery import digest_posting, fanout
from services.delivery.leaver_notices import notify_admins_of_leavers
from services.delivery.permission_notices import notify_admins_of_missing_permission
from services.graph.interface import Graph, PagePermissionMissing
from services.graph.people_sync import (
    PeopleSyncReport,
    SyncNotConfigured,
    SyncScope,
    sync_people,
)
from services.platform.config import Settings
from services.reporting.intranet import Workbook, publish_round
from storage import outbox, steering
from storage.models import (
    OutboxJob,
    OutboxKind,
    OutboxOperation,
    OutboxState,
    ReportingRound,
    RoundState,
    RoundSummary,
    SyncState,
)

log = logging.getLogger(__name__)

GRAPH_ACTOR = "lagesbot-scheduler"
PEOPLE_SYNC_KEY = "people_sync:schedule"
# The digest occasion of a close digest posted again with the intranet links.
PUBLISHED_OCCASION = "close-published"
# Rounds closed longer ago than this are not published automatically (`lagesbot publish`).
PUBLISH_WINDOW = timedelta(days=14)
PUBLISH_RETRY_FIRST = timedelta(minutes=5)
PUBLISH_RETRY_MAX = timedelta(hours=6)
PEOPLE_SYNC_RETRY = timedelta(hours=1)
DEFAULT_PEOPLE_SYNC_HOURS = 24.0


def publish_state_key(round_id: int) -> str:
    return f"intranet_publish:{round_id}"


def publish_retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 5, 10, 20 … minutes, at most 6 h."""
    delay: timedelta = PUBLISH_RETRY_FIRST * int(2 ** max(0, min(attempts - 1, 16)))
    return min(delay, PUBLISH_RETRY_MAX)


@dataclass(frozen=True)
class GraphJobSettings:
    site_id: str = ""
    library_path: str = "Lägesbot"
    language: str = "sv"
    sync_scope: SyncScope | None = None
    people_sync_interval: timedelta | None = None
    # LAGESBOT_ADMINS (object ids or UPNs): who is told about leavers' items.
    admins: tuple[str, ...] = ()

    @property
    def publishes(self) -> bool:
        return bool(self.site_id)

    @property
    def syncs_people(self) -> bool:
        return self.sync_scope is not None and self.people_sync_interval is not None

    @classmethod
    def from_settings(cls, settings: Settings) -> GraphJobSettings | None:
        """What the scheduler should do through Graph, or None when Graph is not configured
        or there is nothing to do."""
        if not settings.graph_configured:
            return None
        try:
            scope: SyncScope | None = SyncScope(settings.sync_group_ids, settings.sync_departments)
        except SyncNotConfigured:
            scope = None
        hours = settings.people_sync_hours
        jobs = cls(
            site_id=settings.sharepoint_site_id,
            library_path=settings.sharepoint_library_path,
            language=settings.default_language,
            sync_scope=scope,
            people_sync_interval=timedelta(hours=hours) if hours > 0 else None,
            admins=settings.admin_object_ids,
        )
        return jobs if jobs.publishes or jobs.syncs_people else None


def _lockable(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _load(state: SyncState | None) -> dict[str, Any]:
    if state is None:
        return {}
    try:
        value = json.loads(state.value)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _due(state: dict[str, Any], now: datetime) -> bool:
    next_at = state.get("next_at")
    if not isinstance(next_at, str):
        return True
    try:
        return now >= datetime.fromisoformat(next_at)
    except ValueError:
        return True


def _store(
    session: AsyncSession, state: SyncState | None, key: str, value: dict[str, Any], now: datetime
) -> None:
    text = json.dumps(value, sort_keys=True)
    if state is None:
        session.add(SyncState(key=key, value=text, updated_at=now))
    else:
        state.value = text
        state.updated_at = now


async def refresh_close_digests(session: AsyncSession, rnd: ReportingRound, now: datetime) -> int:
    """Steering groups whose close digest of ``rnd`` was written before the round was
    published get it again (replacing the posted card), now with the intranet links. A close
    digest still waiting to be posted is left alone: a second job would be a second post."""
    written = 0
    for group, channel in await steering.groups_with_channels(session):
        close_key = digest_posting.dedupe_key(group.id, rnd.id, "close")
        if await outbox.get_by_key(session, close_key) is None:
            continue  # not written yet (it will carry the links), or the round is not theirs
        pending_post = await session.execute(
            select(OutboxJob.id)
            .where(
                OutboxJob.kind == OutboxKind.DIGEST,
                OutboxJob.steering_group_id == group.id,
                OutboxJob.round_id == rnd.id,
                OutboxJob.operation == OutboxOperation.SEND,
                OutboxJob.state.in_([OutboxState.PENDING, OutboxState.IN_FLIGHT]),
            )
            .limit(1)
        )
        if pending_post.first() is not None:
            continue
        if await digest_posting.enqueue_digest(
            session, group, channel, rnd, PUBLISHED_OCCASION, now
        ):
            written += 1
    return written


async def _claim_unpublished(
    session: AsyncSession, round_id: int
) -> tuple[RoundSummary, ReportingRound] | None:
    """The round's unpublished summary, locked for this instance, and the round; None when
    it was published meanwhile or another instance holds it."""
    query = select(RoundSummary).where(
        RoundSummary.round_id == round_id, RoundSummary.published_at.is_(None)
    )
    if _lockable(session):
        query = query.with_for_update(skip_locked=True)
    summary = (await session.execute(query)).scalar_one_or_none()
    rnd = await session.get(ReportingRound, round_id)
    if summary is None or rnd is None:
        return None
    return summary, rnd


async def _show_published(session: AsyncSession, rnd: ReportingRound, now: datetime) -> None:
    """The owners' closed cards were posted without the page; show it now, and in the
    steering groups' close digests."""
    await fanout.enqueue_round_closed_updates(session, rnd, now, tag="published")
    await refresh_close_digests(session, rnd, now)


def _schedule_publish_retry(
    session: AsyncSession,
    state_row: SyncState | None,
    key: str,
    state: dict[str, Any],
    now: datetime,
    round_key: str,
    error: str,
) -> None:
    """Count the failed attempt and keep when to try again, with backoff."""
    attempts = int(state.get("attempts", 0)) + 1
    retry_at = now + publish_retry_delay(attempts)
    _store(
        session,
        state_row,
        key,
        {"attempts": attempts, "next_at": retry_at.isoformat(), "error": error[:500]},
        now,
    )
    log.warning(
        "round %s not published (attempt %d), retrying at %s: %s",
        round_key,
        attempts,
        retry_at.isoformat(),
        error,
    )


async def _lock_people_sync_row(session: AsyncSession) -> SyncState | None:
    """The people sync's state row, locked for this instance; None when another holds it."""
    query = select(SyncState).where(SyncState.key == PEOPLE_SYNC_KEY)
    if _lockable(session):
        query = query.with_for_update(skip_locked=True)
    return (await session.execute(query)).scalar_one_or_none()


def _store_people_sync_failure(
    session: AsyncSession,
    row: SyncState,
    state: dict[str, Any],
    exc: Exception,
    retry_at: datetime,
    now: datetime,
) -> None:
    """Keep the failed run's error and when to try again; the last run stays as it was."""
    _store(
        session,
        row,
        PEOPLE_SYNC_KEY,
        {
            **state,
            "next_at": retry_at.isoformat(),
            "error": f"{type(exc).__name__}: {exc}"[:500],
        },
        now,
    )


def _log_people_sync(report: PeopleSyncReport, notices: int) -> None:
    log.info(
        "people sync: %d new, %d updated, %d reactivated, %d left",
        len(report.created),
        len(report.updated),
        len(report.reactivated),
        len(report.deactivated),
    )
    if notices:
        log.info("people sync: %d admins told in Teams about leavers' items", notices)
    if report.orphaned_items:
        # Items whose owner left: an admin must hand them over (`lagesbot sync people`
        # lists them).
        log.warning(
            "people sync: %d active plan items have an owner who left: %s",
            len(report.orphaned_items),
            ", ".join(f"{i.plan_key}/{i.item_key}" for i in report.orphaned_items[:20]),
        )


@dataclass
class GraphJobs:
    sessions: async_sessionmaker[AsyncSession]
    graph: Graph
    settings: GraphJobSettings
    # Tests replace the Excel export with a small workbook.
    workbook: Workbook | None = None

    # --- publishing ---------------------------------------------------------------------

    async def publish_closed_rounds(self, now: datetime) -> int:
        """Publish every due unpublished closed round, each in its own transaction. Returns
        how many were published."""
        if not self.settings.publishes:
            return 0
        async with self.sessions() as session:
            query = (
                select(RoundSummary.round_id)
                .join(ReportingRound, ReportingRound.id == RoundSummary.round_id)
                .where(
                    ReportingRound.state == RoundState.CLOSED,
                    RoundSummary.published_at.is_(None),
                    RoundSummary.closed_at >= now - PUBLISH_WINDOW,
                )
                .order_by(RoundSummary.closed_at, RoundSummary.round_id)
            )
            candidates = list((await session.execute(query)).scalars())
        published = 0
        for round_id in candidates:
            if await self._publish_one(round_id, now):
                published += 1
        return published

    async def _publish_one(self, round_id: int, now: datetime) -> bool:
        key = publish_state_key(round_id)
        async with self.sessions() as session, session.begin():
            state_row = await session.get(SyncState, key)
            state = _load(state_row)
            if not _due(state, now):
                return False
            claimed = await _claim_unpublished(session, round_id)
            if claimed is None:
                return False  # published meanwhile, or another instance is publishing it
            summary, rnd = claimed
            round_key = rnd.key
            error = await self._publish(session, summary, round_key, now)
            if error is None:
                if state_row is not None:
                    await session.delete(state_row)
                if summary.intranet_page_url is None:
                    await self._tell_admins_page_refused(session, rnd, summary, now)
                await _show_published(session, rnd, now)
                log.info("round %s published on the intranet", round_key)
                return True
            _schedule_publish_retry(session, state_row, key, state, now, round_key, error)
            return False

    async def _publish(
        self, session: AsyncSession, summary: RoundSummary, round_key: str, now: datetime
    ) -> str | None:
        """Publish the round on the intranet; None when it worked, else the error (also kept
        in the summary's ``publish_error``)."""
        try:
            async with session.begin_nested():
                summary = await publish_round(
                    session,
                    self.graph,
                    round_key=round_key,
                    site_id=self.settings.site_id,
                    library_path=self.settings.library_path,
                    now=now,
                    actor=GRAPH_ACTOR,
                    language=self.settings.language,
                    workbook=self.workbook,
                )
            return summary.publish_error
        except Exception as exc:  # a network error, a bug: keep it, retry later
            log.exception("publishing round %s to the intranet failed", round_key)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            summary.publish_error = error
            return error

    async def _tell_admins_page_refused(
        self, session: AsyncSession, rnd: ReportingRound, summary: RoundSummary, now: datetime
    ) -> None:
        """Published without a page: Graph refused it for lack of permission."""
        log.warning(
            "round %s published without its intranet page: grant %s",
            rnd.key,
            PagePermissionMissing.permission,
        )
        await notify_admins_of_missing_permission(
            session,
            admins=self.settings.admins,
            permission=PagePermissionMissing.permission,
            site_id=self.settings.site_id,
            rnd=rnd,
            summary=summary,
            now=now,
            default_language=self.settings.language,
        )

    # --- people sync ----------------------------------------------------------------------

    async def sync_people_if_due(self, now: datetime) -> bool:
        """Run the people sync if its time has come; True when it ran and succeeded."""
        scope, interval = self.settings.sync_scope, self.settings.people_sync_interval
        if scope is None or interval is None:
            return False
        await self._ensure_state_row(PEOPLE_SYNC_KEY, now)
        async with self.sessions() as session, session.begin():
            row = await _lock_people_sync_row(session)
            if row is None:
                return False  # another instance is syncing
            state = _load(row)
            if not _due(state, now):
                return False
            try:
                report = await self._sync_people(session, scope, now)
            except Exception as exc:
                log.exception("scheduled people sync failed")
                retry_at = now + min(interval, PEOPLE_SYNC_RETRY)
                _store_people_sync_failure(session, row, state, exc, retry_at, now)
                return False
            notices = await self._notify_admins(session, report.left_person_ids, now)
            _store(
                session,
                row,
                PEOPLE_SYNC_KEY,
                {"last_run": now.isoformat(), "next_at": (now + interval).isoformat()},
                now,
            )
        _log_people_sync(report, notices)
        return True

    async def _sync_people(
        self, session: AsyncSession, scope: SyncScope, now: datetime
    ) -> PeopleSyncReport:
        """The sync itself, in a savepoint so that a failure undoes only its own changes."""
        async with session.begin_nested():
            return await sync_people(
                session,
                self.graph,
                scope,
                now=now,
                actor=GRAPH_ACTOR,
                default_language=self.settings.language,
            )

    async def _notify_admins(
        self, session: AsyncSession, left_person_ids: list[int], now: datetime
    ) -> int:
        """The admins' notices about this run's leavers; a failure here is logged and does
        not undo the sync (the report's log line still lists the items)."""
        if not left_person_ids or not self.settings.admins:
            return 0
        try:
            async with session.begin_nested():
                return await notify_admins_of_leavers(
                    session,
                    left_person_ids,
                    admins=self.settings.admins,
                    run_at=now,
                    default_language=self.settings.language,
                )
        except Exception:
            log.exception("people sync: telling the admins about leavers failed")
            return 0

    async def _ensure_state_row(self, key: str, now: datetime) -> None:
        """The row to lock must exist; two instances creating it at once is harmless."""
        async with self.sessions() as session:
            if await session.get(SyncState, key) is not None:
                return
            session.add(SyncState(key=key, value="{}", updated_at=now))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
