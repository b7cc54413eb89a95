"""An item's history as a person may see it: every answer over the rounds (who, when, for
whom, status, risk, value, comment, revision) and every review step, newest first.

Who may see it: admins; the item's owner and delegate; anyone who owned it in a round or
answered it (a former owner, a substitute); the line managers of those owners; the heads
of the item's org unit and the units above it; and whoever stands in for the owner today.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import HistoryBack, HistoryEntry, ItemHistoryView
from catalogue.texts import Language
from services.answering.status_view import item_paths
from services.standins import substitutes
from storage import item_history as history_store
from storage import responses as response_store
from storage.models import (
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    Response,
    Review,
    ReviewEvent,
    StatusScale,
)

HistorySizer = Callable[[ItemHistoryView, Sequence[HistoryEntry]], int]

_EVENT_KIND = {
    ReviewEvent.SUBMITTED: "submitted",
    ReviewEvent.APPROVED: "approved",
    ReviewEvent.RETURNED: "returned",
}


async def may_see_history(
    session: AsyncSession, viewer: Person, item: PlanItem, *, admin: bool, now: datetime
) -> bool:
    if admin or viewer.id in (item.owner_id, item.delegate_id):
        return True
    owners = set((await history_store.round_owners_of_item(session, item.id)).values())
    # A former owner whose items were handed over keeps seeing what they answered for.
    for moved in await history_store.handovers_of_item(session, item.id):
        owners.add(int((moved.details or {}).get("from", 0)))
    if item.owner_id is not None:
        owners.add(item.owner_id)
    if viewer.id in owners or viewer.id in await history_store.answerers_of_item(session, item.id):
        return True
    for owner_id in owners:
        owner = await session.get(Person, owner_id)
        if owner is not None and owner.line_manager_id == viewer.id:
            return True
    if viewer.id in await history_store.heads_of_unit_and_above(session, item.org_unit_id):
        return True
    owner = None if item.owner_id is None else await session.get(Person, item.owner_id)
    return owner is not None and await substitutes.stands_in(session, viewer, owner, now)


@dataclass(frozen=True)
class Matches:
    """What a "historik <text>" found: the items the person may see, and whether others
    matched that they may not."""

    visible: list[tuple[PlanItem, Plan]]
    hidden: int


async def find_items(
    session: AsyncSession, viewer: Person, said: str, *, admin: bool, now: datetime
) -> Matches:
    found = await history_store.matching_items(session, said)
    visible = [
        (item, plan)
        for item, plan in found
        if await may_see_history(session, viewer, item, admin=admin, now=now)
    ]
    return Matches(visible, len(found) - len(visible))


async def build_history_view(
    session: AsyncSession,
    item: PlanItem,
    *,
    viewer: Person,
    language: Language,
    page: int = 1,
    page_size: int | HistorySizer = 20,
    back: HistoryBack | None = None,
) -> ItemHistoryView:
    entries = await history_entries(session, item, language)
    paths = await item_paths(session, [item])
    view = ItemHistoryView(
        item_id=item.id,
        item_key=item.key,
        title=item.title,
        path=paths.get(item.id, ()),
        unit=item.unit,
        language=language,
        time_zone=viewer.time_zone,
        entries=tuple(entries),
        total=sum(entry.kind == "answer" for entry in entries),
        rounds=len({entry.round_name for entry in entries}),
        back=back,
    )
    size = page_size if isinstance(page_size, int) else page_size(view, view.entries)
    size = max(1, size)
    page_count = max(1, -(-len(entries) // size))
    page = min(max(page, 1), page_count)
    return replace(
        view,
        entries=view.entries[(page - 1) * size : page * size],
        page=page,
        page_count=page_count,
    )


async def history_entries(
    session: AsyncSession, item: PlanItem, language: Language
) -> list[HistoryEntry]:
    """Every answer and review step of the item, newest first."""
    answers = await history_store.answers_of_item(session, item.id)
    round_owners = await history_store.round_owners_of_item(session, item.id)
    reviews = await history_store.reviews_of(session, sorted(round_owners.items()))
    names = await response_store.answerer_names(
        session,
        [r.answered_by_id for r, _ in answers]
        + list(round_owners.values())
        + [rv.actor_id for rv, _ in reviews if rv.actor_id is not None],
    )
    pairs = [
        (_answer_entry(response, rnd, names, round_owners.get(rnd.id), language), rnd)
        for response, rnd in answers
    ]
    pairs += [(_review_entry(review, rnd, names), rnd) for review, rnd in reviews]
    moved = await _handover_entries(session, item.id)
    # Rounds newest first; within a round the latest step first.
    pairs.sort(key=lambda p: (p[1].opens_at, p[1].id, p[0].at, p[0].revision), reverse=True)
    # Hand-overs head the history of the round they happened in (or stand first).
    return sorted(moved, key=lambda e: e.at, reverse=True) + [entry for entry, _ in pairs]


async def _handover_entries(session: AsyncSession, item_id: int) -> list[HistoryEntry]:
    found = []
    for entry in await history_store.handovers_of_item(session, item_id):
        details = entry.details or {}
        names = await response_store.answerer_names(
            session, [int(details.get("from", 0)), int(details.get("to", 0))]
        )
        round_ids = details.get("round_ids") or []
        rnd = None if not round_ids else await session.get(ReportingRound, int(round_ids[-1]))
        found.append(
            HistoryEntry(
                kind="handed_over",
                round_name="" if rnd is None else rnd.name,
                at=entry.at,
                actor=names.get(int(details.get("from", 0)), "?"),
                other=names.get(int(details.get("to", 0)), "?"),
            )
        )
    return found


def _status(
    scale: StatusScale, key: str | None, language: Language
) -> tuple[str | None, str | None]:
    option = next((o for o in scale.options if o.key == key), None)
    if option is None:
        return (None, None)
    return (option.label_en if language == "en" else option.label_sv, option.card_colour)


def _answer_entry(
    response: Response,
    rnd: ReportingRound,
    names: dict[int, str],
    owner_id: int | None,
    language: Language,
) -> HistoryEntry:
    label, colour = _status(rnd.status_scale, response.status_key, language)
    band = None
    if response.likelihood is not None and response.consequence is not None and rnd.risk_scale:
        score = response.likelihood * response.consequence
        band = next((b for b in rnd.risk_scale.bands if b.min_score <= score <= b.max_score), None)
    return HistoryEntry(
        kind="answer",
        round_name=rnd.name,
        at=response.answered_at,
        actor=names.get(response.answered_by_id, "?"),
        revision=response.revision,
        answered_for=None
        if owner_id is None or owner_id == response.answered_by_id
        else names.get(owner_id, "?"),
        status_label=label,
        status_colour=colour,
        likelihood=response.likelihood,
        consequence=response.consequence,
        risk_band_label=None
        if band is None
        else (band.label_en if language == "en" else band.label_sv),
        value=response.value,
        comment=response.comment,
        late=response.answered_at > rnd.deadline_at,
    )


def _review_entry(review: Review, rnd: ReportingRound, names: dict[int, str]) -> HistoryEntry:
    return HistoryEntry(
        kind=_EVENT_KIND[review.event],  # type: ignore[arg-type]
        round_name=rnd.name,
        at=review.at,
        actor=names.get(review.actor_id or 0, "?"),
        comment=review.comment,
    )
