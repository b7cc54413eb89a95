"""Erasing a person's personal data on request, without breaking the answer history.

The person's row is kept and pseudonymised rather than deleted: every answer they gave
(``responses.answered_by_id``), every item they own (``plan_items.owner_id``,
``round_items.owner_id``) and every request sent to them keeps pointing at the same id, so
round figures, revision histories and audits stay exactly as they were, only the row now
reads "Borttagen person #<id>".

What is removed or replaced:
- ``people``: name, UPN, e-mail, job title and Entra ID object id (the link to the real
  account) are replaced or cleared; language and time zone return to the defaults; the row
  is marked inactive with ``erased_at``. Org unit and line manager links stay: they describe
  the organisation's structure, and the reporting chain of the person's staff would break.
- ``conversation_references``: their 1:1 chat references are deleted (they hold the Teams
  ids of the account); references of channels are kept but no longer name them. Their
  requests forget the chat and card they were posted to.
- ``outbox``: messages still waiting to be sent to them are cancelled.
- Everywhere the store copied their UPN, name or e-mail as text (the audit log's actor and
  details, ``created_by``/``closed_by`` of rounds, steering groups and round summaries,
  outbox payloads, summaries), the copy is replaced by the pseudonym, so the history still
  shows that one and the same person acted without saying who.

What is kept, deliberately:
- Comments and values in ``responses``: they are the manager's work product in an official
  follow-up (a public record), not data about the manager. Their authorship is pseudonymous.
  Free text written by other people that mentions the erased person is not rewritten.

The erasure itself is written to the audit log: who ran it, when, and the person's id, never
the erased name. Erasing an erased person changes nothing.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage import people as people_store
from storage.models import (
    AdminGrant,
    AuditEntry,
    ConversationKind,
    ConversationReference,
    OutboxJob,
    OutboxState,
    PendingImport,
    Person,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    RoundSummary,
    SteeringGroup,
)

ERASED_ACTION = "person.erased"
DEFAULT_LANGUAGE = "sv"
DEFAULT_TIME_ZONE = "Europe/Stockholm"


def pseudonym_name(person_id: int) -> str:
    return f"Borttagen person #{person_id}"


def pseudonym_upn(person_id: int) -> str:
    return f"erased-{person_id}@invalid"


class ErasureState(enum.StrEnum):
    ERASED = "erased"
    ALREADY_ERASED = "already_erased"


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure would touch, shown before the operator confirms."""

    person_id: int
    already_erased: bool
    responses_kept: int
    items_owned: int
    conversation_references: int


@dataclass(frozen=True)
class ErasureResult:
    person_id: int
    state: ErasureState
    responses_kept: int = 0
    conversation_references_deleted: int = 0
    outbox_jobs_cancelled: int = 0
    texts_rewritten: int = 0


async def find_person(session: AsyncSession, id_or_upn: str) -> Person | None:
    """A person by numeric id, UPN (any case) or Entra object id."""
    wanted = id_or_upn.strip()
    if wanted.isascii() and wanted.isdigit() and len(wanted) < 19:
        return await people_store.get_person(session, int(wanted))
    return await people_store.get_by_upn(session, wanted) or await people_store.get_by_entra_id(
        session, wanted
    )


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.execute(query)).scalar_one())


async def plan_erasure(session: AsyncSession, person: Person) -> ErasurePlan:
    responses = await _count(
        session, select(func.count(Response.id)).where(Response.answered_by_id == person.id)
    )
    items = await _count(
        session, select(func.count(PlanItem.id)).where(PlanItem.owner_id == person.id)
    )
    references = await _count(
        session,
        select(func.count(ConversationReference.id)).where(_references_of(person)),
    )
    return ErasurePlan(person.id, person.erased_at is not None, responses, items, references)


def _references_of(person: Person) -> Any:
    condition = ConversationReference.person_id == person.id
    if person.entra_object_id:
        condition = condition | (ConversationReference.user_aad_object_id == person.entra_object_id)
    return condition


def _pattern(replacements: Mapping[str, str]) -> re.Pattern[str]:
    # Longest first, so "anna.lindqvist@x.se" is replaced before a name it contains.
    ordered = sorted(replacements, key=len, reverse=True)
    return re.compile("|".join(re.escape(text) for text in ordered), re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str], replacements: Mapping[str, str]) -> Any:
    """``value`` (JSON-like) with every identifying string replaced by its pseudonym."""
    if isinstance(value, str):
        lookup = {key.lower(): new for key, new in replacements.items()}
        return pattern.sub(lambda match: lookup[match.group(0).lower()], value)
    if isinstance(value, list):
        return [_scrub(item, pattern, replacements) for item in value]
    if isinstance(value, dict):
        return {
            _scrub(key, pattern, replacements): _scrub(item, pattern, replacements)
            for key, item in value.items()
        }
    return value


def _mentions(column: Any, replacements: Mapping[str, str]) -> Any:
    """SQL prefilter: the column's text holds one of the strings, as written or as JSON
    escapes it (non-ASCII letters become \\uXXXX in stored JSON)."""
    needles = {form.lower() for text in replacements for form in (text, json.dumps(text)[1:-1])}
    as_text = func.lower(cast(column, Text))
    return or_(*(as_text.contains(needle, autoescape=True) for needle in needles))


