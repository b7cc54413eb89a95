"""Goals per colour under each strategy as one PNG per strategy (a horizontal stacked bar),
for the intranet page beside the heat map.

Drawn with matplotlib's Agg canvas: no display, no pyplot state shared between threads.
Every segment carries its colour's word and count, so the image does not rely on colour
alone; the page shows the same numbers in a table and the image's alt text says them too."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from catalogue.texts import Texts
from services.goals.attainment import NO_SIGNAL, SIGNALS
from services.goals.rollup import Attainment

LIGHTS: Final = (*SIGNALS, NO_SIGNAL)
# The traffic lights as the heat map and the cards show them; grey for "not judged".
COLOURS: Final = {"green": "#2E7D32", "yellow": "#F9A825", "red": "#C62828", NO_SIGNAL: "#9E9E9E"}
# Dark words on the light segments, white on the dark ones.
WORD_COLOURS: Final = {"green": "white", "yellow": "black", "red": "white", NO_SIGNAL: "black"}
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 1.6, 100


@dataclass(frozen=True)
class StrategyChart:
    """One strategy's chart: the PNG, its size in pixels and the words that stand for it."""

    strategy: str
    png: bytes
    width: int
    height: int
    alt_text: str


def strategy_rows(attainment: Attainment | None) -> pd.DataFrame:
    """The strategies with at least one goal, in plan order (goals under none last)."""
    if attainment is None or not attainment.has_indicators:
        return pd.DataFrame(columns=["strategy_id", "strategy", *LIGHTS, "total"])
    frame = attainment.by_strategy
    return frame[frame["total"] > 0].reset_index(drop=True)


def strategy_name(value: object, tx: Texts) -> str:
    return value if isinstance(value, str) and value else tx.t("attainment.digest.no_strategy")


def counts_words(row: pd.Series, tx: Texts) -> str:
    """ "2 mål: 1 gult, 1 rött" — the colours with a count, in words."""
    parts = [tx.n(f"attainment.count.{light}", int(row[light])) for light in LIGHTS if row[light]]
    return tx.n("attainment.count.goals", int(row["total"]), parts=", ".join(parts))


def chart_png(name: str, counts: dict[str, int], tx: Texts) -> tuple[bytes, int, int]:
    """One bar: a segment per colour with a count, labelled "Gul 1"; returns (png, w, h)."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    left = 0
    for light in LIGHTS:
        count = counts.get(light, 0)
        if not count:
            continue
        axes.barh(0, count, left=left, color=COLOURS[light], edgecolor="white")
        word = f"{tx.t(f'attainment.legend.{light}')} {count}"
        axes.text(left + count / 2, 0, word, ha="center", va="center", color=WORD_COLOURS[light])
        left += count
    axes.set_xlim(0, max(left, 1))
    axes.set_yticks([])
    # Goals are counted: whole numbers on the axis.
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(tx.t("attainment.intranet.axis"))
    axes.set_title(tx.t("attainment.intranet.chart_title", strategy=name), loc="left")
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue(), int(WIDTH_INCHES * DPI), int(HEIGHT_INCHES * DPI)


def strategy_charts(attainment: Attainment | None, tx: Texts) -> list[StrategyChart]:
    """A chart per strategy with goals; none when the round has no indicators."""
    charts: list[StrategyChart] = []
    for _, row in strategy_rows(attainment).iterrows():
        name = strategy_name(row["strategy"], tx)
        counts = {light: int(row[light]) for light in LIGHTS}
        png, width, height = chart_png(name, counts, tx)
        alt = tx.t("attainment.intranet.chart_alt", strategy=name, counts=counts_words(row, tx))
        charts.append(StrategyChart(name, png, width, height, alt))
    return charts
