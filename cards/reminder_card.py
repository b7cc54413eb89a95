"""The reminder a manager gets before the deadline while items are still unanswered.

Its button opens the status form in place (the same action as paging the status card), so the
manager answers from the reminder without scrolling back to the first card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cards import layout, verbs
from cards.escape import escape_markdown, excerpt
from cards.layout import Element
from catalogue import texts
from catalogue.texts import Language

LISTED_ITEMS: Final = 10
TITLE_CHARS: Final = 200


@dataclass(frozen=True)
class ReminderView:
    language: Language
    round_id: int
    request_id: int
    round_name: str
    person_name: str
    deadline: datetime  # aware
    time_zone: str
    unanswered: tuple[str, ...]  # titles of the items still without an answer, in plan order
    total_items: int


def create_reminder_card(view: ReminderView) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    round_name = escape_markdown(view.round_name, keep_line_breaks=False)
    body: list[Element] = [
        layout.heading(tx.t("reminder.title", round=round_name)),
        layout.text_block(
            tx.t(
                "reminder.body",
                name=escape_markdown(view.person_name, keep_line_breaks=False),
                count=len(view.unanswered),
                items=tx.n("count.items", view.total_items),
                round=round_name,
            )
        ),
        layout.text_block(
            tx.t("card.deadline", deadline=tx.format_datetime(view.deadline, view.time_zone)),
            weight="bolder",
            color="warning",
            spacing="small",
        ),
    ]
    listed = view.unanswered[:LISTED_ITEMS]
    body.extend(
        layout.text_block(f"- {excerpt(title, TITLE_CHARS)}", spacing="none") for title in listed
    )
    hidden = len(view.unanswered) - len(listed)
    if hidden > 0:
        body.append(layout.small_note(tx.t("reminder.more", count=hidden)))
    actions = [
        layout.execute(
            tx.t("reminder.answer"),
            verbs.SHOW_PAGE,
            {"round_id": view.round_id, "request_id": view.request_id, "page": 1},
            style="positive",
            associated_inputs="none",
        )
    ]
    return layout.adaptive_card(body, actions)
