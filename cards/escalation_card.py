"""The card a line manager gets when people reporting to them let a deadline pass: one card
per round listing each person's unanswered items. Information only: the manager cannot
answer for them, so the card has no buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cards import layout, paging
from cards.escape import escape_markdown, excerpt
from cards.layout import Element
from catalogue import texts
from catalogue.texts import Language

LISTED_REPORTS: Final = 25
LISTED_ITEMS_PER_REPORT: Final = 5
TITLE_CHARS: Final = 120


@dataclass(frozen=True)
class OverdueReport:
    name: str
    unanswered: tuple[str, ...]  # item titles, plan order
    total_items: int


@dataclass(frozen=True)
class EscalationView:
    language: Language
    manager_name: str
    round_name: str
    deadline: datetime  # aware
    time_zone: str
    reports: tuple[OverdueReport, ...]


def create_escalation_card(view: EscalationView) -> dict[str, Any]:
    """The card within Teams' size limit: if long names and titles would push it over, fewer
    people are listed and the rest counted."""
    listed = LISTED_REPORTS
    card = _card(view, listed)
    while paging.card_size(card) > paging.DEFAULT_BUDGET_BYTES and listed > 1:
        listed = max(1, listed * 2 // 3)
        card = _card(view, listed)
    return card


def _card(view: EscalationView, listed_reports: int) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    round_name = escape_markdown(view.round_name, keep_line_breaks=False)
    body: list[Element] = [
        layout.heading(tx.t("escalation.title", round=round_name)),
        layout.text_block(
            tx.n(
                "escalation.intro",
                len(view.reports),
                name=escape_markdown(view.manager_name, keep_line_breaks=False),
                round=round_name,
                deadline=tx.format_datetime(view.deadline, view.time_zone),
            )
        ),
    ]
    for report in view.reports[:listed_reports]:
        section: list[Element] = [
            layout.text_block(
                escape_markdown(report.name, keep_line_breaks=False), weight="bolder"
            ),
            layout.text_block(
                tx.t(
                    "escalation.unanswered",
                    count=len(report.unanswered),
                    items=tx.n("count.items", report.total_items),
                ),
                color="attention",
                spacing="none",
            ),
        ]
        listed = report.unanswered[:LISTED_ITEMS_PER_REPORT]
        section.extend(
            layout.text_block(f"- {excerpt(title, TITLE_CHARS)}", spacing="none")
            for title in listed
        )
        if len(report.unanswered) > len(listed):
            section.append(
                layout.small_note(
                    tx.n("escalation.more_items", len(report.unanswered) - len(listed))
                )
            )
        body.append(layout.container(section, separator=True, spacing="medium"))
    if len(view.reports) > listed_reports:
        body.append(
            layout.small_note(tx.n("escalation.more_reports", len(view.reports) - listed_reports))
        )
    body.append(layout.small_note(tx.t("escalation.footer"), spacing="small"))
    return layout.adaptive_card(body)
