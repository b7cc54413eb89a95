"""The digest's frames as the plain values its card reads (``cards.views.DigestView``).

Every choice of what the card shows is made here, not in the card: the goals that need
attention (items in a status the scale colours for concern) and their order, the unanswered
bucket after the scale's statuses, the band of each risk and heat-map cell. A list keeps only
the rows the card can ever show (``cards.digest_card.LIST_ROWS``, people ``NAME_ROWS``) and the
length of the whole list, so a region-sized digest does not become 50 000 view rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd

from cards.digest_card import LIST_ROWS, NAME_ROWS
from cards.views import (
    AttentionRow,
    ChangeRow,
    DigestCardView,
    DigestRate,
    DigestView,
    HeatCell,
    HeatMapView,
    HeatRow,
    MissingPerson,
    Occasion,
    RiskBandView,
    RiskLevelChoice,
    RiskRow,
    Shortened,
    StatusCount,
    StatusRow,
)
from catalogue import texts
from services.goals.digest_parts import attainment_view
from services.reporting.digest import CONCERN_COLOURS, UNANSWERED, Digest, RiskAxes

Row = TypeVar("Row")

# Status key -> (label, card colour) in the order the card lists counts: the scale, then
# the unanswered bucket.
StatusLabels = Mapping[str, tuple[str, str]]


def digest_card_view(
    digest: Digest,
    *,
    group_name: str,
    language: str,
    time_zone: str,
    generated_at: datetime,
    occasion: Occasion = "on_demand",
    intranet_url: str | None = None,
    export_url: str | None = None,
    report_url: str | None = None,
    report_now_url: str | None = None,
) -> DigestCardView:
    """What the steering group's digest card shows of ``digest``."""
    return DigestCardView(
        group_name=group_name,
        digest=digest_view(digest, language),
        language=language,
        time_zone=time_zone,
        generated_at=generated_at,
        occasion=occasion,
        intranet_url=intranet_url,
        export_url=export_url,
        report_url=report_url,
        report_now_url=report_now_url,
    )


def digest_view(digest: Digest, language: str) -> DigestView:
    """The digest's numbers as the card shows them (status labels in ``language``)."""
    labels = status_labels(digest, language)
    changes = digest.changes
    missing = digest.not_answered
    return DigestView(
        round_name=digest.round.name,
        deadline=digest.round.deadline,
        closed_at=digest.round.closed_at,
        previous_round_name=digest.round.previous_round_name,
        rate=DigestRate(
            items=digest.rate.items,
            answered=digest.rate.answered,
            owners=digest.rate.owners,
            owners_done=digest.rate.owners_done,
        ),
        totals=_counts(labels, digest.status_totals()),
        by_strategy=_status_rows(labels, digest.by_strategy, "strategy"),
        by_goal=_status_rows(labels, goals_needing_attention(digest), "goal"),
        worse=_change_rows(labels, changes[changes["change"] == "worse"]),
        better=_change_rows(labels, changes[changes["change"] == "better"]),
        risks=_risk_rows(digest.risks, digest.risk_axes),
        heat_map=_heat_map(digest.heat_map, digest.risk_axes),
        at_risk=_attention_rows(labels, digest.at_risk),
        not_answered=_shortened(
            missing,
            NAME_ROWS,
            lambda row: MissingPerson(
                name=str(row.owner_name), unanswered=int(row.unanswered), items=int(row.items)
            ),
        ),
        unanswered_items=int(missing["unanswered"].sum()),
        attainment=attainment_view(digest.attainment, LIST_ROWS),
    )


def status_labels(digest: Digest, language: str) -> dict[str, tuple[str, str]]:
    """Status key -> (label, card colour) of the round's scale, then the unanswered bucket."""
    labels = {
        str(row.status_key): (str(row.label), str(row.card_colour))
        for row in digest.statuses.itertuples()
    }
    labels[UNANSWERED] = (texts.for_language(language).t("digest.status.unanswered"), "default")
    return labels


