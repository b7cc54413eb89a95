"""What the written follow-up report shows, from the store: the digest of the round and scope
(``digest_source.load_digest``, the same numbers as the card, ``lagesbot report`` and the
Excel export) plus what a report says that a card does not: the plan's name and period, and
each item's unit, target and outcome (``storage.report_queries``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.texts import Texts, for_language
from services.goals.attainment import NO_SIGNAL, SIGNALS
from services.reporting.digest import Digest
from services.reporting.digest_source import load_digest
from storage import report_queries
from storage.digest_queries import Scope, previous_round_id
from storage.models import ReportingRound


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows. ``details`` has one row per item of the digest:
    item_id, unit, target, value (outcome this round), previous_value.

    ``attainment`` is the seam for goal attainment (måluppfyllelse) per strategy, which
    Lägesbot does not record yet: once it does, a frame with the columns ``strategy_id``,
    ``strategy`` and one count column per attainment colour (best first, e.g. green, yellow,
    red: the number of goals of that colour) makes the summary show it. None leaves the
    section out."""

    digest: Digest
    plan_name: str
    plan_period: str | None
    period_label: str | None
    details: pd.DataFrame
    # (min score, max score, "#rrggbb") per band of the round's risk scale, for the matrix.
    band_colours: tuple[tuple[int, int, str], ...] = ()
    group_name: str | None = None
    attainment: pd.DataFrame | None = field(default=None)


def attainment_frame(digest: Digest, tx: Texts) -> pd.DataFrame | None:
    """Goals per attainment colour under each strategy (``services.goals``), with the
    columns named in ``tx``'s language; None when no indicator in scope has a target, so the
    report leaves the section out (see ``ReportData.attainment``)."""
    attainment = digest.attainment
    if attainment is None or attainment.indicators.empty:
        return None
    frame = attainment.by_strategy.dropna(subset=["strategy_id"])
    if frame.empty:
        return None
    columns = {
        signal: tx.t(f"report.attainment.column.{signal}") for signal in (*SIGNALS, NO_SIGNAL)
    }
    return frame[["strategy_id", "strategy", *columns]].rename(columns=columns)


async def load_report(
    session: AsyncSession,
    rnd: ReportingRound,
    scope: Scope,
    language: str = "sv",
    *,
    group_name: str | None = None,
) -> ReportData:
    digest = await load_digest(session, rnd, scope, language)
    details = await report_queries.item_details_frame(
        session, rnd, await previous_round_id(session, rnd)
    )
    in_scope = set(digest.items["item_id"])
    details = details[details["item_id"].isin(in_scope)].reset_index(drop=True)
    plan_name, plan_period = await report_queries.plan_of(session, rnd)
    scale = rnd.risk_scale
    bands = (
        () if scale is None else tuple((b.min_score, b.max_score, b.colour) for b in scale.bands)
    )
    return ReportData(
        digest=digest,
        plan_name=plan_name,
        plan_period=plan_period,
        period_label=rnd.period_label,
        details=details,
        band_colours=bands,
        group_name=group_name,
        attainment=attainment_frame(digest, for_language(language)),
    )