async def _rewrite_copies(session: AsyncSession, replacements: Mapping[str, str]) -> int:
    """Replace the person's identifying strings wherever the store copied them as text."""
    pattern = _pattern(replacements)
    rewritten = 0
    copies: list[tuple[type[Any], str]] = [
        (AuditEntry, "actor"),
        (AuditEntry, "details"),
        (OutboxJob, "payload"),
        (RoundSummary, "closed_by"),
        (RoundSummary, "summary"),
        (ReportingRound, "created_by"),
        (SteeringGroup, "created_by"),
        # Admins added in Teams and files sent for import (migration 0005_controller).
        (AdminGrant, "identity"),
        (AdminGrant, "display_name"),
        (AdminGrant, "added_by"),
        (AdminGrant, "removed_by"),
        (PendingImport, "created_by"),
        (PendingImport, "decided_by"),
    ]
    for model, column in copies:
        query = select(model).where(_mentions(getattr(model, column), replacements))
        for row in (await session.execute(query)).scalars():
            old = getattr(row, column)
            new = _scrub(old, pattern, replacements)
            if new != old:
                setattr(row, column, new)
                rewritten += 1
    return rewritten


def _replacements(person: Person) -> dict[str, str]:
    """Each identifying string of ``person`` mapped to the pseudonym that replaces it."""
    new_name, new_upn = pseudonym_name(person.id), pseudonym_upn(person.id)
    pseudonyms = {
        person.upn: new_upn,
        person.email: new_upn,
        person.display_name: new_name,
        person.entra_object_id: f"erased-{person.id}",
    }
    # Very short names would match inside ordinary words; such a name is left in free text.
    return {old: new for old, new in pseudonyms.items() if old and len(old) >= 4}


async def _forget_conversations(session: AsyncSession, person: Person) -> int:
    """Delete the person's chat references, unlink the rest; returns how many were deleted."""
    references = _references_of(person)
    deleted = await session.execute(
        delete(ConversationReference).where(
            references, ConversationReference.kind == ConversationKind.PERSONAL
        )
    )
    references_deleted = int(getattr(deleted, "rowcount", 0) or 0)
    # Channel references stay (steering groups post there); they just stop naming the person.
    for reference in (
        await session.execute(select(ConversationReference).where(references))
    ).scalars():
        reference.person_id = None
        reference.user_aad_object_id = None

    # The chat their cards were posted in identifies their Teams account as much as the
    # reference did; the requests themselves (who was asked, when) stay.
    requests = await session.execute(
        select(ReportRequest).where(ReportRequest.person_id == person.id)
    )
    for request in requests.scalars():
        request.conversation_id = None
        request.card_activity_id = None
    return references_deleted


async def _cancel_pending_messages(session: AsyncSession, person: Person) -> int:
    """Cancel the messages still waiting to be sent to the person; returns how many."""
    pending = (
        await session.execute(
            select(OutboxJob).where(
                OutboxJob.person_id == person.id, OutboxJob.state == OutboxState.PENDING
            )
        )
    ).scalars()
    cancelled = 0
    for job in pending:
        job.state = OutboxState.CANCELLED
        job.last_error = "recipient erased"
        cancelled += 1
    return cancelled


def _pseudonymise_row(person: Person, now: datetime) -> None:
    """The person's own row: pseudonym, no contact details, defaults, inactive, erased."""
    person.display_name = pseudonym_name(person.id)
    person.upn = pseudonym_upn(person.id)
    person.email = None
    person.job_title = None
    person.entra_object_id = None
    person.preferred_language = DEFAULT_LANGUAGE
    person.time_zone = DEFAULT_TIME_ZONE
    person.active = False
    person.erased_at = now


def _record_erasure(
    session: AsyncSession, *, actor: str, plan: ErasurePlan, result: ErasureResult
) -> None:
    """The audit entry: who erased whom (by id) and what it touched, never the name."""
    audit.record(
        session,
        actor=actor,
        action=ERASED_ACTION,
        target_type="person",
        target_id=result.person_id,
        details={
            "responses_kept": plan.responses_kept,
            "items_owned": plan.items_owned,
            "conversation_references_deleted": result.conversation_references_deleted,
            "outbox_jobs_cancelled": result.outbox_jobs_cancelled,
            "texts_rewritten": result.texts_rewritten,
        },
    )


async def erase_person(
    session: AsyncSession, person: Person, *, actor: str, now: datetime
) -> ErasureResult:
    """Pseudonymise ``person`` in the caller's transaction (see the module text)."""
    if person.erased_at is not None:
        return ErasureResult(person.id, ErasureState.ALREADY_ERASED)
    plan = await plan_erasure(session, person)
    replacements = _replacements(person)
    references_deleted = await _forget_conversations(session, person)
    cancelled = await _cancel_pending_messages(session, person)
    rewritten = await _rewrite_copies(session, replacements)
    _pseudonymise_row(person, now)
    result = ErasureResult(
        person.id,
        ErasureState.ERASED,
        responses_kept=plan.responses_kept,
        conversation_references_deleted=references_deleted,
        outbox_jobs_cancelled=cancelled,
        texts_rewritten=rewritten,
    )
    _record_erasure(session, actor=actor, plan=plan, result=result)
    await session.flush()
    return result
