"""The manager's status card: one page of plan items to answer, or the answers recorded.

Three modes, chosen from the view:
- form: inputs for every item (status, risk, comment, value) and a Submit button;
- recorded: every item on the page has an answer and the manager is not editing: the answers
  as stored, who recorded them and when, and an Edit button;
- read-only: the round is closed (or not open yet): what was recorded, no buttons at all.

Answers are taken until the round closes: after the deadline the card still offers Submit and
Edit, says that the deadline has passed, and marks answers given after it as late. A delegate
gets the card for the items delegated to them, headed with the owner's name ("För …").

Feedback from a rejected submit (field errors, the typed values, a banner) always gives the
form, so nothing the manager wrote is lost. Banner and error texts are plain text (catalogue
texts with their parameters filled in); this module escapes them with everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

from cards import layout, paging, verbs
from cards.escape import escape_markdown, excerpt, plain
from cards.indicator_card import indicator_elements
from cards.layout import Element
from cards.views import (
    CardFeedback,
    ItemQuestion,
    RecordedAnswer,
    RiskLevelChoice,
    RiskScaleView,
    StatusCardView,
    input_id,
)
from catalogue import texts

PATH_SEPARATOR: Final = " › "
PREVIOUS_COMMENT_CHARS: Final = 160
# Typed text comes back from the client unchecked; past these lengths it is cut so one absurd
# submission cannot push the re-rendered card over Teams' size limit. A too-long comment keeps
# some extra characters so the manager can still see where to shorten it.
TYPED_COMMENT_EXTRA: Final = 200
TYPED_OTHER_MAX: Final = 100
# Pages are sized so that a form sent back after a rejected submit still fits when every
# comment box on it holds this much (or its stored comment, if longer): a long paragraph,
# where the comments managers write are mostly one to three sentences. Sizing for every box
# full to the round's limit instead (2 000 characters, 4 KB each in Teams' count) would split
# even ten items into two pages.
TYPING_ROOM_CHARS: Final = 500
# The thank-you after Skicka names this many other pages with unanswered items, then sums up.
UNANSWERED_PAGES_LISTED: Final = 3
# A linked document's title on its button; Teams cuts long button texts anyway.
LINK_TITLE_CHARS: Final = 60


def create_status_card(
    view: StatusCardView, feedback: CardFeedback | None = None, editing: bool = False
) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    # Fastställda answers are locked like a closed round's: shown, with no button that acts.
    closed = view.closed or not view.accepting or view.locked
    form = not closed and _shows_form(view, feedback, editing=editing)
    body: list[Element] = []
    body.extend(_banners(view, feedback, tx, form=form))
    body.extend(_header(view, tx, form=form))

    if not view.items:
        body.append(layout.text_block(tx.t("card.no_items"), spacing="medium"))
    for item in view.items:
        if form:
            body.append(_item_form(view, item, feedback or CardFeedback(), tx))
        else:
            body.append(_item_recorded(view, item, tx, closed=closed))

    if closed:
        # Read-only means no buttons that act: a closed round accepts nothing, not even
        # paging. Once the round is published, one link to its summary on the intranet.
        if view.locked and not view.closed and view.page_count > 1:
            # Fastställda answers still page; nothing else acts.
            body.append(layout.action_set(_paging_actions(view, tx), spacing="medium"))
        return layout.adaptive_card(body, _published_links(view, tx))

    paging_actions = _paging_actions(view, tx)
    if paging_actions:
        body.append(layout.action_set(paging_actions, spacing="medium"))
    return layout.adaptive_card(body, _answer_actions(view, tx, form=form))


def _shows_form(view: StatusCardView, feedback: CardFeedback | None, *, editing: bool) -> bool:
    """Inputs, not the recorded answers: when editing, after a rejected submit (so nothing
    typed is lost), or while an item on the page is unanswered."""
    return (
        editing
        or (feedback is not None and bool(feedback.errors or feedback.typed))
        or any(item.current is None for item in view.items)
    )


def _answer_actions(view: StatusCardView, tx: texts.Texts, *, form: bool) -> list[Element]:
    """Submit (and Cancel when editing what is recorded) on the form; Edit on recorded answers."""
    actions: list[Element] = []
    if view.items and form:
        actions.append(
            layout.execute(
                tx.t("card.submit"),
                verbs.SUBMIT_STATUS,
                {
                    "round_id": view.round_id,
                    "request_id": view.request_id,
                    "page": view.page,
                    "revisions": {
                        str(item.item_id): item.current.revision if item.current else 0
                        for item in view.items
                    },
                },
                style="positive",
            )
        )
        if all(item.current is not None for item in view.items):
            # Editing what is recorded (Ändra): Avbryt goes back to the read-only card, the
            # same request as paging, so nothing typed is sent or stored.
            actions.append(
                layout.execute(
                    tx.t("card.cancel"),
                    verbs.SHOW_PAGE,
                    {"round_id": view.round_id, "request_id": view.request_id, "page": view.page},
                    associated_inputs="none",
                )
            )
    elif view.items:
        actions.append(
            layout.execute(
                tx.t("card.edit"),
                verbs.EDIT_STATUS,
                {"round_id": view.round_id, "request_id": view.request_id, "page": view.page},
                associated_inputs="none",
            )
        )
    return actions


def status_card_page_size(
    view: StatusCardView,
    all_items: Sequence[ItemQuestion],
    *,
    budget: int = paging.DEFAULT_BUDGET_BYTES,
    max_page_size: int = paging.DEFAULT_MAX_PAGE_SIZE,
) -> int:
    """How many of ``all_items`` fit on one status card page in every mode, including a form
    sent back after a rejected submit (the largest the card gets in use): a page that fits
    only until a manager types would fail exactly when they submit.

    Every item is sized as if answered and every comment box as holding ``TYPING_ROOM_CHARS``
    (or its stored comment, if longer), so answering does not move items to another page.
    Within Teams' recommended 80 KB that is about 18 goals, 15 of a mix of goals, indicators
    and risks, or 11 items that each ask risk and a value, on one page."""
    sized = tuple(_as_answered(view, item) for item in all_items)

    def largest(page_items: Sequence[ItemQuestion]) -> dict[str, Any]:
        pages = paging.page_count(len(sized), len(page_items))
        page_view = replace(
            view,
            items=tuple(page_items),
            # A middle page where there is one: both paging buttons.
            page=min(2, pages),
            page_count=pages,
            # The thank-you names other pages, each with a three-digit count.
            unanswered_elsewhere=tuple(
                (other, 999) for other in range(1, min(pages, UNANSWERED_PAGES_LISTED + 2))
            ),
        )
        candidates = (
            create_status_card(page_view, _worst_feedback(page_view), editing=True),
            create_status_card(page_view, editing=False),
            create_status_card(replace(page_view, closed=True)),
        )
        return max(candidates, key=paging.card_size)

    return paging.page_size_for(sized, largest, budget=budget, max_page_size=max_page_size)


def _as_answered(view: StatusCardView, item: ItemQuestion) -> ItemQuestion:
    """``item`` with a stand-in for the answer it does not have yet, as long as an answer
    can be: the longest status, a risk with its band, a long value, a long answerer's name.
    The comment is left out; the typing room already counts one."""
    if item.current is not None:
        return item
    status = max(view.statuses, key=lambda choice: len(choice.label), default=None)
    return replace(
        item,
        current=RecordedAnswer(
            status_key=None if status is None else status.key,
            status_label=None if status is None else status.label,
            status_colour=None if status is None else status.card_colour,
            likelihood=99 if item.ask_risk else None,
            consequence=99 if item.ask_risk else None,
            risk_score=9801 if item.ask_risk else None,
            risk_band_label="x" * 30 if item.ask_risk else None,
            risk_band_colour="attention",
            comment=None,
            value=Decimal("-99999999999999.9999") if item.ask_value else None,
            answered_by="x" * 60,
            answered_at=view.deadline,
            revision=99999,
        ),
    )


def _worst_feedback(view: StatusCardView) -> CardFeedback:
    """The largest feedback a Teams client can get back for this page: an error under every
    field the server can refuse (status and risk missing, a value that is not a number), the
    conflict banner, and each comment box holding ``TYPING_ROOM_CHARS`` or its stored comment.
    A comment-too-long error needs more than the box's maxLength lets anyone type."""
    tx = texts.for_language(view.language)
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    for item in view.items:
        errors[input_id("status", item.item_id)] = tx.t("error.status_missing")
        for axis in ("likelihood", "consequence"):
            errors[input_id(axis, item.item_id)] = tx.t("error.risk_missing")
        errors[input_id("value", item.item_id)] = tx.t("error.value_not_number")
        stored = len(item.current.comment or "") if item.current else 0
        typed[input_id("comment", item.item_id)] = "x" * min(
            view.comment_max_length, max(stored, TYPING_ROOM_CHARS)
        )
        typed[input_id("value", item.item_id)] = "9" * TYPED_OTHER_MAX
        if item.indicator is not None and item.indicator.measured is not None:
            # A correction of the loaded outcome: a value and a reason, or its error.
            errors[input_id("reason", item.item_id)] = tx.t("attainment.correction.reason_required")
            typed[input_id("correction", item.item_id)] = "9" * TYPED_OTHER_MAX
            typed[input_id("reason", item.item_id)] = "x" * TYPING_ROOM_CHARS
    banner = tx.t("refusal.conflict", name="x" * 60, when=tx.format_datetime(view.deadline))
    return CardFeedback(errors=errors, typed=typed, banner=banner)


