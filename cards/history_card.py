"""An item's history: every answer it was given, round by round and revision by revision
(who, when, for whom, status, risk, value, comment), and every review step, newest first,
paged to the card budget (cards/paging.py).

Shown in the 1:1 chat only: the answers' comments are personal. Opened from the status card
("Visa historik"), the card offers a way back to it; "historik <punkt>" opens it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

from cards import layout, paging, verbs
from cards.escape import escape_markdown
from cards.layout import Element
from cards.views import HistoryChoicesView, HistoryEntry, ItemHistoryView
from catalogue import texts

PATH_SEPARATOR: Final = " › "


def history_page_size(view: ItemHistoryView, all_entries: Sequence[HistoryEntry]) -> int:
    """How many entries go on one page within the card budget (both paging buttons shown)."""

    def render(page_entries: Sequence[HistoryEntry]) -> dict[str, Any]:
        pages = paging.page_count(len(all_entries), len(page_entries))
        return create_history_card(
            replace(view, entries=tuple(page_entries), page=min(2, pages), page_count=pages)
        )

    return paging.page_size_for(all_entries, render)


def create_history_card(view: ItemHistoryView) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    body: list[Element] = [
        layout.heading(
            tx.t("history.title", title=escape_markdown(view.title, keep_line_breaks=False))
        )
    ]
    facts = [tx.t("history.key", key=escape_markdown(view.item_key, keep_line_breaks=False))]
    if view.path:
        facts.append(
            PATH_SEPARATOR.join(escape_markdown(t, keep_line_breaks=False) for t in view.path)
        )
    body.append(layout.small_note(" · ".join(facts), spacing="none"))
    if not view.entries:
        body.append(layout.text_block(tx.t("history.empty"), spacing="medium"))
    else:
        summary = tx.t(
            "history.summary",
            answers=tx.n("history.count.answers", view.total),
            rounds=tx.n("history.count.rounds", view.rounds),
        )
        if view.page_count > 1:
            summary += " · " + tx.t("card.page", page=view.page, page_count=view.page_count)
        body.append(layout.small_note(summary))
    shown_round: str | None = None
    for entry in view.entries:
        if entry.round_name != shown_round:
            shown_round = entry.round_name
            body.append(
                layout.text_block(
                    escape_markdown(entry.round_name, keep_line_breaks=False),
                    weight="bolder",
                    spacing="large",
                    separator=True,
                )
            )
        body.append(_entry(view, entry, tx))
    return layout.adaptive_card(body, _actions(view, tx))


def _entry(view: ItemHistoryView, entry: HistoryEntry, tx: texts.Texts) -> Element:
    when = tx.format_datetime(entry.at, view.time_zone)
    actor = escape_markdown(entry.actor, keep_line_breaks=False)
    elements: list[Element] = []
    if entry.kind == "answer":
        elements.append(layout.text_block(_answer_line(view, entry, tx), spacing="none"))
        if entry.comment:
            elements.append(layout.text_block(escape_markdown(entry.comment), spacing="none"))
        line = tx.t("history.revision", revision=entry.revision) + " · "
        if entry.answered_for is None:
            line += tx.t("card.recorded_by", name=actor, when=when)
        else:
            owner = escape_markdown(entry.answered_for, keep_line_breaks=False)
            line += tx.t("card.recorded_by_for", name=actor, owner=owner, when=when)
        if entry.late:
            line += " · " + tx.t("card.late")
        elements.append(layout.small_note(line, spacing="none"))
    else:
        other = escape_markdown(entry.other or "", keep_line_breaks=False)
        elements.append(
            layout.text_block(
                tx.t(f"history.event.{entry.kind}", name=actor, when=when, other=other),
                weight="bolder",
                color="good" if entry.kind == "approved" else "warning",
                spacing="none",
            )
        )
        if entry.comment:
            elements.append(layout.text_block(escape_markdown(entry.comment), spacing="none"))
    return layout.container(elements, spacing="medium")


def _answer_line(view: ItemHistoryView, entry: HistoryEntry, tx: texts.Texts) -> str:
    parts = [
        tx.t(
            "history.status",
            status=escape_markdown(
                entry.status_label or tx.t("card.no_status"), keep_line_breaks=False
            ),
        )
    ]
    if entry.likelihood is not None and entry.consequence is not None:
        score = entry.likelihood * entry.consequence
        band = escape_markdown(entry.risk_band_label or "", keep_line_breaks=False)
        parts.append(
            tx.t(
                "history.risk",
                score=score,
                band=band,
                likelihood=entry.likelihood,
                consequence=entry.consequence,
            )
        )
    if entry.value is not None:
        shown = tx.format_number(entry.value)
        if view.unit:
            shown += " " + escape_markdown(view.unit, keep_line_breaks=False)
        parts.append(tx.t("history.value", value=shown))
    return " · ".join(parts)


def _actions(view: ItemHistoryView, tx: texts.Texts) -> list[Element]:
    actions: list[Element] = []
    base: dict[str, Any] = {"item_id": view.item_id}
    if view.back is not None:
        base.update(
            round_id=view.back.round_id, request_id=view.back.request_id, back_page=view.back.page
        )
    actions.extend(
        layout.page_buttons(
            verbs.SHOW_HISTORY,
            base,
            page=view.page,
            page_count=view.page_count,
            previous_title=tx.t("card.previous_page"),
            next_title=tx.t("card.next_page"),
        )
    )
    if view.back is not None:
        actions.append(
            layout.execute(
                tx.t("history.back"),
                verbs.SHOW_PAGE,
                {
                    "round_id": view.back.round_id,
                    "request_id": view.back.request_id,
                    "page": view.back.page,
                },
                associated_inputs="none",
            )
        )
    return actions


def create_history_choices_card(view: HistoryChoicesView) -> dict[str, Any]:
    """Several items matched: one button each, so the person picks without retyping."""
    tx = texts.for_language(view.language)
    body: list[Element] = [
        layout.text_block(
            tx.t("history.choose", query=escape_markdown(view.query, keep_line_breaks=False))
        )
    ]
    actions = [
        layout.execute(
            tx.t(
                "history.choice",
                key=escape_markdown(choice.item_key, keep_line_breaks=False),
                title=escape_markdown(choice.title, keep_line_breaks=False),
            ),
            verbs.SHOW_HISTORY,
            {"item_id": choice.item_id},
            associated_inputs="none",
        )
        for choice in view.choices
    ]
    if view.more:
        body.append(layout.small_note(tx.n("history.more_matches", view.more)))
    return layout.adaptive_card(body, actions)
