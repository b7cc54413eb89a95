"""The "Indikatorer" sheet of the Excel export (and the table the Word report can reuse):
per indicator its series over the rounds, target, this round's outcome and attainment, the
light in words, the trend and the projection."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from catalogue import texts
from services.goals.rollup import Attainment


def _col(tx: texts.Texts, name: str) -> str:
    return tx.t(f"attainment.col.{name}")


def _series(attainment: Attainment) -> pd.DataFrame:
    """One column per round (by its period label, in date order), the value at each."""
    history = attainment.history
    if history.empty:
        return pd.DataFrame(index=pd.Index([], name="item_id"))
    order = history.sort_values("at", kind="stable")["period"].drop_duplicates().tolist()
    table = history.pivot_table(index="item_id", columns="period", values="value", aggfunc="last")
    return table.reindex(columns=order)


def indicators_frame(
    attainment: Attainment, tx: texts.Texts, percent: Callable[[float], object] = float
) -> pd.DataFrame:
    """The sheet's rows in plan order; ``percent`` wraps the attainment fractions (the
    export's ``Percent``, shown as "93 %")."""
    current = attainment.current
    series = _series(attainment).reindex(current["item_id"])
    lights = current["signal"].map(lambda s: tx.t(f"attainment.legend.{s}"))
    yes, no = tx.t("attainment.yes"), tx.t("attainment.no")
    miss = np.where(
        current["enough_points"].fillna(False).astype(bool),
        np.where(current["will_miss"].fillna(False).astype(bool), yes, no),
        tx.t("attainment.too_few"),
    )
    frame = pd.DataFrame(
        {
            _col(tx, "key"): current["item_key"],
            _col(tx, "title"): current["title"],
            _col(tx, "strategy"): current["strategy"],
            _col(tx, "goal"): current["goal"],
            _col(tx, "unit"): current["unit"],
            _col(tx, "target"): current["target"],
            _col(tx, "target_date"): current["target_date"],
            _col(tx, "value"): current["value"],
            _col(tx, "attainment"): current["attainment"].map(
                lambda f: None if pd.isna(f) else percent(float(f))
            ),
            _col(tx, "signal"): lights,
            _col(tx, "points"): current["points"].fillna(0).astype("int64"),
            _col(tx, "trend"): current["slope_per_year"],
            _col(tx, "projected"): current["projected"],
            _col(tx, "will_miss"): miss,
        }
    )
    for period in series.columns:
        frame[str(period)] = series[period].to_numpy()
    return frame


def indicator_sheets(
    attainment: Attainment | None, tx: texts.Texts, percent: Callable[[float], object] = float
) -> list[tuple[str, pd.DataFrame]]:
    """The sheet when the scope has indicators; none otherwise."""
    if attainment is None or not attainment.has_indicators:
        return []
    return [(tx.t("attainment.sheet"), indicators_frame(attainment, tx, percent))]
