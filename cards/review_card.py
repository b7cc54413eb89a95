"""The reviewer's card: one owner's answers in a round (status, risk, value, comment, and
the change since the last round), with Fastställ and Skicka tillbaka (a comment is
required, typed in the card that Skicka tillbaka opens). Once decided, the card says what
was done, by whom and when, and has no buttons. Comments are cut, then items, until the
card fits the card budget."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from cards import layout, paging, verbs
from cards.escape import escape_markdown, excerpt
from cards.layout import Element
from cards.views import ReviewCardView, ReviewItemView
from catalogue import texts

COMMENT_INPUT: Final = "review_comment"
COMMENT_MAX: Final = 2000
COMMENT_CHARS: Final = (600, 200, 60)


def create_review_card(view: ReviewCardView) -> dict[str, Any]:
    for chars in COMMENT_CHARS:
        card = _card(view, chars)
        if paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES:
            return card
    shown = len(view.items)
    while shown > 1 and paging.card_size(card) > paging.DEFAULT_BUDGET_BYTES:
        shown = shown * 2 // 3
        card = _card(replace(view, items=view.items[:shown]), COMMENT_CHARS[-1], len(view.items))
    return card


def _card(view: ReviewCardView, comment_chars: int, total: int | None = None) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    owner = escape_markdown(view.owner_name, keep_line_breaks=False)
    body: list[Element] = [
        layout.heading(tx.t("review.title", owner=owner)),
        layout.small_note(escape_markdown(view.round_name, keep_line_breaks=False)),
    ]
    if view.message:
        body.append(layout.banner(escape_markdown(view.message), "attention"))
    if view.state != "pending":
        when = (
            "" if view.decided_at is None else tx.format_datetime(view.decided_at, view.time_zone)
        )
        name = escape_markdown(view.decided_by or "?", keep_line_breaks=False)
        body.append(
            layout.banner(
                tx.t(f"review.done.{view.state}", name=name, when=when, owner=owner),
                "good" if view.state == "approved" else "warning",
            )
        )
        if view.comment:
            body.append(layout.text_block(escape_markdown(view.comment)))
    else:
        body.append(layout.text_block(tx.t("review.intro", owner=owner)))
    body += [_item(item, tx, comment_chars) for item in view.items]
    if total is not None and total > len(view.items):
        body.append(layout.small_note(tx.n("review.more_items", total - len(view.items))))
    return layout.adaptive_card(body, _actions(view, tx) if view.state == "pending" else [])


def _item(item: ReviewItemView, tx: texts.Texts, comment_chars: int) -> Element:
    status = escape_markdown(item.status_label or tx.t("card.no_status"), keep_line_breaks=False)
    elements: list[Element] = [
        layout.text_block(escape_markdown(item.title, keep_line_breaks=False), weight="bolder"),
        layout.fact_row(tx.t("card.label.status"), layout.badge(status, item.status_colour)),
    ]
    if item.previous_status_label is not None:
        before = escape_markdown(item.previous_status_label, keep_line_breaks=False)
        elements.append(layout.small_note(tx.t("review.previous", status=before)))
    if item.risk_score is not None:
        elements.append(
            layout.fact_row(
                tx.t("card.label.risk"), tx.t("card.risk_score_plain", score=item.risk_score)
            )
        )
    if item.value is not None:
        shown = tx.format_number(item.value)
        if item.unit:
            shown += " " + escape_markdown(item.unit, keep_line_breaks=False)
        elements.append(layout.fact_row(tx.t("card.label.value"), shown))
    if item.comment:
        elements.append(layout.text_block(excerpt(item.comment, comment_chars), spacing="small"))
    name = escape_markdown(item.answered_by, keep_line_breaks=False)
    if item.answered_for:
        owner = escape_markdown(item.answered_for, keep_line_breaks=False)
        elements.append(layout.small_note(tx.t("review.answered_by_for", name=name, owner=owner)))
    else:
        elements.append(layout.small_note(tx.t("review.answered_by", name=name)))
    return layout.container(elements, separator=True, spacing="medium")


def _actions(view: ReviewCardView, tx: texts.Texts) -> list[Element]:
    data = {"review_id": view.review_id}
    send_back = layout.adaptive_card(
        [
            layout.text_input(
                COMMENT_INPUT,
                label=tx.t("review.comment_label"),
                value=None,
                placeholder=tx.t("review.comment_placeholder"),
                multiline=True,
                max_length=COMMENT_MAX,
            )
        ],
        [layout.execute(tx.t("review.return"), verbs.REVIEW_RETURN, data, style="destructive")],
    )
    # A card inside Action.ShowCard carries no schema or version of its own.
    send_back.pop("$schema", None)
    send_back.pop("version", None)
    for element in send_back["body"]:
        element["isRequired"] = True
        element["errorMessage"] = tx.t("review.error.comment_required")
    return [
        layout.execute(
            tx.t("review.approve"),
            verbs.REVIEW_APPROVE,
            data,
            style="positive",
            associated_inputs="none",
        ),
        {"type": "Action.ShowCard", "title": tx.t("review.return"), "card": send_back},
    ]