def goals_needing_attention(digest: Digest) -> pd.DataFrame:
    """Goals with items in a status of concern, most such items first (then most
    unanswered), since a region has too many goals to list them all."""
    frame = digest.by_goal
    frame = frame[frame["goal_id"].notna()]
    concern = [
        str(r.status_key)
        for r in digest.statuses.itertuples()
        if str(r.card_colour) in CONCERN_COLOURS
    ]
    frame = frame.assign(_concern=frame[concern].sum(axis=1) if concern else 0)
    frame = frame[(frame["_concern"] > 0)]
    return frame.sort_values(["_concern", UNANSWERED], ascending=[False, False], kind="stable")


def _shortened(frame: pd.DataFrame, most: int, row: Callable[[Any], Row]) -> Shortened[Row]:
    """The first ``most`` rows of ``frame`` as view rows, and the length of ``frame``."""
    return Shortened(tuple(row(r) for r in frame.head(most).itertuples()), len(frame))


def _counts(labels: StatusLabels, counts: Mapping[str, Any] | pd.Series) -> tuple[StatusCount, ...]:
    return tuple(
        StatusCount(label, colour, int(counts[key]), unanswered=key == UNANSWERED)
        for key, (label, colour) in labels.items()
    )


def _status_rows(labels: StatusLabels, frame: pd.DataFrame, level: str) -> Shortened[StatusRow]:
    rows = tuple(
        StatusRow(
            title=None if pd.isna(row[f"{level}_id"]) else str(row[level]),
            counts=_counts(labels, row),
        )
        for _, row in frame.head(LIST_ROWS).iterrows()
    )
    return Shortened(rows, len(frame))


def _label(labels: StatusLabels, key: Any, colour: str) -> tuple[str, str]:
    """A status's label and colour; a key the scale no longer has shows as itself."""
    return labels.get(str(key), (str(key), colour))


def _change_rows(labels: StatusLabels, moved: pd.DataFrame) -> Shortened[ChangeRow]:
    return _shortened(
        moved,
        LIST_ROWS,
        lambda row: ChangeRow(
            title=str(row.title),
            owner_name=str(row.owner_name),
            before=_label(labels, row.previous_status_key, "")[0],
            after=_label(labels, row.status_key, "")[0],
        ),
    )


def _band(axes: RiskAxes | None, score: int) -> RiskBandView | None:
    band = axes.band(score) if axes is not None else None
    return None if band is None else RiskBandView(label=band[0], colour=band[1])


def _risk_rows(risks: pd.DataFrame, axes: RiskAxes | None) -> Shortened[RiskRow]:
    return _shortened(
        risks,
        LIST_ROWS,
        lambda row: RiskRow(
            title=str(row.title),
            owner_name=str(row.owner_name),
            score=int(row.score),
            likelihood=int(row.likelihood),
            consequence=int(row.consequence),
            band=_band(axes, int(row.score)),
        ),
    )


def _levels(labels: Mapping[int, str]) -> tuple[RiskLevelChoice, ...]:
    return tuple(RiskLevelChoice(value, str(label)) for value, label in sorted(labels.items()))


def _heat_map(grid: pd.DataFrame, axes: RiskAxes | None) -> HeatMapView:
    consequences = tuple(int(consequence) for consequence in grid.columns)
    counts = grid.to_numpy(dtype="int64")
    rows = tuple(
        HeatRow(
            likelihood=int(likelihood),
            cells=tuple(
                HeatCell(count=int(count), band=_band(axes, int(likelihood) * consequence))
                for consequence, count in zip(consequences, counts[at], strict=True)
            ),
        )
        for at, likelihood in enumerate(grid.index)
    )
    if axes is None:
        return HeatMapView(
            consequences, rows, bands=(), likelihood_labels=(), consequence_labels=()
        )
    return HeatMapView(
        consequences,
        rows,
        bands=tuple(RiskBandView(label, colour) for _, _, label, colour in axes.bands),
        likelihood_labels=_levels(axes.likelihood_labels),
        consequence_labels=_levels(axes.consequence_labels),
    )


def _attention_rows(labels: StatusLabels, found: pd.DataFrame) -> Shortened[AttentionRow]:
    def row(r: Any) -> AttentionRow:
        label, colour = _label(labels, r.status_key, "default")
        comment = r.comment if isinstance(r.comment, str) and r.comment.strip() else None
        return AttentionRow(
            title=str(r.title),
            owner_name=str(r.owner_name),
            status_label=label,
            status_colour=colour,
            comment=comment,
        )

    return _shortened(found, LIST_ROWS, row)
