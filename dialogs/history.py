"""An item's history in the 1:1 chat: "historik <punkt>" (the item's key, or words of its
title) and the status card's "Visa historik". Comments are personal, so in a channel or
group chat the command answers with a pointer to the 1:1 chat and the button is refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cards import verbs
from cards.history_card import (
    create_history_card,
    create_history_choices_card,
    history_page_size,
)
from cards.views import HistoryBack, HistoryChoice, HistoryChoicesView
from dialogs import render
from dialogs.actions import _int, personal_only
from dialogs.admin import is_admin
from dialogs.commands import normalise
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from dialogs.registry import ActionOutcome, card_action
from services.answering import item_history
from storage.models import ConversationKind, PlanItem

WORDS: Final = frozenset({"historik", "history"})
CHOICES_SHOWN: Final = 6
MAX_QUERY: Final = 200


def _split(text: str) -> tuple[str, str]:
    said = text.strip().strip("/!")
    word, _, rest = said.partition(" ")
    return word.lower(), rest.strip()


def applies(inbound: Inbound) -> bool:
    return normalise(inbound.text).split(" ", 1)[0] in WORDS


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    word, query = _split(inbound.text)
    async with deps.sessions() as session:
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        if kind_of(inbound) is not ConversationKind.PERSONAL:
            return [render.text(language, "shared.personal_only", command=f"{word} …")]
        if person is None:
            return [render.text(language, "refusal.unknown_person")]
        if not query:
            return [render.text(language, "history.usage", command=word)]
        query = query[:MAX_QUERY]
        admin = await is_admin(session, deps, inbound)
        matches = await item_history.find_items(
            session, person, query, admin=admin, now=deps.clock()
        )
        if not matches.visible:
            msgid = "history.not_allowed" if matches.hidden else "history.not_found"
            return [render.text(language, msgid, query=query)]
        if len(matches.visible) == 1:
            [(item, _plan)] = matches.visible
            view = await item_history.build_history_view(
                session, item, viewer=person, language=language, page_size=history_page_size
            )
            return [Reply(card=create_history_card(view))]
        choices = tuple(
            HistoryChoice(item.id, item.key, item.title, plan.name)
            for item, plan in matches.visible[:CHOICES_SHOWN]
        )
        more = len(matches.visible) - len(choices)
        view_choices = HistoryChoicesView(query, choices, language, more=more)
        return [Reply(card=create_history_choices_card(view_choices))]


def _back(data: Mapping[str, Any]) -> HistoryBack | None:
    round_id, request_id = _int(data, "round_id"), _int(data, "request_id")
    if round_id is None or request_id is None:
        return None
    return HistoryBack(round_id, request_id, _int(data, "back_page", 1) or 1)


@card_action(verbs.SHOW_HISTORY)
@personal_only
async def show_history(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
    item_id = _int(data, "item_id")
    if item_id is None:
        return ActionOutcome(error="item_id is required")
    async with deps.sessions() as session:
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        if person is None:
            return ActionOutcome(card=render.notice(language, "refusal.unknown_person"))
        item = await session.get(PlanItem, item_id)
        admin = await is_admin(session, deps, inbound)
        if item is None or not await item_history.may_see_history(
            session, person, item, admin=admin, now=deps.clock()
        ):
            return ActionOutcome(card=render.notice(language, "history.not_allowed_card"))
        view = await item_history.build_history_view(
            session,
            item,
            viewer=person,
            language=language,
            page=_int(data, "page", 1) or 1,
            page_size=history_page_size,
            back=_back(data),
        )
        return ActionOutcome(card=create_history_card(view))