def _banners(
    view: StatusCardView, feedback: CardFeedback | None, tx: texts.Texts, *, form: bool
) -> list[Element]:
    found: list[Element] = []
    if feedback is not None and feedback.banner:
        found.append(layout.banner(escape_markdown(feedback.banner), "attention"))
    elif feedback is not None and feedback.errors and form:
        found.append(layout.banner(tx.t("card.form_has_errors"), "attention"))
    if not found and (view.closed or not view.accepting):
        # A refusal already says the round is closed; a second banner would repeat it.
        found.append(
            layout.banner(tx.t("card.closed" if view.closed else "card.not_open"), "warning")
        )
    if view.review_banner:
        style: layout.ContainerStyle = "good" if view.locked else "warning"
        found.append(layout.banner(escape_markdown(view.review_banner), style))
    return found


def _header(view: StatusCardView, tx: texts.Texts, *, form: bool) -> list[Element]:
    header = [
        layout.heading(
            tx.t("card.title", round=escape_markdown(view.round_name, keep_line_breaks=False))
        )
    ]
    owner = (
        None
        if view.on_behalf_of is None
        else escape_markdown(view.on_behalf_of, keep_line_breaks=False)
    )
    if owner is not None:
        header.append(
            layout.text_block(
                tx.t("card.on_behalf_of", owner=owner), weight="bolder", spacing="small"
            )
        )
    if form:
        first_name = view.person_name.split(" ")[0] if view.person_name else ""
        name = escape_markdown(first_name, keep_line_breaks=False)
        intro = (
            tx.t("card.intro", name=name)
            if owner is None
            else tx.t("card.intro_delegate", name=name, owner=owner)
        )
        header.append(layout.text_block(intro, spacing="small"))
    elif view.accepting and not view.closed:
        header.append(layout.text_block(tx.t("card.recorded_thanks"), spacing="small"))
        header.extend(_unanswered_elsewhere(view, tx))
    deadline = tx.format_datetime(view.deadline, view.time_zone)
    late_but_open = view.past_deadline and view.accepting and not view.closed
    header.append(
        layout.text_block(
            tx.t("card.past_deadline" if late_but_open else "card.deadline", deadline=deadline),
            weight="bolder",
            color="attention" if view.closed or late_but_open else None,
            spacing="small",
        )
    )
    if view.page_count > 1:
        page_line = tx.t("card.page", page=view.page, page_count=view.page_count)
        if view.total_items:
            page_line += " · " + tx.n("card.items_total", view.total_items)
        header.append(layout.small_note(page_line))
    return header


