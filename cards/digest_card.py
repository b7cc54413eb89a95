"""The steering group's digest card: how far a round has come and where attention is needed.

Every colour comes with words (a status label, a band label, "better"/"worse"), so the card
reads without colour vision and in high-contrast themes. A region-sized scope has hundreds of
goals and risks; lists show the top entries and say how many more there are ("… och 37 till"),
and the number of entries shrinks until the card fits Teams' message limit. The full lists are
in ``lagesbot report`` and the Excel export.

The card reads only plain view values (``cards.views.DigestView``); what to list and in which
order is decided where they are filled, ``services.delivery.digest_view``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar

from cards import layout, paging
from cards.attainment_card import attainment_section, projected_misses
from cards.escape import escape_markdown, excerpt, plain, shorten
from cards.layout import Element
from cards.views import (
    DigestCardView,
    HeatMapView,
    RiskLevelChoice,
    Shortened,
    StatusCount,
    StatusRow,
)
from catalogue import texts

# Entries per list, tried from the first until the card fits.
TOP_SIZES: Final = (10, 8, 6, 5, 4, 3, 2, 1)
NAMES_SHOWN_FACTOR: Final = 3  # people are one short line each, so list more of them
# The most rows of a list (of people) the card ever shows: what a view's lists must hold.
LIST_ROWS: Final = max(TOP_SIZES)
NAME_ROWS: Final = LIST_ROWS * NAMES_SHOWN_FACTOR
TITLE_CHARS: Final = 140
COMMENT_CHARS: Final = 280
# The heat map must read on the narrowest card Teams shows: a phone 320 px wide leaves about
# 280 px for the card's content. A table shares that by column weight; each cell loses 16 px to
# its padding and grid line; small text (Teams' 12 px) takes about 7 px a character, capitals
# and bold digits included. A word longer than its column holds would be broken mid-word.
NARROWEST_CARD_PX: Final = 280
CELL_PADDING_PX: Final = 16
SMALL_CHAR_PX: Final = 7


def create_digest_card(
    view: DigestCardView, *, budget: int = paging.DEFAULT_BUDGET_BYTES
) -> dict[str, Any]:
    """The digest card with as many entries per list as fit within ``budget`` bytes."""
    card: dict[str, Any] = {}
    for top in TOP_SIZES:
        card = render_digest_card(view, top=top)
        if paging.card_size(card) <= budget:
            return card
    return card


def render_digest_card(view: DigestCardView, *, top: int) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    d = view.digest
    body: list[Element] = [*_header(view, tx)]
    if d.rate.items == 0:
        body.append(layout.text_block(tx.t("digest.no_items"), spacing="medium"))
        return layout.adaptive_card(body, _links(view, tx))
    body.append(_rate(view, tx))
    body.append(_by_strategy(view, tx, top))
    body.extend(attainment_section(d.attainment, tx, top))
    goals = _by_goal(view, tx, top)
    if goals is not None:
        body.append(goals)
    body.append(_changes(view, tx, top))
    body.append(_risks(view, tx, top))
    body.append(_at_risk(view, tx, top))
    body.append(_not_answered(view, tx, top * NAMES_SHOWN_FACTOR))
    return layout.adaptive_card(body, _links(view, tx))


def _title(text: str) -> str:
    return escape_markdown(shorten(plain(text), TITLE_CHARS), keep_line_breaks=False)


def _name(text: str) -> str:
    return escape_markdown(plain(text), keep_line_breaks=False)


def _section(heading: str, items: Sequence[Element]) -> Element:
    return layout.container(
        [layout.text_block(heading, weight="bolder", size="medium"), *items],
        separator=True,
        spacing="medium",
    )


Row = TypeVar("Row")


def _shown(listed: Shortened[Row], top: int) -> tuple[tuple[Row, ...], int]:
    """The rows to show and how many of the list that leaves out."""
    rows = listed.rows[:top]
    return rows, listed.total - len(rows)


def _more(tx: texts.Texts, hidden: int) -> list[Element]:
    return [layout.small_note(tx.t("digest.more", count=hidden))] if hidden > 0 else []


def _counts_line(counts: Sequence[StatusCount]) -> Element:
    """ "● Enligt plan 3  ● Avvikelse 1  ○ Ej besvarad 2" as coloured runs with their words."""
    runs: list[Element] = []
    for status in counts:
        if status.count == 0:
            continue
        mark = "○" if status.unanswered else layout.BADGE_MARK
        runs.append(
            {
                "type": "TextRun",
                "text": f"{mark} {plain(status.label)} {status.count}   ",
                "color": layout.text_colour(status.colour),
                "weight": "default" if status.unanswered else "bolder",
            }
        )
    return {"type": "RichTextBlock", "inlines": runs, "spacing": "none"}


def _header(view: DigestCardView, tx: texts.Texts) -> list[Element]:
    d = view.digest
    when = tx.format_datetime(view.generated_at, view.time_zone)
    header = [
        layout.heading(tx.t("digest.title", group=_name(view.group_name))),
        layout.text_block(
            tx.t(
                "digest.subtitle",
                round=_name(d.round_name),
                occasion=tx.t(f"digest.occasion.{view.occasion}"),
                when=when,
            ),
            spacing="small",
        ),
    ]
    if d.closed_at is not None:
        moment = tx.t("digest.closed_at", closed=tx.format_datetime(d.closed_at, view.time_zone))
    else:
        moment = tx.t("digest.deadline", deadline=tx.format_datetime(d.deadline, view.time_zone))
    header.append(layout.small_note(moment))
    return header


def _rate(view: DigestCardView, tx: texts.Texts) -> Element:
    rate = view.digest.rate
    return _section(
        tx.t("digest.rate.heading"),
        [
            layout.text_block(
                tx.t(
                    "digest.rate.items",
                    percent=tx.format_percent(rate.rate),
                    answered=rate.answered,
                    items=rate.items,
                ),
                weight="bolder",
                color="good" if rate.answered == rate.items else None,
            ),
            layout.text_block(
                tx.n("digest.rate.owners", rate.owners, done=rate.owners_done),
                spacing="none",
            ),
            _counts_line(view.digest.totals),
        ],
    )


def _group_rows(
    listed: Shortened[StatusRow], none_label: str, top: int
) -> tuple[list[Element], int]:
    rows: list[Element] = []
    shown, hidden = _shown(listed, top)
    for row in shown:
        title = none_label if row.title is None else _title(row.title)
        rows.append(layout.text_block(title, spacing="small"))
        rows.append(_counts_line(row.counts))
    return rows, hidden


def _by_strategy(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    rows, hidden = _group_rows(view.digest.by_strategy, tx.t("digest.status.no_strategy"), top)
    return _section(tx.t("digest.status.heading"), [*rows, *_more(tx, hidden)])


def _by_goal(view: DigestCardView, tx: texts.Texts, top: int) -> Element | None:
    """Goals with the most items needing attention (then unanswered), since a region has
    too many goals to list them all."""
    if view.digest.by_goal.total == 0:
        return None
    rows, hidden = _group_rows(view.digest.by_goal, "", top)
    return _section(tx.t("digest.status.heading_goal"), [*rows, *_more(tx, hidden)])


def _changes(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    d = view.digest
    if d.previous_round_name is None:
        return _section(
            tx.t("digest.changes.heading_plain"),
            [layout.text_block(tx.t("digest.changes.no_previous"))],
        )
    heading = tx.t("digest.changes.heading", previous=_name(d.previous_round_name))
    if d.worse.total == 0 and d.better.total == 0:
        return _section(heading, [layout.text_block(tx.t("digest.changes.none"))])
    items: list[Element] = [
        layout.text_block(
            tx.t("digest.changes.summary", better=d.better.total, worse=d.worse.total)
        )
    ]
    for direction, colour, moved in (("worse", "attention", d.worse), ("better", "good", d.better)):
        shown, hidden = _shown(moved, top)
        for row in shown:
            line = tx.t(
                "digest.changes.line",
                title=_title(row.title),
                before=escape_markdown(row.before),
                after=escape_markdown(row.after),
                owner=_name(row.owner_name),
            )
            items.append(
                layout.fact_row(tx.t(f"digest.changes.{direction}"), layout.text_block(line))
            )
            # The arrow word carries the direction; the colour repeats it.
            items[-1]["columns"][0]["items"][0].update(color=colour, weight="bolder")
        items.extend(_more(tx, hidden))
    return _section(heading, items)


def _risks(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    d = view.digest
    heading = tx.t("digest.risks.heading")
    if d.risks.total == 0:
        return _section(heading, [layout.text_block(tx.t("digest.risks.none"))])
    items: list[Element] = []
    shown, hidden = _shown(d.risks, top)
    for row in shown:
        label = tx.t(
            "digest.risks.score",
            score=row.score,
            likelihood=row.likelihood,
            consequence=row.consequence,
        )
        if row.band is not None:
            label = f"{label} · {plain(row.band.label)}"
        items.append(
            layout.fact_row(
                tx.t("digest.risks.line", title=_title(row.title), owner=_name(row.owner_name)),
                layout.badge(escape_markdown(label), row.band.colour if row.band else None),
                wide_title=True,
            )
        )
    items.extend(_more(tx, hidden))
    items.extend(_heat_map(d.heat_map, tx))
    return _section(heading, items)


def column_chars(weight: float, total_weight: float, char_px: float) -> int:
    """How many characters of one word fit in a table column on the narrowest card."""
    room = NARROWEST_CARD_PX * weight / total_weight - CELL_PADDING_PX
    return max(0, int(room // char_px))


def band_abbreviations(labels: Sequence[str], limit: int) -> list[str]:
    """A short, distinct name per band for the heat map's cells ("Mycket hög" → "MH"), at
    most ``limit`` characters: the words' initials, else the first letters of the label,
    else A, B, C … (the legend under the table spells every one out)."""
    initials = ["".join(word[0] for word in label.split()).upper() for label in labels]
    if _usable(initials, limit):
        return initials
    squeezed = ["".join(label.split()) for label in labels]
    for length in range(1, limit + 1):
        prefixes = [word[:length].capitalize() for word in squeezed]
        if _usable(prefixes, limit):
            return prefixes
    return [chr(ord("A") + index) for index in range(len(labels))]


def _usable(names: Sequence[str], limit: int) -> bool:
    return all(0 < len(name) <= limit for name in names) and len(set(names)) == len(names)


def _heat_map(heat: HeatMapView, tx: texts.Texts) -> list[Element]:
    """The likelihood × consequence matrix as a table: every cell shows its count and its
    band, shaded in the band's colour.

    The columns are narrow (a 5 × 5 scale gives each a sixth of a phone's card), and Teams
    breaks a word that does not fit in the middle. So the cells hold only numbers and short
    band names, every word of which fits its column on the narrowest card; the axis and
    band names are spelled out in full-width lines around the table."""
    weights = [1] * (len(heat.consequences) + 1)
    limit = column_chars(1, sum(weights), SMALL_CHAR_PX)
    short = dict(
        zip(
            (band.label for band in heat.bands),
            band_abbreviations([plain(band.label) for band in heat.bands], limit),
            strict=True,
        )
    )

    def cell(items: list[Element], style: str | None = None) -> Element:
        element: Element = {"type": "TableCell", "items": items}
        if style is not None:
            element["style"] = style
        return element

    def number(value: int) -> Element:
        return cell([layout.text_block(str(value), size="small", weight="bolder")])

    header = [cell([layout.text_block(tx.t("digest.heat.corner"), size="small", weight="bolder")])]
    header.extend(number(consequence) for consequence in heat.consequences)
    rows: list[Element] = [{"type": "TableRow", "cells": header}]
    for heat_row in heat.rows:
        cells = [number(heat_row.likelihood)]
        for heat_cell in heat_row.cells:
            count, band = heat_cell.count, heat_cell.band
            content = [layout.text_block(str(count), weight="bolder" if count else None)]
            if band is not None:
                content.append(
                    layout.text_block(
                        escape_markdown(short.get(band.label, "")), size="small", spacing="none"
                    )
                )
            style = _cell_style(band.colour) if band is not None else None
            cells.append(cell(content, style))
        rows.append({"type": "TableRow", "cells": cells})
    table: Element = {
        "type": "Table",
        "columns": [{"width": weight} for weight in weights],
        "rows": rows,
        "firstRowAsHeaders": True,
        "showGridLines": True,
        "spacing": "small",
    }
    return [
        layout.text_block(tx.t("digest.heat.heading"), weight="bolder", spacing="medium"),
        layout.small_note(tx.t("digest.heat.axes")),
        table,
        *_heat_legend(heat, short, tx),
    ]


def _heat_legend(heat: HeatMapView, short: dict[str, str], tx: texts.Texts) -> list[Element]:
    def levels(labels: Sequence[RiskLevelChoice]) -> str:
        return ", ".join(f"{level.value} {_name(level.label)}" for level in labels)

    lines: list[Element] = []
    if heat.likelihood_labels:
        lines.append(
            layout.small_note(tx.t("digest.heat.likelihood", levels=levels(heat.likelihood_labels)))
        )
    if heat.consequence_labels:
        lines.append(
            layout.small_note(
                tx.t("digest.heat.consequence", levels=levels(heat.consequence_labels)),
                spacing="none",
            )
        )
    if short:
        names = " · ".join(f"{_name(abbr)} = {_name(label)}" for label, abbr in short.items())
        lines.append(layout.small_note(tx.t("digest.heat.bands", bands=names), spacing="none"))
    return lines


def _cell_style(colour: str) -> str:
    return colour if colour in ("good", "warning", "attention", "accent") else "default"


def _at_risk(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    d = view.digest
    misses = 0 if d.attainment is None else d.attainment.misses.total
    # The heading counts what the section lists: projected misses and items at risk.
    heading = tx.t("digest.at_risk.heading", count=d.at_risk.total + misses)
    # Projected misses first: the trend says so before any owner has.
    items: list[Element] = projected_misses(d.attainment, tx, top)
    if d.at_risk.total == 0:
        return _section(heading, [*items, layout.text_block(tx.t("digest.at_risk.none"))])
    shown, hidden = _shown(d.at_risk, top)
    for row in shown:
        items.append(
            layout.container(
                [
                    layout.fact_row(
                        _title(row.title),
                        layout.badge(escape_markdown(row.status_label), row.status_colour),
                        wide_title=True,
                    ),
                    layout.text_block(
                        tx.t(
                            "digest.at_risk.comment",
                            owner=_name(row.owner_name),
                            comment=excerpt(row.comment, COMMENT_CHARS)
                            if row.comment
                            else tx.t("digest.at_risk.no_comment"),
                        ),
                        size="small",
                        spacing="none",
                    ),
                ],
                spacing="small",
            )
        )
    items.extend(_more(tx, hidden))
    return _section(heading, items)


def _not_answered(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    missing = view.digest.not_answered
    if missing.total == 0:
        return _section(
            tx.t("digest.missing.heading_done"),
            [layout.text_block(tx.t("digest.missing.none"), color="good")],
        )
    heading = tx.t(
        "digest.missing.heading",
        people=tx.n("count.owners", missing.total),
        items=tx.n("digest.count.unanswered_items", view.digest.unanswered_items),
    )
    shown, hidden = _shown(missing, top)
    names = [
        tx.t(
            "digest.missing.person",
            name=_name(person.name),
            unanswered=person.unanswered,
            items=person.items,
        )
        for person in shown
    ]
    items: list[Element] = [layout.text_block(", ".join(names))]
    items.extend(_more(tx, hidden))
    return _section(heading, items)


def _links(view: DigestCardView, tx: texts.Texts) -> list[Element]:
    actions: list[Element] = []
    if view.intranet_url:
        actions.append(layout.open_url(tx.t("digest.link.intranet"), view.intranet_url))
    if view.report_url:
        actions.append(layout.open_url(tx.t("report.link.document"), view.report_url))
    elif view.report_now_url:
        actions.append(layout.open_url(tx.t("report.link.document_now"), view.report_now_url))
    if view.export_url:
        actions.append(layout.open_url(tx.t("digest.link.export"), view.export_url))
    return actions
