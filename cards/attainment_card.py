"""The digest's attainment section: goals per light for each strategy as a stacked bar
(``Chart.HorizontalBar.Stacked``, a Teams chart) with the same numbers in words beside it,
and the indicators projected to miss their targets (listed first among what needs
attention). Clients without charts show the chart's text fallback; every light is named."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cards import layout
from cards.escape import escape_markdown, plain, shorten
from cards.indicator_card import rounded
from cards.layout import Element
from cards.views import AttainmentView, ProjectedMiss, SignalCounts
from catalogue import texts

TITLE_CHARS: Final = 140
SIGNALS: Final = ("green", "yellow", "red", "none")


def counts_text(counts: SignalCounts, tx: texts.Texts) -> str:
    """ "25 mål: 1 grönt, 14 gula, 10 röda" — the lights with a count, always in words."""
    parts = [
        tx.n(f"attainment.count.{signal}", getattr(counts, signal))
        for signal in SIGNALS
        if getattr(counts, signal)
    ]
    return tx.n("attainment.count.goals", counts.total, parts=", ".join(parts))


def _name(counts: SignalCounts, tx: texts.Texts) -> str:
    if counts.name is None:
        return tx.t("attainment.digest.no_strategy")
    return escape_markdown(shorten(plain(counts.name), TITLE_CHARS), keep_line_breaks=False)


def _chart(rows: Sequence[SignalCounts], tx: texts.Texts) -> Element:
    words = [f"{_name(row, tx)}: {counts_text(row, tx)}" for row in rows]
    return {
        "type": "Chart.HorizontalBar.Stacked",
        "title": tx.t("attainment.digest.chart_title"),
        "data": [
            {
                "title": plain(row.name) if row.name else tx.t("attainment.digest.no_strategy"),
                "data": [
                    {"legend": tx.t(f"attainment.legend.{s}"), "value": getattr(row, s)}
                    for s in SIGNALS
                ],
            }
            for row in rows
        ],
        "fallback": layout.text_block("\n\n".join(words), size="small"),
    }


def attainment_section(view: AttainmentView | None, tx: texts.Texts, top: int) -> list[Element]:
    """The chart and, beside it in words, the counts per strategy (the first ``top``) and
    over the scope."""
    if view is None or view.totals.total == 0:
        return []
    counted = [row for row in view.by_strategy if row.total]
    rows = counted[:top]
    items: list[Element] = [
        layout.text_block(counts_text(view.totals, tx), weight="bolder"),
        _chart(rows, tx),
    ]
    items.extend(
        layout.fact_row(_name(row, tx), counts_text(row, tx), wide_title=True) for row in rows
    )
    if len(counted) > len(rows):
        items.append(layout.small_note(tx.t("digest.more", count=len(counted) - len(rows))))
    if view.disagreements:
        items.append(layout.small_note(tx.n("attainment.digest.disagreements", view.disagreements)))
    return [
        layout.container(
            [
                layout.text_block(
                    tx.t("attainment.digest.heading"), weight="bolder", size="medium"
                ),
                *items,
            ],
            separator=True,
            spacing="medium",
        )
    ]


def _amount(value: float, miss: ProjectedMiss, tx: texts.Texts) -> str:
    shown = tx.format_number(rounded(value, miss.decimals))
    return f"{shown} {plain(miss.unit)}" if miss.unit else shown


def projected_misses(view: AttainmentView | None, tx: texts.Texts, top: int) -> list[Element]:
    """The indicators projected to miss, as the first entries of "needs attention"."""
    if view is None or view.misses.total == 0:
        return []
    items: list[Element] = []
    for miss in view.misses.rows[:top]:
        when = "" if miss.target_date is None else tx.format_date(miss.target_date)
        items.append(
            layout.container(
                [
                    layout.fact_row(
                        escape_markdown(shorten(plain(miss.title), TITLE_CHARS)),
                        layout.badge(tx.t("attainment.card.will_miss"), "attention"),
                        wide_title=True,
                    ),
                    layout.text_block(
                        tx.t(
                            "attainment.digest.miss",
                            projected=_amount(miss.projected, miss, tx),
                            target=_amount(miss.target, miss, tx),
                            date=when,
                        ),
                        size="small",
                        spacing="none",
                    ),
                ],
                spacing="small",
            )
        )
    hidden = view.misses.total - min(top, len(view.misses.rows))
    if hidden > 0:
        items.append(layout.small_note(tx.t("digest.more", count=hidden)))
    return items