def _unanswered_elsewhere(view: StatusCardView, tx: texts.Texts) -> list[Element]:
    """Thanks for this page must not read as "all done" while other pages wait: one line per
    page with unanswered items, the first few by number, the rest summed up."""
    lines = [
        tx.t("card.unanswered_on_page_one", page=other)
        if left == 1
        else tx.t("card.unanswered_on_page", count=left, page=other)
        for other, left in view.unanswered_elsewhere[:UNANSWERED_PAGES_LISTED]
    ]
    rest = sum(left for _, left in view.unanswered_elsewhere[UNANSWERED_PAGES_LISTED:])
    if rest:
        lines.append(
            tx.t("card.unanswered_more_one")
            if rest == 1
            else tx.t("card.unanswered_more", count=rest)
        )
    return [
        layout.text_block(line, weight="bolder", color="warning", spacing="none") for line in lines
    ]


def _item_heading(item: ItemQuestion) -> list[Element]:
    elements: list[Element] = []
    if item.path:
        path = PATH_SEPARATOR.join(
            escape_markdown(title, keep_line_breaks=False) for title in item.path
        )
        elements.append(layout.small_note(path, spacing="none"))
    elements.append(
        layout.text_block(
            escape_markdown(item.title, keep_line_breaks=False),
            weight="bolder",
            spacing="none" if item.path else None,
        )
    )
    return elements


