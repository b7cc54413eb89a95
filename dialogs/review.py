"""The reviewer's buttons: Fastställ locks an owner's answers, Skicka tillbaka (with the
comment typed in the card) opens them again and sends the owner their card with it. Only
the reviewer the submitted answers name may press them, in their 1:1 chat; a press that
repeats a step already taken shows that step again and stores nothing new."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final, Literal

from cards import verbs
from cards.review_card import COMMENT_INPUT, create_review_card
from cards.views import ReviewCardView
from catalogue import texts
from dialogs import render
from dialogs.actions import _int, personal_only
from dialogs.context import Deps, Inbound
from dialogs.people import language_for, person_of
from dialogs.registry import ActionOutcome, card_action
from dialogs.review_delivery import review_view, send_back_to_owner
from services.followup import review as review_service
from storage import reviews as review_store
from storage.models import Review, ReviewEvent

COMMENT_READ: Final = 2100


@card_action(verbs.REVIEW_APPROVE)
@personal_only
async def approve(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    return await _decide(deps, inbound, data, approve=True)


@card_action(verbs.REVIEW_RETURN)
@personal_only
async def send_back(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    return await _decide(deps, inbound, data, approve=False)


async def _decide(
    deps: Deps, inbound: Inbound, data: Mapping[str, Any], *, approve: bool
) -> ActionOutcome:
    review_id = _int(data, "review_id")
    if review_id is None:
        return ActionOutcome(error="review_id is required")
    raw = data.get(COMMENT_INPUT)
    comment = raw[:COMMENT_READ] if isinstance(raw, str) else None
    now = deps.clock()
    async with deps.sessions() as session, session.begin():
        actor = await person_of(session, inbound)
        language = language_for(actor, inbound)
        if actor is None:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_person"))
        submitted = await session.get(Review, review_id)
        try:
            review = await review_service.decide(
                session, review_id=review_id, actor=actor, approve=approve,
                comment=comment, now=now,
            )  # fmt: skip
        except review_service.ReviewRefused as refused:
            if submitted is None or submitted.reviewer_id != actor.id:
                return ActionOutcome(card=render.notice(language, refused.code))
            done = await review_store.latest(session, submitted.round_id, submitted.owner_id)
            view = await review_view(session, submitted, actor, language)
            wanted = ReviewEvent.APPROVED if approve else ReviewEvent.RETURNED
            if done is not None and done.event == wanted and done.actor_id == actor.id:
                return ActionOutcome(card=create_review_card(_done(view, done, actor.display_name)))
            message = texts.for_language(language).t(refused.code)
            return ActionOutcome(card=create_review_card(replace(view, message=message)))
        if not approve:
            await send_back_to_owner(session, review, now)
        assert submitted is not None
        view = await review_view(session, submitted, actor, language)
        return ActionOutcome(card=create_review_card(_done(view, review, actor.display_name)))


def _done(view: ReviewCardView, review: Review, name: str) -> ReviewCardView:
    state: Literal["approved", "returned"] = (
        "approved" if review.event == ReviewEvent.APPROVED else "returned"
    )
    return replace(view, state=state, decided_by=name, decided_at=review.at, comment=review.comment)
