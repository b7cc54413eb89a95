"""An indicator's part of the status card: the measured outcome against the target, its light
in words, the last values as a Teams line chart (``Chart.Line``) and the trend.

Teams documents ``Chart.*`` elements for bot cards; other hosts (the Agents Playground, older
clients, the adaptivecards library itself) do not know them and show the element's
``fallback``: a text with the same values, so nothing is lost without the chart. The light is
always written out as well as coloured."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from cards import layout
from cards.escape import escape_markdown
from cards.layout import Element
from cards.views import IndicatorView, ItemQuestion
from catalogue import texts

SIGNAL_COLOURS: Final = {"green": "good", "yellow": "warning", "red": "attention"}


# Computed values (a projection, an attainment) of an indicator without stated decimals are
# shown with at most this many, never as a float's sixteen digits.
COMPUTED_DECIMALS: Final = 1


def rounded(value: Decimal | float, decimals: int | None) -> Decimal:
    """``value`` in the indicator's decimals; without them, to COMPUTED_DECIMALS places and
    no trailing zeros (80, 76,8)."""
    number = Decimal(str(value))
    if decimals is not None:
        return number.quantize(Decimal(1).scaleb(-decimals))
    number = number.quantize(Decimal(1).scaleb(-COMPUTED_DECIMALS))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def amount(value: Decimal | float, view: IndicatorView, unit: str | None, tx: texts.Texts) -> str:
    """A value in the indicator's decimals and unit, as the reader's language writes it."""
    shown = tx.format_number(rounded(value, view.decimals))
    if not unit:
        return shown
    return f"{shown} {escape_markdown(unit, keep_line_breaks=False)}"


def _outcome(item: ItemQuestion, view: IndicatorView, tx: texts.Texts) -> list[Element]:
    if view.measured is None:
        return []
    source = (
        tx.t("attainment.card.source_correction")
        if view.corrected_reason is not None
        else escape_markdown(view.measured_source or "", keep_line_breaks=False)
    )
    params = {
        "value": amount(view.measured, view, item.unit, tx),
        "source": source,
        "target": "" if view.target is None else amount(view.target, view, item.unit, tx),
    }
    if view.measured_as_of is not None:
        params["as_of"] = tx.format_date(view.measured_as_of)
        msgid = "attainment.card.measured_dated"
    else:
        msgid = "attainment.card.measured"
    if view.target is None:
        msgid += "_no_target"
    elements = [layout.text_block(tx.t(msgid, **params), weight="bolder")]
    if view.corrected_reason:
        reason = escape_markdown(view.corrected_reason, keep_line_breaks=False)
        elements.append(layout.small_note(tx.t("attainment.card.correction_reason", reason=reason)))
    return elements


def _signal(view: IndicatorView, tx: texts.Texts) -> list[Element]:
    if view.signal not in SIGNAL_COLOURS:
        return []
    word = tx.t(f"attainment.signal.{view.signal}")
    return [
        layout.text_block(
            tx.t("attainment.card.signal", signal=word),
            color=SIGNAL_COLOURS[view.signal],
            spacing="small",
        )
    ]


def _trend(item: ItemQuestion, view: IndicatorView, tx: texts.Texts) -> list[Element]:
    if not view.enough_points or view.projected is None or view.target_date is None:
        count = len(view.points)
        return [layout.small_note(tx.n("attainment.card.too_few_points", count))]
    text = tx.t(
        "attainment.card.projection",
        projected=amount(view.projected, view, item.unit, tx),
        date=tx.format_date(view.target_date),
    )
    elements = [layout.small_note(text)]
    if view.will_miss:
        elements.append(
            layout.text_block(tx.t("attainment.card.will_miss"), color="attention", weight="bolder")
        )
    return elements


def chart_fallback_text(item: ItemQuestion, view: IndicatorView, tx: texts.Texts) -> str:
    """The chart's values in words: what clients without charts show instead."""
    values = "; ".join(
        tx.t(
            "attainment.card.point",
            period=escape_markdown(point.label, keep_line_breaks=False),
            value=amount(point.value, view, item.unit, tx),
        )
        for point in view.points
    )
    text = tx.t("attainment.card.last_values", values=values)
    if view.target is not None:
        text += " " + tx.t(
            "attainment.card.target", target=amount(view.target, view, item.unit, tx)
        )
    return text


def line_chart(item: ItemQuestion, view: IndicatorView, tx: texts.Texts) -> Element:
    """The last values and the target as a Teams line chart, with a text fallback."""
    series = [
        {
            "legend": tx.t("attainment.chart.legend.value"),
            "values": [{"x": p.label, "y": p.value} for p in view.points],
        }
    ]
    targets = [{"x": p.label, "y": p.target} for p in view.points if p.target is not None]
    if targets:
        series.append(
            {
                "legend": tx.t("attainment.chart.legend.target"),
                "values": targets,
            }
        )
    return {
        "type": "Chart.Line",
        "title": tx.t("attainment.chart.title"),
        "data": series,
        "fallback": layout.text_block(chart_fallback_text(item, view, tx), spacing="small"),
    }


def indicator_elements(item: ItemQuestion, tx: texts.Texts) -> list[Element]:
    """What the card shows about an indicator beyond the value box: empty for other items."""
    view = item.indicator
    if view is None:
        return []
    elements = [*_outcome(item, view, tx), *_signal(view, tx)]
    if view.points:
        elements.append(line_chart(item, view, tx))
    elements.extend(_trend(item, view, tx))
    return elements
