"""The manager's 1:1 chat: help, "my items", and re-posting the open status card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import render
from dialogs.admin import is_admin
from dialogs.commands import Command, command_of
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of, remember_conversation
from dialogs.people import language_for, person_of
from dialogs.status import status_view_for
from services.standins import substitutes
from storage import responses as response_store
from storage import rounds as round_store
from storage.models import ConversationKind, Person, ReportingRound, ReportRequest


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    if kind_of(inbound) is ConversationKind.PERSONAL:
        # Keeps the reference fresh (serviceUrl can change) for proactive cards.
        await remember_conversation(deps, inbound)
    command = command_of(inbound.text)
    async with deps.sessions() as session:
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        if command is Command.HELP:
            admin = await is_admin(session, deps, inbound)
            return [render.help_message(language, admin=admin)]
        if person is None:
            return [render.text(language, "refusal.unknown_person")]
        if command is Command.MY_ITEMS:
            summaries = []
            for _request, rnd in await round_store.open_requests_of_person(session, person.id):
                rows = await round_store.round_items_of_owner(session, rnd.id, person.id)
                answered = await response_store.current_answers(
                    session, rnd.id, [item.id for _, item in rows]
                )
                summaries.append(
                    render.RoundSummary(rnd, [item for _, item in rows], set(answered))
                )
            return [render.my_items(language, summaries, person.time_zone)]
        if command is Command.STATUS:
            replies = []
            requests = await _requests_to_show(session, person, deps.clock())
            for request, rnd in requests:
                view = await status_view_for(
                    session, deps, viewer=person, request=request, rnd=rnd, language=language
                )
                replies.append(Reply(card=render.status_card(view, editing=False)))
            return replies or [render.text(language, "status.nothing_open")]
        return [render.unknown_command(language)]


async def _requests_to_show(
    session: AsyncSession, person: Person, now: datetime
) -> list[tuple[ReportRequest, ReportingRound]]:
    """The person's own open requests, those with items delegated to them, and, while
    someone is away, every request of the owner they stand in for ("För <owner>")."""
    requests = await round_store.open_requests_of_person(session, person.id)
    requests += await round_store.delegated_requests_of_person(session, person.id)
    for owner in await substitutes.owners_stood_in_for(session, person, now):
        for found in await round_store.open_requests_of_person(session, owner.id):
            if found not in requests:
                requests.append(found)
    return requests