def _previous_line(item: ItemQuestion, tx: texts.Texts) -> Element:
    previous = item.previous_round
    if previous is None:
        return layout.small_note(tx.t("card.previous_none"))
    status = escape_markdown(
        previous.status_label or tx.t("card.no_status"), keep_line_breaks=False
    )
    line = tx.t("card.previous_answer", status=status)
    if previous.comment:
        line += " – " + excerpt(previous.comment, PREVIOUS_COMMENT_CHARS)
    return layout.small_note(line)


def _recorded_by(answer: RecordedAnswer, view: StatusCardView, tx: texts.Texts) -> Element:
    name = escape_markdown(answer.answered_by, keep_line_breaks=False)
    when = tx.format_datetime(answer.answered_at, view.time_zone)
    if answer.answered_for is None:
        line = tx.t("card.recorded_by", name=name, when=when)
    else:
        owner = escape_markdown(answer.answered_for, keep_line_breaks=False)
        line = tx.t("card.recorded_by_for", name=name, owner=owner, when=when)
    if answer.late:
        # In words and colour: a late answer still counts, but the controller asks why.
        line += " · " + tx.t("card.late")
        return layout.text_block(line, size="small", color="warning", spacing="small")
    return layout.small_note(line)


def _typed(feedback: CardFeedback, key: str, limit: int) -> str | None:
    value = feedback.typed.get(key)
    return None if value is None else plain(value)[:limit]


def _with_error(element: Element, feedback: CardFeedback, key: str) -> list[Element]:
    message = feedback.errors.get(key)
    return [element] if message is None else [element, layout.field_error(escape_markdown(message))]


def _item_form(
    view: StatusCardView, item: ItemQuestion, feedback: CardFeedback, tx: texts.Texts
) -> Element:
    elements = _item_heading(item)
    elements.append(_previous_line(item, tx))
    if item.current is not None:
        elements.append(_recorded_by(item.current, view, tx))
    elements.extend(_status_input(view, item, feedback, tx))
    if item.ask_risk and view.risk_scale is not None:
        elements.extend(_risk_inputs(view.risk_scale, item, feedback, tx))
    if view.ask_comment:
        elements.extend(_comment_input(view, item, feedback, tx))
    elements.extend(indicator_elements(item, tx))
    if item.ask_value:
        elements.extend(_value_input(item, feedback, tx))
    if item.indicator is not None and item.indicator.measured is not None:
        elements.extend(_correction_inputs(view, item, feedback, tx))
    link = _link_action(item, tx)
    if link is not None:
        elements.append(layout.action_set([link]))
    return layout.container(elements, separator=True, spacing="large")


def _status_input(
    view: StatusCardView, item: ItemQuestion, feedback: CardFeedback, tx: texts.Texts
) -> list[Element]:
    """The required status choice: what was typed, else what is recorded."""
    status_id = input_id("status", item.item_id)
    typed_status = _typed(feedback, status_id, TYPED_OTHER_MAX)
    return _with_error(
        layout.choice_set(
            status_id,
            label=tx.t("card.label.status"),
            choices=[(choice.key, plain(choice.label)) for choice in view.statuses],
            value=typed_status if typed_status is not None else _key(item.current),
            placeholder=tx.t("card.placeholder.status"),
            required=True,
            error_message=tx.t("error.status_missing"),
        ),
        feedback,
        status_id,
    )


def _risk_inputs(
    scale: RiskScaleView, item: ItemQuestion, feedback: CardFeedback, tx: texts.Texts
) -> list[Element]:
    """Likelihood and consequence side by side, with one error under the pair when both
    are missing for the same reason."""
    # Both axes missing gives one message for the pair, under the pair, not twice; the
    # axes then keep what was typed but not their errors.
    pair_error = feedback.errors.get(input_id("likelihood", item.item_id))
    if pair_error != feedback.errors.get(input_id("consequence", item.item_id)):
        pair_error = None
    axis_feedback = feedback if pair_error is None else CardFeedback(typed=feedback.typed)
    current = item.current
    cells = [
        _risk_axis_input(item, axis, levels, stored, axis_feedback, tx)
        for axis, levels, stored in (
            ("likelihood", scale.likelihood, None if current is None else current.likelihood),
            ("consequence", scale.consequence, None if current is None else current.consequence),
        )
    ]
    elements: list[Element] = [layout.columns(*cells)]
    if pair_error is not None:
        elements.append(layout.field_error(escape_markdown(pair_error)))
    return elements


