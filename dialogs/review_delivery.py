"""What review steps send: the reviewer's card when an owner's answers are complete, and
the owner's card again, with the reviewer's comment, when they are sent back. Both go
through the outbox, in the transaction of the step, to the person's 1:1 chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cards.review_card import create_review_card
from cards.status_card import create_status_card, status_card_page_size
from cards.views import ReviewCardView, ReviewItemView
from catalogue.texts import Language
from services.answering.status_view import build_status_view, language_of
from services.followup import review as review_service
from storage import outbox
from storage import responses as response_store
from storage import rounds as round_store
from storage.models import (
    OutboxKind,
    Person,
    ReportingRound,
    ReportRequest,
    Review,
)


async def after_answers(
    session: AsyncSession, rnd: ReportingRound, request: ReportRequest, actor: Person, now: datetime
) -> None:
    """Called in the transaction that recorded answers: submit them for review if that
    made the owner's answers complete, and send the reviewer their card."""
    review = await review_service.submit_if_complete(session, rnd, request, actor, now)
    if review is None or review.reviewer_id is None:
        return
    reviewer = await session.get(Person, review.reviewer_id)
    if reviewer is None:
        return
    view = await review_view(session, review, reviewer, language_of(reviewer.preferred_language))
    await outbox.enqueue(
        session,
        kind=OutboxKind.NOTICE,
        dedupe_key=f"review:{review.id}",
        tenant_id=None,
        person_id=reviewer.id,
        round_id=rnd.id,
        payload={"card": create_review_card(view)},
        now=now,
    )


async def review_view(
    session: AsyncSession, review: Review, viewer: Person, language: Language
) -> ReviewCardView:
    rnd = await round_store.get_round(session, review.round_id)
    owner = await session.get(Person, review.owner_id)
    assert rnd is not None and owner is not None
    rows = await round_store.round_items_of_owner(session, rnd.id, owner.id)
    ids = [item.id for _, item in rows]
    current = await response_store.current_answers(session, rnd.id, ids)
    previous = (
        {}
        if rnd.previous_round_id is None
        else await response_store.current_answers(session, rnd.previous_round_id, ids)
    )
    names = await response_store.answerer_names(
        session, [r.answered_by_id for r in current.values()]
    )

    def label(key: str | None) -> str | None:
        option = next((o for o in rnd.status_scale.options if o.key == key), None)
        if option is None:
            return None
        return option.label_en if language == "en" else option.label_sv

    def colour(key: str | None) -> str | None:
        option = next((o for o in rnd.status_scale.options if o.key == key), None)
        return None if option is None else option.card_colour

    items = []
    for _, item in rows:
        answer = current.get(item.id)
        before = previous.get(item.id)
        items.append(
            ReviewItemView(
                title=item.title,
                status_label=None if answer is None else label(answer.status_key),
                status_colour=None if answer is None else colour(answer.status_key),
                previous_status_label=None if before is None else label(before.status_key),
                risk_score=None
                if answer is None or answer.likelihood is None or answer.consequence is None
                else answer.likelihood * answer.consequence,
                value=None if answer is None else answer.value,
                unit=item.unit,
                comment=None if answer is None else answer.comment,
                answered_by="?" if answer is None else names.get(answer.answered_by_id, "?"),
                answered_for=None
                if answer is None or answer.answered_by_id == owner.id
                else owner.display_name,
            )
        )
    return ReviewCardView(
        review_id=review.id,
        round_name=rnd.name,
        owner_name=owner.display_name,
        language=language,
        time_zone=viewer.time_zone,
        items=tuple(items),
    )


async def send_back_to_owner(session: AsyncSession, review: Review, now: datetime) -> None:
    """The owner's card again, open for answers, with the reviewer's comment on top."""
    rnd = await round_store.get_round(session, review.round_id)
    owner = await session.get(Person, review.owner_id)
    request = (
        None if rnd is None else await round_store.request_for(session, rnd.id, review.owner_id)
    )
    if rnd is None or owner is None or request is None:
        return
    view = await build_status_view(
        session, request=request, rnd=rnd, person=owner,
        language=language_of(owner.preferred_language), now=now,
        page_size=status_card_page_size,
    )  # fmt: skip
    await outbox.enqueue(
        session,
        kind=OutboxKind.NOTICE,
        dedupe_key=f"review-returned:{review.id}",
        tenant_id=None,
        person_id=owner.id,
        round_id=rnd.id,
        payload={"card": create_status_card(view, editing=True)},
        now=now,
    )
