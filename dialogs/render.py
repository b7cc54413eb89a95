"""Turns dialog outcomes into what the person sees: cards from cards/, texts from the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cards.messages import (
    ItemLine,
    RoundItems,
    create_greeting_card,
    create_help_card,
    create_my_items_card,
    create_notice_card,
    create_shared_help_card,
    unknown_command_text,
)
from cards.status_card import create_status_card, status_card_page_size
from cards.views import CardFeedback, StatusCardView
from catalogue import texts
from catalogue.texts import Language
from dialogs.context import Reply
from services.answering.answers import SubmitResult
from storage.models import PlanItem, ReportingRound

page_size_for = status_card_page_size


@dataclass(frozen=True)
class RoundSummary:
    round: ReportingRound
    items: list[PlanItem]
    answered_item_ids: set[int]


def text(language: Language, msgid: str, **params: object) -> Reply:
    return Reply(text=texts.for_language(language).t(msgid, **params))


def notice(language: Language, msgid: str, **params: object) -> dict[str, Any]:
    return create_notice_card(texts.for_language(language).t(msgid, **params))


def personal_greeting(language: Language, name: str) -> Reply:
    return Reply(card=create_greeting_card(language, name or None))


def team_greeting(language: Language) -> Reply:
    return Reply(card=create_greeting_card(language, team=True))


def help_message(language: Language, *, admin: bool = False) -> Reply:
    return Reply(card=create_help_card(language, admin=admin))


def shared_help(language: Language, *, channel: bool) -> Reply:
    return Reply(card=create_shared_help_card(language, channel=channel))


def unknown_command(language: Language) -> Reply:
    return Reply(text=unknown_command_text(language))


def my_items(language: Language, summaries: Sequence[RoundSummary], time_zone: str) -> Reply:
    if not summaries:
        return text(language, "my_items.none")
    rounds = [
        RoundItems(
            round_name=s.round.name,
            deadline=s.round.deadline_at,
            items=tuple(ItemLine(i.title, i.id in s.answered_item_ids) for i in s.items),
        )
        for s in summaries
    ]
    return Reply(card=create_my_items_card(language, rounds, time_zone))


def _feedback(view: StatusCardView, result: SubmitResult, language: Language) -> CardFeedback:
    tx = texts.for_language(language)
    banner = None
    if result.conflict is not None:
        banner = tx.t(
            "refusal.conflict",
            name=result.conflict.answered_by,
            when=tx.format_datetime(result.conflict.answered_at, view.time_zone),
        )
    elif result.refusal:
        banner = tx.t(result.refusal)
    return CardFeedback(
        errors={key: tx.t(error.code, **error.params) for key, error in result.errors.items()},
        typed=dict(result.typed),
        banner=banner,
    )


def status_card(
    view: StatusCardView,
    *,
    editing: bool,
    result: SubmitResult | None = None,
    language: Language | None = None,
) -> dict[str, Any]:
    feedback = None if result is None else _feedback(view, result, language or view.language)
    return create_status_card(view, feedback, editing=editing)