def _risk_axis_input(
    item: ItemQuestion,
    axis: str,
    levels: Sequence[RiskLevelChoice],
    stored: int | None,
    feedback: CardFeedback,
    tx: texts.Texts,
) -> list[Element]:
    """One risk axis (likelihood or consequence) as a required choice of the scale's levels."""
    key = input_id(axis, item.item_id)
    typed_level = _typed(feedback, key, TYPED_OTHER_MAX)
    return _with_error(
        layout.choice_set(
            key,
            label=tx.t(f"card.label.{axis}"),
            choices=[
                (
                    str(level.value),
                    tx.t("card.risk_level", value=level.value, label=plain(level.label)),
                )
                for level in levels
            ],
            value=typed_level if typed_level is not None else (None if not stored else str(stored)),
            placeholder=tx.t(f"card.placeholder.{axis}"),
            # The server asks for both axes too; Teams checks before sending.
            required=True,
            error_message=tx.t(f"error.{axis}_required"),
        ),
        feedback,
        key,
    )


def _comment_input(
    view: StatusCardView, item: ItemQuestion, feedback: CardFeedback, tx: texts.Texts
) -> list[Element]:
    """The comment box: what was typed (cut a little past the limit), else what is recorded."""
    key = input_id("comment", item.item_id)
    typed_comment = _typed(feedback, key, view.comment_max_length + TYPED_COMMENT_EXTRA)
    current = item.current
    return _with_error(
        layout.text_input(
            key,
            label=tx.t("card.label.comment"),
            value=typed_comment
            if typed_comment is not None
            else (current.comment if current else None),
            placeholder=tx.t("card.placeholder.comment", max=view.comment_max_length),
            multiline=True,
            max_length=view.comment_max_length,
        ),
        feedback,
        key,
    )


def _value_input(item: ItemQuestion, feedback: CardFeedback, tx: texts.Texts) -> list[Element]:
    """The item's target, if it has one, then the value box labelled with the unit."""
    key = input_id("value", item.item_id)
    elements: list[Element] = []
    if item.target is not None:
        elements.append(
            layout.small_note(tx.t("card.target", target=_with_unit(item.target, item.unit, tx)))
        )
    typed_value = _typed(feedback, key, TYPED_OTHER_MAX)
    current = item.current
    stored_value = (
        None
        if current is None or current.value is None
        else tx.format_number(current.value, grouping=False)
    )
    elements.extend(
        _with_error(
            layout.text_input(
                key,
                label=tx.t("card.label.value_unit", unit=plain(item.unit))
                if item.unit
                else tx.t("card.label.value"),
                value=typed_value if typed_value is not None else stored_value,
                placeholder=tx.t("card.placeholder.value"),
            ),
            feedback,
            key,
        )
    )
    return elements


def _correction_inputs(
    view: StatusCardView, item: ItemQuestion, feedback: CardFeedback, tx: texts.Texts
) -> list[Element]:
    """Where the outcome was loaded: a corrected value and its reason (needed only with a
    value; the server refuses a correction without one)."""
    value_key, reason_key = input_id("correction", item.item_id), input_id("reason", item.item_id)
    return [
        *_with_error(
            layout.text_input(
                value_key,
                label=tx.t("attainment.correction.label_value"),
                value=_typed(feedback, value_key, TYPED_OTHER_MAX),
                placeholder=tx.t("attainment.correction.placeholder_value"),
            ),
            feedback,
            value_key,
        ),
        *_with_error(
            layout.text_input(
                reason_key,
                label=tx.t("attainment.correction.label_reason"),
                value=_typed(feedback, reason_key, view.comment_max_length + TYPED_COMMENT_EXTRA),
                placeholder=tx.t("attainment.correction.placeholder_reason"),
                multiline=True,
                max_length=view.comment_max_length,
            ),
            feedback,
            reason_key,
        ),
    ]


def _key(answer: RecordedAnswer | None) -> str | None:
    return None if answer is None else answer.status_key


def _with_unit(number: Decimal, unit: str | None, tx: texts.Texts) -> str:
    shown = tx.format_number(number)
    return f"{shown} {escape_markdown(unit, keep_line_breaks=False)}" if unit else shown


