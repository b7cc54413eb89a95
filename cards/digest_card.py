"""The steering group's digest card: how far a round has come and where attention is needed.

Every colour comes with words (a status label, a band label, "better"/"worse"), so the card
reads without colour vision and in high-contrast themes. A region-sized scope has hundreds of
goals and risks; lists show the top entries and say how many more there are ("… och 37 till"),
and the number of entries shrinks until the card fits Teams' message limit. The full lists are
in ``lagesbot report`` and the Excel export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Final, Literal

import pandas as pd

from cards import layout, paging
from cards.escape import escape_markdown, excerpt, plain, shorten
from cards.layout import Element
from catalogue import texts
from services.reporting.digest import CONCERN_COLOURS, UNANSWERED, Digest, RiskAxes

Occasion = Literal["weekly", "deadline", "close", "on_demand"]
OCCASIONS: Final[tuple[Occasion, ...]] = ("weekly", "deadline", "close", "on_demand")

# Entries per list, tried from the first until the card fits.
TOP_SIZES: Final = (10, 8, 6, 5, 4, 3, 2, 1)
TITLE_CHARS: Final = 140
COMMENT_CHARS: Final = 280
NAMES_SHOWN_FACTOR: Final = 3  # people are one short line each, so list more of them
# The heat map must read on the narrowest card Teams shows: a phone 320 px wide leaves about
# 280 px for the card's content. A table shares that by column weight; each cell loses 16 px to
# its padding and grid line; small text (Teams' 12 px) takes about 7 px a character, capitals
# and bold digits included. A word longer than its column holds would be broken mid-word.
NARROWEST_CARD_PX: Final = 280
CELL_PADDING_PX: Final = 16
SMALL_CHAR_PX: Final = 7


@dataclass(frozen=True)
class DigestCardView:
    group_name: str
    digest: Digest
    language: str
    time_zone: str
    generated_at: datetime  # aware
    occasion: Occasion = "on_demand"
    intranet_url: str | None = None
    export_url: str | None = None

    @cached_property
    def status_labels(self) -> dict[str, tuple[str, str]]:
        """Status key -> (label, card colour), unanswered included; read once per card."""
        tx = texts.for_language(self.language)
        labels = {
            str(row.status_key): (plain(str(row.label)), str(row.card_colour))
            for row in self.digest.statuses.itertuples()
        }
        labels[UNANSWERED] = (tx.t("digest.status.unanswered"), "default")
        return labels


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
    goals = _by_goal(view, tx, top)
    if goals is not None:
        body.append(goals)
    body.append(_changes(view, tx, top))
    body.append(_risks(view, tx, top))
    body.append(_at_risk(view, tx, top))
    body.append(_not_answered(view, tx, top * NAMES_SHOWN_FACTOR))
    return layout.adaptive_card(body, _links(view, tx))


def _int(value: Any) -> int:
    return int(value)


def _title(text: Any) -> str:
    return escape_markdown(shorten(plain(str(text)), TITLE_CHARS), keep_line_breaks=False)


def _name(text: Any) -> str:
    return escape_markdown(plain(str(text)), keep_line_breaks=False)


def _section(heading: str, items: Sequence[Element]) -> Element:
    return layout.container(
        [layout.text_block(heading, weight="bolder", size="medium"), *items],
        separator=True,
        spacing="medium",
    )


def _more(tx: texts.Texts, hidden: int) -> list[Element]:
    return [layout.small_note(tx.t("digest.more", count=hidden))] if hidden > 0 else []


def _status_labels(view: DigestCardView) -> dict[str, tuple[str, str]]:
    return view.status_labels


def _counts_line(view: DigestCardView, row: pd.Series) -> Element:
    """ "● Enligt plan 3  ● Avvikelse 1  ○ Ej besvarad 2" as coloured runs with their words."""
    labels = _status_labels(view)
    runs: list[Element] = []
    for key, (label, colour) in labels.items():
        count = int(row[key])
        if count == 0:
            continue
        mark = "○" if key == UNANSWERED else layout.BADGE_MARK
        runs.append(
            {
                "type": "TextRun",
                "text": f"{mark} {label} {count}   ",
                "color": layout.text_colour(colour),
                "weight": "bolder" if key != UNANSWERED else "default",
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
                round=_name(d.round.name),
                occasion=tx.t(f"digest.occasion.{view.occasion}"),
                when=when,
            ),
            spacing="small",
        ),
    ]
    if d.round.closed_at is not None:
        moment = tx.t(
            "digest.closed_at", closed=tx.format_datetime(d.round.closed_at, view.time_zone)
        )
    else:
        moment = tx.t(
            "digest.deadline", deadline=tx.format_datetime(d.round.deadline, view.time_zone)
        )
    header.append(layout.small_note(moment))
    return header


def _rate(view: DigestCardView, tx: texts.Texts) -> Element:
    rate = view.digest.rate
    totals = view.digest.status_totals()
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
            _counts_line(view, totals),
        ],
    )


def _group_rows(
    view: DigestCardView, frame: pd.DataFrame, level: str, none_label: str, top: int
) -> tuple[list[Element], int]:
    rows: list[Element] = []
    for _, row in frame.head(top).iterrows():
        title = none_label if pd.isna(row[f"{level}_id"]) else _title(row[level])
        rows.append(layout.text_block(title, spacing="small"))
        rows.append(_counts_line(view, row))
    return rows, max(0, len(frame) - top)


def _by_strategy(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    rows, hidden = _group_rows(
        view, view.digest.by_strategy, "strategy", tx.t("digest.status.no_strategy"), top
    )
    return _section(tx.t("digest.status.heading"), [*rows, *_more(tx, hidden)])


def _by_goal(view: DigestCardView, tx: texts.Texts, top: int) -> Element | None:
    """Goals with the most items needing attention (then unanswered), since a region has
    too many goals to list them all."""
    frame = view.digest.by_goal
    frame = frame[frame["goal_id"].notna()]
    concern = [
        str(r.status_key)
        for r in view.digest.statuses.itertuples()
        if str(r.card_colour) in CONCERN_COLOURS
    ]
    frame = frame.assign(_concern=frame[concern].sum(axis=1) if concern else 0)
    frame = frame[(frame["_concern"] > 0)]
    if frame.empty:
        return None
    frame = frame.sort_values(["_concern", UNANSWERED], ascending=[False, False], kind="stable")
    rows, hidden = _group_rows(view, frame, "goal", "", top)
    return _section(tx.t("digest.status.heading_goal"), [*rows, *_more(tx, hidden)])


def _changes(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    d = view.digest
    if d.round.previous_round_name is None:
        return _section(
            tx.t("digest.changes.heading_plain"),
            [layout.text_block(tx.t("digest.changes.no_previous"))],
        )
    heading = tx.t("digest.changes.heading", previous=_name(d.round.previous_round_name))
    if d.changes.empty:
        return _section(heading, [layout.text_block(tx.t("digest.changes.none"))])
    labels = _status_labels(view)
    items: list[Element] = [
        layout.text_block(tx.t("digest.changes.summary", better=d.better, worse=d.worse))
    ]
    for direction, colour in (("worse", "attention"), ("better", "good")):
        moved = d.changes[d.changes["change"] == direction]
        for row in moved.head(top).itertuples():
            before = labels.get(str(row.previous_status_key), (str(row.previous_status_key), ""))
            after = labels.get(str(row.status_key), (str(row.status_key), ""))
            line = tx.t(
                "digest.changes.line",
                title=_title(row.title),
                before=escape_markdown(before[0]),
                after=escape_markdown(after[0]),
                owner=_name(row.owner_name),
            )
            items.append(
                layout.fact_row(tx.t(f"digest.changes.{direction}"), layout.text_block(line))
            )
            # The arrow word carries the direction; the colour repeats it.
            items[-1]["columns"][0]["items"][0].update(color=colour, weight="bolder")
        items.extend(_more(tx, len(moved) - top))
    return _section(heading, items)


def _risks(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    d = view.digest
    heading = tx.t("digest.risks.heading")
    if d.risks.empty:
        return _section(heading, [layout.text_block(tx.t("digest.risks.none"))])
    axes = d.risk_axes
    items: list[Element] = []
    for row in d.risks.head(top).itertuples():
        band = axes.band(_int(row.score)) if axes is not None else None
        label = tx.t(
            "digest.risks.score",
            score=_int(row.score),
            likelihood=_int(row.likelihood),
            consequence=_int(row.consequence),
        )
        if band is not None:
            label = f"{label} · {plain(band[0])}"
        items.append(
            layout.fact_row(
                tx.t("digest.risks.line", title=_title(row.title), owner=_name(row.owner_name)),
                layout.badge(escape_markdown(label), band[1] if band else None),
                wide_title=True,
            )
        )
    items.extend(_more(tx, len(d.risks) - top))
    items.extend(_heat_map(view, tx))
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


def _heat_map(view: DigestCardView, tx: texts.Texts) -> list[Element]:
    """The likelihood × consequence matrix as a table: every cell shows its count and its
    band, shaded in the band's colour.

    The columns are narrow (a 5 × 5 scale gives each a sixth of a phone's card), and Teams
    breaks a word that does not fit in the middle. So the cells hold only numbers and short
    band names, every word of which fits its column on the narrowest card; the axis and
    band names are spelled out in full-width lines around the table."""
    d = view.digest
    axes = d.risk_axes
    grid = d.heat_map
    bands = list(axes.bands) if axes else []
    weights = [1] * (len(grid.columns) + 1)
    limit = column_chars(1, sum(weights), SMALL_CHAR_PX)
    short = dict(
        zip(
            (label for _, _, label, _ in bands),
            band_abbreviations([plain(label) for _, _, label, _ in bands], limit),
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
    header.extend(number(int(consequence)) for consequence in grid.columns)
    rows: list[Element] = [{"type": "TableRow", "cells": header}]
    for likelihood in grid.index:
        cells = [number(int(likelihood))]
        for consequence in grid.columns:
            count = int(grid.loc[likelihood, consequence])
            band = axes.band(int(likelihood) * int(consequence)) if axes else None
            content = [layout.text_block(str(count), weight="bolder" if count else None)]
            if band is not None:
                content.append(
                    layout.text_block(
                        escape_markdown(short.get(band[0], "")), size="small", spacing="none"
                    )
                )
            style = _cell_style(band[1]) if band is not None else None
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
        *_heat_legend(axes, short, tx),
    ]


def _heat_legend(axes: RiskAxes | None, short: dict[str, str], tx: texts.Texts) -> list[Element]:
    def levels(labels: dict[int, str]) -> str:
        return ", ".join(f"{value} {_name(label)}" for value, label in sorted(labels.items()))

    lines: list[Element] = []
    if axes is not None and axes.likelihood_labels:
        lines.append(
            layout.small_note(tx.t("digest.heat.likelihood", levels=levels(axes.likelihood_labels)))
        )
    if axes is not None and axes.consequence_labels:
        lines.append(
            layout.small_note(
                tx.t("digest.heat.consequence", levels=levels(axes.consequence_labels)),
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
    heading = tx.t("digest.at_risk.heading", count=len(d.at_risk))
    if d.at_risk.empty:
        return _section(heading, [layout.text_block(tx.t("digest.at_risk.none"))])
    labels = _status_labels(view)
    items: list[Element] = []
    for row in d.at_risk.head(top).itertuples():
        label, colour = labels.get(str(row.status_key), (str(row.status_key), "default"))
        comment = row.comment if isinstance(row.comment, str) and row.comment.strip() else None
        items.append(
            layout.container(
                [
                    layout.fact_row(
                        _title(row.title),
                        layout.badge(escape_markdown(label), colour),
                        wide_title=True,
                    ),
                    layout.text_block(
                        tx.t(
                            "digest.at_risk.comment",
                            owner=_name(row.owner_name),
                            comment=excerpt(comment, COMMENT_CHARS)
                            if comment
                            else tx.t("digest.at_risk.no_comment"),
                        ),
                        size="small",
                        spacing="none",
                    ),
                ],
                spacing="small",
            )
        )
    items.extend(_more(tx, len(d.at_risk) - top))
    return _section(heading, items)


def _not_answered(view: DigestCardView, tx: texts.Texts, top: int) -> Element:
    missing = view.digest.not_answered
    if missing.empty:
        return _section(
            tx.t("digest.missing.heading_done"),
            [layout.text_block(tx.t("digest.missing.none"), color="good")],
        )
    heading = tx.t(
        "digest.missing.heading",
        people=tx.n("count.owners", len(missing)),
        items=tx.n("digest.count.unanswered_items", int(missing["unanswered"].sum())),
    )
    names = [
        tx.t(
            "digest.missing.person",
            name=_name(row.owner_name),
            unanswered=_int(row.unanswered),
            items=_int(row.items),
        )
        for row in missing.head(top).itertuples()
    ]
    items: list[Element] = [layout.text_block(", ".join(names))]
    items.extend(_more(tx, len(missing) - top))
    return _section(heading, items)


def _links(view: DigestCardView, tx: texts.Texts) -> list[Element]:
    actions: list[Element] = []
    if view.intranet_url:
        actions.append(layout.open_url(tx.t("digest.link.intranet"), view.intranet_url))
    if view.export_url:
        actions.append(layout.open_url(tx.t("digest.link.export"), view.export_url))
    return actions
