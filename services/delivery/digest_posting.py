"""When steering groups get their digest, and how it reaches their channel.

``enqueue_due_digests(session, now)`` runs on every scheduler tick. For each active steering
group with a channel, and each round that asks about its scope, a digest is due:

- weekly while the round is open, on the group's weekday and hour in its time zone (a tick
  that comes later the same week still sends that week's digest);
- once when the deadline has passed (within ``CATCH_UP`` of it);
- once when the round is closed (within ``CATCH_UP`` of closing).

Each occasion is one outbox job (kind DIGEST) with the dedupe key
``digest:<group>:<round>:<occasion>``, so ticks on several instances write it once. The
first digest of a round is a new post; once it was sent (``on_digest_sent`` remembers its
activity id in ``digest_posts``) every later digest of the same round replaces that card in
place (operation UPDATE), so the channel holds one current card per round instead of a pile.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.digest_card import create_digest_card
from cards.views import Occasion
from services.delivery.digest_view import digest_card_view
from services.reporting import digest_source
from storage import digest_queries, outbox, steering
from storage.digest_queries import Scope
from storage.models import (
    ConversationReference,
    OutboxJob,
    OutboxKind,
    OutboxOperation,
    OutboxState,
    ReportingRound,
    RoundState,
    RoundSummary,
    SteeringGroup,
)

log = logging.getLogger(__name__)

# A deadline or closing older than this is history, not news: a group bound to a channel
# today does not get digests of last year's rounds.
CATCH_UP: Final = timedelta(days=3)
ACTIVE_STATES: Final = (RoundState.OPEN, RoundState.CLOSED)


def dedupe_key(group_id: int, round_id: int, occasion: str) -> str:
    return f"digest:{group_id}:{round_id}:{occasion}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Stockholm")


def weekly_moment(group: SteeringGroup, now: datetime) -> datetime | None:
    """This week's digest moment of the group (in UTC), or None when weekly digests are off."""
    if group.digest_weekday is None or not 1 <= group.digest_weekday <= 7:
        return None
    zone = _zone(group.time_zone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=local.isoweekday() - group.digest_weekday)
    hour = min(max(group.digest_hour, 0), 23)
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return moment.astimezone(now.tzinfo)


def due_occasions(group: SteeringGroup, rnd: ReportingRound, now: datetime) -> list[str]:
    """The occasions (dedupe suffixes) whose digest is due now, most important first."""
    due: list[str] = []
    if rnd.state == RoundState.CLOSED:
        if rnd.closed_at is not None and rnd.closed_at <= now <= rnd.closed_at + CATCH_UP:
            due.append("close")
        return due
    if rnd.state != RoundState.OPEN:
        return due
    if rnd.deadline_at <= now <= rnd.deadline_at + CATCH_UP:
        due.append("deadline")
    moment = weekly_moment(group, now)
    if moment is not None and rnd.opens_at <= moment <= now:
        year, week, _ = moment.astimezone(_zone(group.time_zone)).isocalendar()
        due.append(f"weekly-{year}-W{week:02d}")
    return due


def occasion_kind(occasion: str) -> Occasion:
    if occasion.startswith("weekly"):
        return "weekly"
    if occasion in ("deadline", "close") or occasion.startswith("close-"):
        # "close-published": the close digest again, now with the intranet links.
        return "deadline" if occasion == "deadline" else "close"
    return "on_demand"


