"""The steering group's channel: the digest on request, and binding a channel to a group.

- ``sammanfattning`` / ``digest`` in a channel posts the digest of every open round in the
  scope of the group(s) bound to that channel (or of the latest closed round, when none is
  open), now.
- ``koppla styrgrupp KEY`` / ``link steering group KEY`` binds the channel to a group; only
  admins (Settings.admin_object_ids) may, and the change is written to the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from cards.escape import escape_markdown
from catalogue import texts
from dialogs import render
from dialogs.admin import is_admin
from dialogs.commands import normalise
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from services.delivery import digest_posting
from services.reporting import report_links
from storage import audit, conversations, digest_queries, steering
from storage.digest_queries import Scope
from storage.models import ConversationKind, ReportingRound, RoundState, SteeringGroup

# A channel digest per open round; a group following more rounds at once than this gets the
# soonest deadlines (the rest are in `lagesbot report`).
MAX_ROUNDS_PER_REQUEST: Final = 3


def _digest_words() -> frozenset[str]:
    return texts.all_translations("digest.command.digest")


def _bind_phrases() -> frozenset[str]:
    return texts.all_translations("digest.command.bind")


def bind_key(text: str) -> str | None:
    """The group key after a bind phrase ("koppla styrgrupp rs" -> "rs"; "" when missing),
    or None when the text is not a bind command."""
    said = normalise(text)
    for phrase in _bind_phrases():
        if said == phrase or said.startswith(phrase + " "):
            # Keys keep their case: take them from the text as typed.
            words = " ".join(text.split()).strip().strip("/!.")
            return words[len(phrase) :].strip()
    return None


def is_digest_request(inbound: Inbound) -> bool:
    return (
        kind_of(inbound) is ConversationKind.CHANNEL and normalise(inbound.text) in _digest_words()
    )


def applies(inbound: Inbound) -> bool:
    return is_digest_request(inbound) or bind_key(inbound.text) is not None


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    key = bind_key(inbound.text)
    if key is not None:
        return await _bind(deps, inbound, key)
    return await _digest(deps, inbound)


async def _bind(deps: Deps, inbound: Inbound, key: str) -> list[Reply]:
    async with deps.sessions() as session, session.begin():
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        if kind_of(inbound) is not ConversationKind.CHANNEL:
            return [render.text(language, "digest.bind.not_channel")]
        if not await is_admin(session, deps, inbound):
            return [render.text(language, "digest.bind.not_admin")]
        if not key:
            return [render.text(language, "digest.bind.usage")]
        group = await steering.get_group(session, key)
        if group is None:
            return [await _unknown_group(session, language, key)]
        channel_id = steering.channel_conversation_id(inbound.conversation_id)
        channel_reference_id = await store_channel(session, inbound, channel_id, deps.clock())
        previous = group.conversation_reference_id
        group.conversation_reference_id = channel_reference_id
        actor = person.upn if person is not None else f"aad:{inbound.user_object_id}"
        _record_binding(session, actor, inbound, group, channel_id, previous)
        return [
            render.text(
                language,
                "digest.bind.done",
                group=escape_markdown(group.name, keep_line_breaks=False),
            )
        ]


async def _unknown_group(session: AsyncSession, language: texts.Language, key: str) -> Reply:
    """The reply to a key no group has: the keys there are, if any."""
    known = [g.key for g in await steering.list_groups(session)]
    if not known:
        return render.text(language, "digest.bind.none_known")
    return render.text(
        language,
        "digest.bind.unknown",
        key=escape_markdown(key, keep_line_breaks=False),
        keys=", ".join(escape_markdown(k) for k in known),
    )


async def store_channel(
    session: AsyncSession, inbound: Inbound, channel_id: str, now: datetime
) -> int:
    """Store the channel's conversation reference (the channel itself, not the thread the
    command was written in); returns its id."""
    reference: dict[str, Any] = dict(inbound.reference)
    if isinstance(reference.get("conversation"), dict):
        reference["conversation"] = {**reference["conversation"], "id": channel_id}
    channel = await conversations.upsert(
        session,
        conversation_id=channel_id,
        kind=ConversationKind.CHANNEL,
        service_url=inbound.service_url,
        reference=reference,
        now=now,
        tenant_id=inbound.tenant_id,
        team_id=inbound.team_id,
        channel_id=inbound.teams_channel_id,
        bot_id=inbound.bot_id,
        locale=inbound.locale,
    )
    return channel.id


def _record_binding(
    session: AsyncSession,
    actor: str,
    inbound: Inbound,
    group: SteeringGroup,
    channel_id: str,
    previous: int | None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action="steering_group.bind_channel",
        target_type="steering_group",
        target_id=group.id,
        details={
            "key": group.key,
            "conversation_id": channel_id,
            "team_id": inbound.team_id,
            "previous_conversation_reference_id": previous,
        },
    )


async def rounds_to_summarise(session: AsyncSession, group: SteeringGroup) -> list[ReportingRound]:
    scope = Scope.of(group.scope)
    open_rounds = await digest_queries.rounds_for_scope(session, scope, states=[RoundState.OPEN])
    if open_rounds:
        return open_rounds[:MAX_ROUNDS_PER_REQUEST]
    closed = await digest_queries.rounds_for_scope(session, scope, states=[RoundState.CLOSED])
    closed.sort(key=lambda r: (r.closed_at or r.deadline_at, r.id))
    return closed[-1:]


async def _digest(deps: Deps, inbound: Inbound) -> list[Reply]:
    async with deps.sessions() as session:
        groups = await steering.groups_for_channel(
            session, inbound.conversation_id, inbound.teams_channel_id
        )
        if not groups:
            person = await person_of(session, inbound)
            return [render.text(language_for(person, inbound), "digest.channel.not_bound")]
        replies: list[Reply] = []
        now = deps.clock()
        for group in groups:
            rounds = await rounds_to_summarise(session, group)
            if not rounds:
                replies.append(
                    render.text(
                        texts.normalise_language(group.language),
                        "digest.channel.no_round",
                        group=escape_markdown(group.name, keep_line_breaks=False),
                    )
                )
            for rnd in rounds:
                card = await digest_posting.digest_card_for(
                    session,
                    group,
                    rnd,
                    occasion="on_demand",
                    now=now,
                    report_now_url=_report_link(deps, group, rnd, now),
                )
                replies.append(Reply(card=card))
        return replies


def _report_link(
    deps: Deps, group: SteeringGroup, rnd: ReportingRound, now: datetime
) -> str | None:
    """The download link of the group's Word report as the open round stands when it is
    opened (a closed round's report is the published one); None unless configured."""
    if rnd.state != RoundState.OPEN:
        return None
    settings = deps.settings
    return report_links.download_url(
        settings.public_url,
        settings.report_link_secret,
        round_id=rnd.id,
        group_id=group.id,
        language=texts.normalise_language(group.language),
        now=now,
        lifetime=timedelta(minutes=settings.report_link_minutes),
    )
