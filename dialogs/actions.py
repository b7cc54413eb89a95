"""Card actions (Action.Execute), routed by verb. Each handler returns the card that replaces
the one the manager clicked, so the card always shows what is stored."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from cards import verbs
from dialogs import render
from dialogs.context import Deps, Inbound
from dialogs.people import language_for, person_of
from services import answers
from services.answers import Outcome
from services.status_view import build_status_view
from storage import rounds as round_store
from storage.models import ReportRequest

log = logging.getLogger(__name__)

SUBMIT_ATTEMPTS = 3


@dataclass(frozen=True)
class ActionOutcome:
    card: dict[str, Any] | None = None
    error: str | None = None  # for payloads that are not a Lägesbot action at all


Handler = Callable[[Deps, Inbound, Mapping[str, Any]], Awaitable[ActionOutcome]]


def _int(data: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    value = data.get(key, default)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
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
        rnd = await round_store.get_round(session, round_id)
        request = await round_store.get_request(session, request_id)
        if actor is None:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_person"))
        if rnd is None or request is None or request.round_id != rnd.id:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_request"))
        if not await _may_see(session, actor.id, request):
            return ActionOutcome(card=render.notice(language, "refusal.not_your_item"))
        owner = (
            actor
            if actor.id == request.person_id
            else await session.get(type(actor), request.person_id)
        )
        assert owner is not None
        view = await build_status_view(
            session,
            request=request,
            rnd=rnd,
            person=owner,
            language=language,
            page=page,
            now=deps.clock(),
            page_size=render.page_size_for,
        )
        may_edit = not view.closed and not view.past_deadline
        return ActionOutcome(card=render.status_card(view, editing=editing and may_edit))


async def _may_see(session: Any, person_id: int, request: ReportRequest) -> bool:
    if person_id == request.person_id:
        return True
    rows = await round_store.round_items_of_owner(session, request.round_id, request.person_id)
    return any(item.delegate_id == person_id for _, item in rows)


async def edit_status(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    return await _show(deps, inbound, data, editing=True)


async def show_page(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    return await _show(deps, inbound, data, editing=False)


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
    async with deps.sessions() as session, session.begin():
        actor = await person_of(session, inbound)
        language = language_for(actor, inbound)
        if actor is None:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_person"))
        result = await answers.submit(
            session,
            actor=actor,
            submission=submission,
            now=deps.clock(),
            submission_key=inbound.activity_id,
        )
        if result.outcome in (Outcome.NOT_FOUND, Outcome.REFUSED):
            return ActionOutcome(card=render.notice(language, result.refusal or ""))
        rnd = await round_store.get_round(session, submission.round_id)
        request = await round_store.get_request(session, submission.request_id)
        assert rnd is not None and request is not None
        owner = await session.get(type(actor), request.person_id)
        assert owner is not None
        await session.flush()
        view = await build_status_view(
            session,
            request=request,
            rnd=rnd,
            person=owner,
            language=language,
            page=submission.page,
            now=deps.clock(),
            page_size=render.page_size_for,
        )
        if result.outcome in (Outcome.RECORDED, Outcome.UNCHANGED, Outcome.CLOSED):
            card = render.status_card(view, editing=False)
        else:
            card = render.status_card(view, editing=True, result=result, language=language)
        return ActionOutcome(card=card)


HANDLERS: dict[str, Handler] = {
    verbs.SUBMIT_STATUS: submit_status,
    verbs.EDIT_STATUS: edit_status,
    verbs.SHOW_PAGE: show_page,
}


async def dispatch(
    deps: Deps, inbound: Inbound, verb: str, data: Mapping[str, Any]
) -> ActionOutcome:
    handler = HANDLERS.get(verb)
    if handler is None:
        return ActionOutcome(error=f"unknown verb {verb[:80]!r}")
    return await handler(deps, inbound, data)
