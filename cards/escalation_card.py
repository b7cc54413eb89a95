"""The card a line manager gets when people reporting to them let a deadline pass: one card
per round listing each person's unanswered items. Information only: the manager cannot
answer for them, so the card has no buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cards import layout
from cards.escape import escape_markdown
from cards.layout import Element
from services import texts
from services.manager_view import Language

LISTED_REPORTS: Final = 25
LISTED_ITEMS_PER_REPORT: Final = 5


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
    tx = texts.for_language(view.language)
    round_name = escape_markdown(view.round_name, keep_line_breaks=False)
    body: list[Element] = [
        layout.heading(tx.t("escalation.title", round=round_name)),
        layout.text_block(
            tx.t(
                "escalation.intro",
                name=escape_markdown(view.manager_name, keep_line_breaks=False),
                round=round_name,
                deadline=tx.format_datetime(view.deadline, view.time_zone),
                count=len(view.reports),
            )
        ),
    ]
    for report in view.reports[:LISTED_REPORTS]:
        section: list[Element] = [
            layout.text_block(
                escape_markdown(report.name, keep_line_breaks=False), weight="bolder"
            ),
            layout.text_block(
                tx.t(
                    "escalation.unanswered",
                    count=len(report.unanswered),
                    total=report.total_items,
                ),
                color="attention",
                spacing="none",
            ),
        ]
        listed = report.unanswered[:LISTED_ITEMS_PER_REPORT]
        section.extend(
            layout.text_block(f"- {escape_markdown(title, keep_line_breaks=False)}", spacing="none")
            for title in listed
        )
        if len(report.unanswered) > len(listed):
            section.append(
                layout.small_note(
                    tx.t("escalation.more_items", count=len(report.unanswered) - len(listed))
                )
            )
        body.append(layout.container(section, separator=True, spacing="medium"))
    if len(view.reports) > LISTED_REPORTS:
        body.append(
            layout.small_note(
                tx.t("escalation.more_reports", count=len(view.reports) - LISTED_REPORTS)
            )
        )
    body.append(layout.small_note(tx.t("escalation.footer"), spacing="small"))
    return layout.adaptive_card(body)
