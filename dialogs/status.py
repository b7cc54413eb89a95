"""The status card view for a request, as whoever is looking at it sees it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import StatusCardView
from catalogue.texts import Language
from dialogs import render
from dialogs.context import Deps
from services.answering.status_view import build_status_view
from services.standins import substitutes
from storage.models import Person, ReportingRound, ReportRequest


async def status_view_for(
    session: AsyncSession,
    deps: Deps,
    *,
    viewer: Person,
    request: ReportRequest,
    rnd: ReportingRound,
    language: Language,
    page: int = 1,
) -> StatusCardView:
    """The request's card as the viewer may use it: the owner's whole card, or for a
    delegate the items delegated to them, for a substitute (ersättare) in their period all
    the owner's items, marked "för <owner>"; in the viewer's language
    and time zone, paged to the card layer's size budget."""
    owner = (
        viewer if viewer.id == request.person_id else await session.get(Person, request.person_id)
    )
    assert owner is not None  # requests reference people by foreign key
    stands_in = viewer.id != owner.id and await substitutes.stands_in(
        session, viewer, owner, deps.clock()
    )
    return await build_status_view(
        session,
        request=request,
        rnd=rnd,
        person=owner,
        language=language,
        page=page,
        now=deps.clock(),
        page_size=render.page_size_for,
        viewer=viewer,
        stands_in=stands_in,
    )