def _item_recorded(
    view: StatusCardView, item: ItemQuestion, tx: texts.Texts, *, closed: bool
) -> Element:
    elements = _item_heading(item)
    answer = item.current
    if answer is None:
        # Only in a closed round: the manager never answered this item.
        elements.append(layout.text_block(tx.t("card.not_answered"), color="warning"))
        elements.append(_previous_line(item, tx))
        return layout.container(elements, separator=True, spacing="large")

    status_label = answer.status_label or tx.t("card.no_status")
    elements.append(
        layout.fact_row(
            tx.t("card.label.status"),
            layout.badge(
                escape_markdown(status_label, keep_line_breaks=False), answer.status_colour
            ),
        )
    )
    if answer.risk_score is not None:
        elements.append(_risk_row(answer, tx))
    if answer.value is not None:
        elements.append(
            layout.fact_row(tx.t("card.label.value"), _with_unit(answer.value, item.unit, tx))
        )
    if item.target is not None and item.ask_value:
        elements.append(
            layout.small_note(tx.t("card.target", target=_with_unit(item.target, item.unit, tx)))
        )
    elements.extend(indicator_elements(item, tx))
    if answer.comment:
        elements.append(layout.text_block(escape_markdown(answer.comment), spacing="small"))
    elements.append(_recorded_by(answer, view, tx))
    if not closed:
        link = _link_action(item, tx)
        item_actions = [_history_action(view, item, tx)]
        elements.append(layout.action_set(item_actions if link is None else [link, *item_actions]))
    return layout.container(elements, separator=True, spacing="large")


def _published_links(view: StatusCardView, tx: texts.Texts) -> list[Element]:
    """A closed, published round's summary page and its Word report."""
    if not view.closed:
        return []
    links: list[Element] = []
    summary = _web_url(view.intranet_url)
    if summary is not None:
        links.append(layout.open_url(tx.t("card.open_round_summary"), summary))
    report = _web_url(view.report_url)
    if report is not None:
        links.append(layout.open_url(tx.t("report.link.document"), report))
    return links


def _risk_row(answer: RecordedAnswer, tx: texts.Texts) -> Element:
    """The recorded risk: score and band as a badge, the two factors below."""
    score = (
        tx.t(
            "card.risk_score",
            score=answer.risk_score,
            band=escape_markdown(answer.risk_band_label, keep_line_breaks=False),
        )
        if answer.risk_band_label
        else tx.t("card.risk_score_plain", score=answer.risk_score)
    )
    risk_cell = layout.container(
        [
            layout.badge(score, answer.risk_band_colour),
            layout.small_note(
                tx.t(
                    "card.risk_factors",
                    likelihood=answer.likelihood or 0,
                    consequence=answer.consequence or 0,
                ),
                spacing="none",
            ),
        ]
    )
    return layout.fact_row(tx.t("card.label.risk"), risk_cell)


def _history_action(view: StatusCardView, item: ItemQuestion, tx: texts.Texts) -> Element:
    # On recorded answers only: on the form it would drop what was typed. The history card
    # leads back to this page.
    return layout.execute(
        tx.t("history.show"),
        verbs.SHOW_HISTORY,
        {
            "item_id": item.item_id,
            "round_id": view.round_id,
            "request_id": view.request_id,
            "back_page": view.page,
        },
        associated_inputs="none",
    )


def _web_url(url: str | None) -> str | None:
    # Only web links become buttons, so a stored "javascript:" or file link never reaches a
    # client.
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return url.strip()


def _link_action(item: ItemQuestion, tx: texts.Texts) -> Element | None:
    # Imported plans carry intranet links; `lagesbot sync links` fills in the title of the
    # page or document from SharePoint, which then names the button.
    url = _web_url(item.link_url)
    if url is None:
        return None
    if item.link_title and plain(item.link_title).strip():
        title = tx.t("card.open_link_titled", title=plain(item.link_title, LINK_TITLE_CHARS))
        return layout.open_url(title, url)
    return layout.open_url(tx.t("card.open_link"), url)


def _paging_actions(view: StatusCardView, tx: texts.Texts) -> list[Element]:
    if view.page_count <= 1:
        return []
    # Paging does not send the inputs: the other page is a different set of items, and what
    # was typed here is not saved until Submit.
    return layout.page_buttons(
        verbs.SHOW_PAGE,
        {"round_id": view.round_id, "request_id": view.request_id},
        page=view.page,
        page_count=view.page_count,
        previous_title=tx.t("card.previous_page"),
        next_title=tx.t("card.next_page"),
    )