def content_hash(card: dict[str, Any]) -> str:
    data = json.dumps(card, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PublishedLinks:
    """Where a published round is on the intranet: its summary page, the Excel export and
    the Word report (None until published)."""

    page: str | None = None
    export: str | None = None
    report: str | None = None


async def links_of(session: AsyncSession, round_id: int) -> PublishedLinks:
    """The intranet summary page, the Excel export and the Word report of a round."""
    query = select(
        RoundSummary.intranet_page_url,
        RoundSummary.intranet_export_url,
        RoundSummary.intranet_report_url,
    ).where(RoundSummary.round_id == round_id)
    row = (await session.execute(query)).first()
    return PublishedLinks() if row is None else PublishedLinks(row[0], row[1], row[2])


async def digest_card_for(
    session: AsyncSession,
    group: SteeringGroup,
    rnd: ReportingRound,
    *,
    occasion: Occasion,
    now: datetime,
    report_now_url: str | None = None,
) -> dict[str, Any]:
    """The group's digest card of the round; ``report_now_url``: a download link of the Word
    report as it stands (offered only while the round is not published)."""
    digest = await digest_source.load_digest(session, rnd, Scope.of(group.scope), group.language)
    links = await links_of(session, rnd.id)
    return create_digest_card(
        digest_card_view(
            digest,
            group_name=group.name,
            language=group.language,
            time_zone=group.time_zone,
            generated_at=now,
            occasion=occasion,
            intranet_url=links.page,
            export_url=links.export,
            report_url=links.report,
            report_now_url=report_now_url,
        )
    )


async def _first_post_pending(session: AsyncSession, group_id: int, round_id: int) -> bool:
    """A new-post digest of this group and round is written but not sent yet: a second
    one now would become a second post instead of an update of the first."""
    query = select(OutboxJob.id).where(
        OutboxJob.kind == OutboxKind.DIGEST,
        OutboxJob.steering_group_id == group_id,
        OutboxJob.round_id == round_id,
        OutboxJob.operation == OutboxOperation.SEND,
        OutboxJob.state.in_([OutboxState.PENDING, OutboxState.IN_FLIGHT]),
    )
    return (await session.execute(query.limit(1))).first() is not None


async def enqueue_digest(
    session: AsyncSession,
    group: SteeringGroup,
    channel: ConversationReference,
    rnd: ReportingRound,
    occasion: str,
    now: datetime,
) -> bool:
    """Writes the digest job of one occasion: an update of the round's posted card when
    there is one, a new post otherwise. Returns False when that job exists already."""
    key = dedupe_key(group.id, rnd.id, occasion)
    if await outbox.get_by_key(session, key) is not None:
        return False
    card = await digest_card_for(session, group, rnd, occasion=occasion_kind(occasion), now=now)
    post = await steering.digest_post(session, group.id, rnd.id)
    update = post is not None and post.activity_id is not None
    return await outbox.enqueue(
        session,
        kind=OutboxKind.DIGEST,
        dedupe_key=key,
        tenant_id=channel.tenant_id,
        round_id=rnd.id,
        steering_group_id=group.id,
        conversation_id=post.conversation_id if update and post else channel.conversation_id,
        operation=OutboxOperation.UPDATE if update else OutboxOperation.SEND,
        activity_id=post.activity_id if update and post else None,
        payload={"card": card, "occasion": occasion, "content_hash": content_hash(card)},
        now=now,
    )


async def _rounds(session: AsyncSession, group: SteeringGroup, now: datetime) -> Sequence[Any]:
    rounds = await digest_queries.rounds_for_scope(
        session, Scope.of(group.scope), states=ACTIVE_STATES, closed_after=now - CATCH_UP
    )
    return rounds


async def enqueue_due_digests(session: AsyncSession, now: datetime) -> int:
    """Writes the digest jobs that are due; returns how many it wrote. At most one per group
    and round per tick, so a later occasion waits until the first post exists to update."""
    written = 0
    for group, channel in await steering.groups_with_channels(session):
        for rnd in await _rounds(session, group, now):
            for occasion in due_occasions(group, rnd, now):
                key = dedupe_key(group.id, rnd.id, occasion)
                if await outbox.get_by_key(session, key) is not None:
                    continue
                if await _first_post_pending(session, group.id, rnd.id):
                    break
                if await enqueue_digest(session, group, channel, rnd, occasion, now):
                    written += 1
                    log.info("digest due", extra={"group": group.key, "round": rnd.key})
                break
    return written


async def on_digest_sent(session: AsyncSession, job: OutboxJob, now: datetime) -> None:
    """Remembers the posted card, so the next digest of the round replaces it in place."""
    if job.kind != OutboxKind.DIGEST or job.steering_group_id is None or job.round_id is None:
        return
    if not job.conversation_id:
        return
    payload = job.payload or {}
    await steering.record_digest_post(
        session,
        group_id=job.steering_group_id,
        round_id=job.round_id,
        conversation_id=job.conversation_id,
        activity_id=job.activity_id,
        occasion=str(payload.get("occasion", "")),
        content_hash=payload.get("content_hash"),
        posted_at=job.sent_at or now,
    )


async def on_digest_gone(session: AsyncSession, job: OutboxJob, now: datetime) -> bool:
    """The Bot Connector answered 404 to replacing a posted digest: someone deleted the
    message in Teams. Forget that post and turn the job into a new post of its card, due
    now, so the channel gets the digest again (and later digests replace the new post).
    Returns False when the job is not a digest update; the caller then fails it as usual."""
    if job.kind != OutboxKind.DIGEST or job.operation != OutboxOperation.UPDATE:
        return False
    if job.steering_group_id is None or job.round_id is None:
        return False
    post = await steering.digest_post(session, job.steering_group_id, job.round_id)
    if post is not None and post.activity_id and post.activity_id != job.activity_id:
        # The digest was posted afresh already (by an earlier job): replace that one.
        job.activity_id = post.activity_id
        job.conversation_id = post.conversation_id
        reason = "the posted digest was deleted in Teams; updating its new post"
        outbox.mark_retry(job, at=now, status=404, error=reason)
        return True
    if post is None and await _first_post_pending(session, job.steering_group_id, job.round_id):
        # Another job is posting it afresh right now; update that post once it exists.
        reason = "the posted digest was deleted in Teams; waiting for its new post"
        outbox.mark_retry(job, at=now + timedelta(seconds=30), status=404, error=reason)
        return True
    if post is not None:
        await session.delete(post)
    job.operation = OutboxOperation.SEND
    job.activity_id = None
    reason = "the posted digest was deleted in Teams; posting it afresh"
    outbox.mark_retry(job, at=now, status=404, error=reason)
    log.info(
        "digest deleted in Teams, posting it afresh",
        extra={"group": job.steering_group_id, "round": job.round_id},
    )
    await session.flush()
    return True
