"""Builds what a manager's status card shows (cards.views) from the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import (
    ItemQuestion,
    RecordedAnswer,
    RiskLevelChoice,
    RiskScaleView,
    StatusCardView,
    StatusChoice,
)
from catalogue import texts
from catalogue.texts import Language
from services.answering import answers
from services.goals.card_view import with_indicators
from storage import responses as response_store
from storage import reviews as review_store
from storage import rounds as round_store
from storage.models import (
    Person,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    ReviewEvent,
    RiskScale,
    RoundItem,
    RoundState,
    RoundSummary,
    StatusScale,
)

DEFAULT_PAGE_SIZE = 8


def language_of(value: str | None) -> Language:
    return "en" if value and value.lower().startswith("en") else "sv"


async def item_paths(
    session: AsyncSession, items: Sequence[PlanItem]
) -> dict[int, tuple[str, ...]]:
    """Ancestor titles of each item, outermost first, loaded level by level."""
    known: dict[int, PlanItem] = {item.id: item for item in items}
    wanted = {item.parent_id for item in items if item.parent_id is not None} - known.keys()
    while wanted:
        rows = (await session.execute(select(PlanItem).where(PlanItem.id.in_(wanted)))).scalars()
        fetched = list(rows)
        for parent in fetched:
            known[parent.id] = parent
        wanted = {p.parent_id for p in fetched if p.parent_id is not None} - known.keys()
    paths: dict[int, tuple[str, ...]] = {}
    for item in items:
        titles: list[str] = []
        parent_id = item.parent_id
        while parent_id is not None and parent_id in known and len(titles) < 20:
            parent = known[parent_id]
            titles.append(parent.title)
            parent_id = parent.parent_id
        paths[item.id] = tuple(reversed(titles))
    return paths


def _recorded(
    response: Response,
    statuses: StatusScale,
    risk: RiskScale | None,
    names: dict[int, str],
    language: Language,
    *,
    owner: Person | None = None,
    deadline: datetime | None = None,
) -> RecordedAnswer:
    """One stored answer as shown. ``owner`` and ``deadline`` (this round's answers only)
    add who it was given for, when that was someone else, and whether it came in late."""
    option = next((o for o in statuses.options if o.key == response.status_key), None)
    score = (
        response.likelihood * response.consequence
        if response.likelihood is not None and response.consequence is not None
        else None
    )
    band = None
    if score is not None and risk is not None:
        band = next((b for b in risk.bands if b.min_score <= score <= b.max_score), None)
    return RecordedAnswer(
        status_key=response.status_key,
        status_label=None
        if option is None
        else (option.label_en if language == "en" else option.label_sv),
        status_colour=None if option is None else option.card_colour,
        likelihood=response.likelihood,
        consequence=response.consequence,
        risk_score=score,
        risk_band_label=None
        if band is None
        else (band.label_en if language == "en" else band.label_sv),
        risk_band_colour=None if band is None else band.card_colour,
        comment=response.comment,
        value=response.value,
        answered_by=names.get(response.answered_by_id, "?"),
        answered_at=response.answered_at,
        revision=response.revision,
        answered_for=None
        if owner is None or response.answered_by_id == owner.id
        else owner.display_name,
        late=deadline is not None and response.answered_at > deadline,
    )


def _risk_view(risk: RiskScale, language: Language) -> RiskScaleView:
    def axis(name: str) -> tuple[RiskLevelChoice, ...]:
        return tuple(
            RiskLevelChoice(lvl.value, lvl.label_en if language == "en" else lvl.label_sv)
            for lvl in sorted(risk.levels, key=lambda lvl: lvl.value)
            if lvl.axis == name
        )

    return RiskScaleView(likelihood=axis("likelihood"), consequence=axis("consequence"))


PageSizer = Callable[[StatusCardView, Sequence[ItemQuestion]], int]


async def build_status_view(
    session: AsyncSession,
    *,
    request: ReportRequest,
    rnd: ReportingRound,
    person: Person,
    language: Language,
    now: datetime,
    page: int = 1,
    page_size: int | PageSizer = DEFAULT_PAGE_SIZE,
    viewer: Person | None = None,
    stands_in: bool = False,
) -> StatusCardView:
    """The card for one page of a request, as ``viewer`` (default: the owner, ``person``)
    sees it: the owner sees all their items, anyone else only the items they may answer
    for the owner (a delegate's), in the viewer's time zone, marked as answered for the
    owner. ``page_size`` may be a function of the whole view, so the card layer can size
    pages to its message budget. A viewer who ``stands_in`` for the owner (their substitute
    today) sees every item of the owner's, marked as answered for them."""
    viewer = person if viewer is None else viewer
    rows = await round_store.round_items_of_owner(session, rnd.id, request.person_id)
    if viewer.id != person.id and not stands_in:
        rows = [row for row in rows if answers.may_answer(viewer, person.id, row[1])]
    items = [item for _, item in rows]
    known = await _known_answers(session, rnd, [item.id for item in items])
    paths = await item_paths(session, items)
    risk = rnd.risk_scale if rnd.ask_risk else None
    questions = _questions(rows, paths, rnd, known, owner=person, language=language)
    questions = await with_indicators(session, rnd, questions)
    closed = rnd.state == RoundState.CLOSED
    published = await _published(session, rnd) if closed else (None, None)
    view = StatusCardView(
        round_id=rnd.id,
        round_name=rnd.name,
        request_id=request.id,
        person_name=viewer.display_name,
        deadline=rnd.deadline_at,
        time_zone=viewer.time_zone,
        language=language,
        closed=closed,
        statuses=tuple(
            StatusChoice(o.key, o.label_en if language == "en" else o.label_sv, o.card_colour)
            for o in rnd.status_scale.options
        ),
        risk_scale=None if risk is None else _risk_view(risk, language),
        ask_comment=rnd.ask_comment,
        comment_max_length=rnd.comment_max_length,
        items=questions,
        total_items=len(questions),
        past_deadline=now > rnd.deadline_at,
        accepting=rnd.state == RoundState.OPEN,
        on_behalf_of=None if viewer.id == person.id else person.display_name,
        intranet_url=published[0],
        report_url=published[1],
    )
    view = await _with_review(session, view, rnd, request, language)
    return _one_page(view, questions, page, page_size)


async def _with_review(
    session: AsyncSession,
    view: StatusCardView,
    rnd: ReportingRound,
    request: ReportRequest,
    language: Language,
) -> StatusCardView:
    """The last review step as a banner: fastställd (locked), sent back (with the
    reviewer's comment) or waiting for review."""
    last = await review_store.latest(session, rnd.id, request.person_id)
    if last is None:
        return view
    tx = texts.for_language(language)
    names = await response_store.answerer_names(
        session, [i for i in (last.actor_id, last.reviewer_id) if i is not None]
    )
    who = names.get(last.actor_id or 0, "?")
    when = tx.format_datetime(last.at, view.time_zone)
    if last.event == ReviewEvent.APPROVED:
        return replace(view, review_banner=tx.t("review.card.approved", name=who, when=when),
                       locked=True)  # fmt: skip
    if last.event == ReviewEvent.RETURNED:
        banner = tx.t("review.card.returned", name=who, when=when, comment=last.comment or "")
        return replace(view, review_banner=banner)
    reviewer = names.get(last.reviewer_id or 0, "?")
    return replace(view, review_banner=tx.t("review.card.waiting", name=reviewer))


@dataclass(frozen=True)
class _KnownAnswers:
    """The items' current answers in this round and in the previous one, and who gave them."""

    current: dict[int, Response]
    previous: dict[int, Response]
    names: dict[int, str]


async def _known_answers(
    session: AsyncSession, rnd: ReportingRound, item_ids: list[int]
) -> _KnownAnswers:
    current = await response_store.current_answers(session, rnd.id, item_ids)
    previous: dict[int, Response] = {}
    if rnd.previous_round_id is not None:
        previous = await response_store.current_answers(session, rnd.previous_round_id, item_ids)
    names = await response_store.answerer_names(
        session, [r.answered_by_id for r in (*current.values(), *previous.values())]
    )
    return _KnownAnswers(current, previous, names)


def _questions(
    rows: Sequence[tuple[RoundItem, PlanItem]],
    paths: dict[int, tuple[str, ...]],
    rnd: ReportingRound,
    known: _KnownAnswers,
    *,
    owner: Person,
    language: Language,
) -> tuple[ItemQuestion, ...]:
    """One question per item, with its answer in the previous round and in this one."""
    statuses = rnd.status_scale
    risk = rnd.risk_scale if rnd.ask_risk else None
    return tuple(
        ItemQuestion(
            item_id=item.id,
            item_key=item.key,
            title=item.title,
            path=paths[item.id],
            kind=str(item.kind),
            unit=item.unit,
            target=item.target,
            ask_risk=round_item.ask_risk and risk is not None,
            ask_value=round_item.ask_value,
            link_url=item.link_url,
            link_title=item.link_title,
            previous_round=(
                _recorded(known.previous[item.id], statuses, rnd.risk_scale, known.names, language)
                if item.id in known.previous
                else None
            ),
            current=(
                _recorded(
                    known.current[item.id],
                    statuses,
                    rnd.risk_scale,
                    known.names,
                    language,
                    owner=owner,
                    deadline=rnd.deadline_at,
                )
                if item.id in known.current
                else None
            ),
        )
        for round_item, item in rows
    )


async def _published(session: AsyncSession, rnd: ReportingRound) -> tuple[str | None, str | None]:
    """Where the round's summary page and its Word report are on the intranet, if published."""
    row = (
        await session.execute(
            select(RoundSummary.intranet_page_url, RoundSummary.intranet_report_url).where(
                RoundSummary.round_id == rnd.id
            )
        )
    ).first()
    return (None, None) if row is None else (row[0], row[1])


def _one_page(
    view: StatusCardView,
    questions: tuple[ItemQuestion, ...],
    page: int,
    page_size: int | PageSizer,
) -> StatusCardView:
    """The view cut to the asked page (kept within the pages there are)."""
    size = page_size if isinstance(page_size, int) else page_size(view, questions)
    size = max(1, size)
    page_count = max(1, -(-len(questions) // size))
    page = min(max(page, 1), page_count)
    return replace(
        view,
        items=questions[(page - 1) * size : page * size],
        page=page,
        page_count=page_count,
        unanswered_elsewhere=_unanswered_elsewhere(questions, size, page),
    )


def _unanswered_elsewhere(
    questions: Sequence[ItemQuestion], size: int, page: int
) -> tuple[tuple[int, int], ...]:
    """(page, unanswered items) for every other page that has any."""
    found: list[tuple[int, int]] = []
    for start in range(0, len(questions), size):
        number = start // size + 1
        left = sum(q.current is None for q in questions[start : start + size])
        if number != page and left:
            found.append((number, left))
    return tuple(found)
