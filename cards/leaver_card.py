"""The notice an admin gets when the people sync marked people as left who still own items in
open or scheduled rounds: who left, how many items each owns, the first few titles, and how
to give the items a new owner. Information only, so the card has no buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from cards import layout, paging
from cards.escape import escape_markdown, excerpt
from cards.layout import Element
from catalogue import texts
from catalogue.texts import Language

LISTED_LEAVERS: Final = 15
LISTED_ITEMS_PER_LEAVER: Final = 3
TITLE_CHARS: Final = 120


@dataclass(frozen=True)
class LeaverItem:
    title: str
    round_names: tuple[str, ...]  # the open and scheduled rounds asking about it


@dataclass(frozen=True)
class LeaverView:
    name: str
    upn: str
    items: tuple[LeaverItem, ...]  # each plan item once; round order, then plan order


@dataclass(frozen=True)
class LeaverNoticeView:
    leavers: tuple[LeaverView, ...]
    language: Language


def create_leaver_notice_card(view: LeaverNoticeView) -> dict[str, Any]:
    """The card within Teams' size limit: if long names and titles would push it over, fewer
    people are listed and the rest counted."""
    listed = LISTED_LEAVERS
    card = _card(view, listed)
    while paging.card_size(card) > paging.DEFAULT_BUDGET_BYTES and listed > 1:
        listed = max(1, listed * 2 // 3)
        card = _card(view, listed)
    return card


def _card(view: LeaverNoticeView, listed_leavers: int) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    body: list[Element] = [
        layout.heading(tx.t("leavers.title")),
        layout.text_block(tx.t("leavers.intro", count=len(view.leavers))),
    ]
    for leaver in view.leavers[:listed_leavers]:
        section: list[Element] = [
            layout.text_block(
                tx.t(
                    "leavers.person",
                    name=escape_markdown(leaver.name, keep_line_breaks=False),
                    upn=escape_markdown(leaver.upn, keep_line_breaks=False),
                ),
                weight="bolder",
            ),
            layout.text_block(
                tx.t("leavers.item_count", count=len(leaver.items)),
                color="attention",
                spacing="none",
            ),
        ]
        listed = leaver.items[:LISTED_ITEMS_PER_LEAVER]
        section.extend(
            layout.text_block(
                tx.t(
                    "leavers.item",
                    title=excerpt(item.title, TITLE_CHARS),
                    rounds=escape_markdown(", ".join(item.round_names), keep_line_breaks=False),
                ),
                spacing="none",
            )
            for item in listed
        )
        if len(leaver.items) > len(listed):
            section.append(
                layout.small_note(tx.n("leavers.more_items", len(leaver.items) - len(listed)))
            )
        body.append(layout.container(section, separator=True, spacing="medium"))
    if len(view.leavers) > listed_leavers:
        body.append(
            layout.small_note(tx.n("leavers.more_people", len(view.leavers) - listed_leavers))
        )
    body.append(layout.text_block(tx.t("leavers.what_to_do"), spacing="medium"))
    return layout.adaptive_card(body)
