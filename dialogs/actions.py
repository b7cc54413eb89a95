"""Card actions (Action.Execute), routed by verb. Each handler returns the card that replaces
the one the manager clicked, so the card always shows what is stored."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from cards.views import StatusCardView
from catalogue.texts import Language
from dialogs import render, review_delivery
from dialogs.context import Deps, Inbound
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from dialogs.registry import ActionOutcome, Handler, card_action
from dialogs.status import status_view_for
from services.answering import answers
from services.answering.answers import Outcome
from services.standins import substitutes
from storage import rounds as round_store
from storage.models import ConversationKind, Person, ReportRequest

log = logging.getLogger(__name__)

SUBMIT_ATTEMPTS = 3


def _int(data: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    """A non-negative id-sized integer, or None (ids beyond the store's range name no row)."""
    value = data.get(key, default)
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, int) and 0 <= value <= answers.MAX_ROW_ID:
        return value
    return None


async def _show(
    deps: Deps,
    inbound: Inbound,
    data: Mapping[str, Any],
    *,
    editing: bool,
) -> ActionOutcome:
    round_id, request_id = _int(data, "round_id"), _int(data, "request_id")
    page = _int(data, "page", 1) or 1
    if round_id is None or request_id is None:
        return ActionOutcome(error="round_id and request_id are required")
    async with deps.sessions() as session:
        actor = await person_of(session, inbound)
        language = language_for(actor, inbound)
        rnd = await round_store.get_round_for_card(session, round_id)
        request = await round_store.get_request(session, request_id)
        if actor is None:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_person"))
        if rnd is None or request is None or request.round_id != rnd.id:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_request"))
        if not await _may_see(session, actor, request, deps.clock()):
            return ActionOutcome(card=render.notice(language, "refusal.not_your_item"))
        view = await status_view_for(
            session, deps, viewer=actor, request=request, rnd=rnd, language=language, page=page
        )
        # The same rule as answers.submit: answers are taken while the round is open,
        # after the deadline too (they are marked late).
        may_edit = view.accepting
        return ActionOutcome(card=render.status_card(view, editing=editing and may_edit))


async def _may_see(
    session: AsyncSession, actor: Person, request: ReportRequest, now: datetime
) -> bool:
    """Owners, their substitute in the period, and anyone who may answer at least one of the
    request's items."""
    if actor.id == request.person_id:
        return True
    rows = await round_store.round_items_of_owner(session, request.round_id, request.person_id)
    if any(answers.may_answer(actor, request.person_id, item) for _, item in rows):
        return True
    owner = await session.get(Person, request.person_id)
    return owner is not None and await substitutes.stands_in(session, actor, owner, now)


def personal_only(handler: Handler) -> Handler:
    """A status card's buttons work in the person's 1:1 chat only: pressed on a card that
    reached a channel or group chat they are refused with a pointer to the 1:1 chat, and
    the reply holds nothing of the person's items, answers or comments."""

    async def in_personal_chat(
        deps: Deps, inbound: Inbound, data: Mapping[str, Any]
    ) -> ActionOutcome:
        if kind_of(inbound) is ConversationKind.PERSONAL:
            return await handler(deps, inbound, data)
        async with deps.sessions() as session:
            language = language_for(await person_of(session, inbound), inbound)
        return ActionOutcome(card=render.notice(language, "shared.card_refused"))

    return in_personal_chat


@card_action(verbs.EDIT_STATUS)
@personal_only
async def edit_status(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    return await _show(deps, inbound, data, editing=True)


@card_action(verbs.SHOW_PAGE)
@personal_only
async def show_page(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    return await _show(deps, inbound, data, editing=False)


@card_action(verbs.SUBMIT_STATUS)
@personal_only
async def submit_status(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    try:
        submission = answers.parse_submission(data)
    except answers.MalformedSubmission as exc:
        return ActionOutcome(error=str(exc))

    for attempt in range(1, SUBMIT_ATTEMPTS + 1):
        try:
            return await _submit_once(deps, inbound, submission)
        except IntegrityError:
            # A concurrent submit of the same card won the revision race; the retry sees
            # its rows and answers UNCHANGED or CONFLICT instead of writing twice.
            log.info("submit raced with another, retrying (attempt %d)", attempt)
    return ActionOutcome(error="could not record the answer, please try again")


async def _submit_once(
    deps: Deps, inbound: Inbound, submission: answers.Submission
) -> ActionOutcome:
    async with deps.sessions() as session:
        async with session.begin():
            actor = await person_of(session, inbound)
            language = language_for(actor, inbound)
            if actor is None:
                return ActionOutcome(card=render.notice(language, "refusal.unknown_person"))
            # Loaded here so that submit() and the refreshed card share one load of the
            # round, its scales and the request (the session keeps them after the commit).
            rnd = await round_store.get_round_for_card(session, submission.round_id)
            request = await round_store.get_request(session, submission.request_id)
            result = await answers.submit(
                session,
                actor=actor,
                submission=submission,
                now=deps.clock(),
                submission_key=inbound.activity_id,
            )
            if result.outcome is Outcome.RECORDED and rnd is not None and request is not None:
                # Complete answers go to the reviewer, in the same transaction (issue 17).
                await review_delivery.after_answers(session, rnd, request, actor, deps.clock())
        # Committed: the refreshed card is read and rendered outside the write transaction,
        # so the rows' locks are held only for the write itself.
        if result.outcome in (Outcome.NOT_FOUND, Outcome.REFUSED):
            return ActionOutcome(card=render.notice(language, result.refusal or ""))
        assert rnd is not None and request is not None  # submit() returned NOT_FOUND otherwise
        view = await status_view_for(
            session,
            deps,
            viewer=actor,
            request=request,
            rnd=rnd,
            language=language,
            page=submission.page,
        )
        return ActionOutcome(card=_refreshed_card(view, result, language))


def _refreshed_card(
    view: StatusCardView, result: answers.SubmitResult, language: Language
) -> dict[str, Any]:
    if result.outcome in (Outcome.RECORDED, Outcome.UNCHANGED):
        return render.status_card(view, editing=False)
    if result.outcome is Outcome.CLOSED:
        # A submit that arrived after the round closed: say that this answer was not saved,
        # above what was recorded before (read-only, without what was typed).
        late = replace(result, typed={}, errors={})
        return render.status_card(view, editing=False, result=late, language=language)
    return render.status_card(view, editing=True, result=result, language=language)
