"""A round's digest from the store: the frames ``storage.digest_queries`` reads, restricted
to a steering group's scope, with the round's scales in the reader's language, handed to the
pure transforms of ``services.reporting.digest``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.goals.source import load_attainment
from services.reporting.digest import (
    Digest,
    DigestFrames,
    RiskAxes,
    RoundInfo,
    compute_digest,
    in_subtrees,
)
from storage.digest_queries import (
    PREVIOUS_COLUMNS,
    STATUS_COLUMNS,
    Scope,
    current_answers_frame,
    frame_of,
    item_frames,
    org_unit_subtree,
    previous_round_id,
)
from storage.models import PlanItem, ReportingRound


async def restrict(
    session: AsyncSession,
    rnd: ReportingRound,
    items: pd.DataFrame,
    plan: pd.DataFrame,
    scope: Scope,
) -> pd.DataFrame:
    keep = pd.Series(True, index=items.index)
    if scope.org_units:
        units = await org_unit_subtree(session, scope.org_units)
        keep &= items["org_unit_id"].isin(units).fillna(False).astype(bool)
    if scope.plan_items:
        root_query = select(PlanItem.id).where(
            PlanItem.plan_id == rnd.plan_id, PlanItem.key.in_(scope.plan_items)
        )
        roots = set((await session.execute(root_query)).scalars())
        keep &= in_subtrees(items["item_id"], plan, roots).to_numpy()
    return items[keep].reset_index(drop=True)


def statusesframe_of(rnd: ReportingRound, language: str) -> pd.DataFrame:
    rows = [
        (
            o.key,
            o.label_en if language == "en" else o.label_sv,
            o.card_colour,
            o.severity,
            o.position,
        )
        for o in rnd.status_scale.options
    ]
    return frame_of(rows, STATUS_COLUMNS)


def risk_axes(rnd: ReportingRound, language: str) -> RiskAxes | None:
    scale = rnd.risk_scale
    if scale is None:
        return None

    def label(level: Any) -> str:
        return str(level.label_en if language == "en" else level.label_sv)

    return RiskAxes(
        likelihood_max=scale.likelihood_max,
        consequence_max=scale.consequence_max,
        likelihood_labels={lv.value: label(lv) for lv in scale.levels if lv.axis == "likelihood"},
        consequence_labels={lv.value: label(lv) for lv in scale.levels if lv.axis == "consequence"},
        bands=tuple(
            (b.min_score, b.max_score, label(b), b.card_colour)
            for b in sorted(scale.bands, key=lambda b: b.min_score)
        ),
    )


async def round_info(session: AsyncSession, rnd: ReportingRound) -> RoundInfo:
    previous_id = await previous_round_id(session, rnd)
    previous = None if previous_id is None else await session.get(ReportingRound, previous_id)
    return RoundInfo(
        round_id=rnd.id,
        key=rnd.key,
        name=rnd.name,
        state=str(rnd.state),
        deadline=rnd.deadline_at,
        closed_at=rnd.closed_at,
        previous_round_name=None if previous is None else previous.name,
    )


async def load_frames(
    session: AsyncSession, rnd: ReportingRound, scope: Scope, language: str = "sv"
) -> DigestFrames:
    items, plan = await item_frames(session, rnd)
    items = await restrict(session, rnd, items, plan, scope)
    answers = await current_answers_frame(session, rnd.id)
    previous_id = await previous_round_id(session, rnd)
    if previous_id is None:
        previous = frame_of([], PREVIOUS_COLUMNS)
    else:
        previous = await current_answers_frame(session, previous_id, PREVIOUS_COLUMNS)
    in_scope = set(items["item_id"])
    return DigestFrames(
        items=items,
        plan_items=plan,
        answers=answers[answers["item_id"].isin(in_scope)].reset_index(drop=True),
        previous=previous[previous["item_id"].isin(in_scope)].reset_index(drop=True),
        statuses=statusesframe_of(rnd, language),
    )


async def load_digest(
    session: AsyncSession, rnd: ReportingRound, scope: Scope, language: str = "sv"
) -> Digest:
    frames = await load_frames(session, rnd, scope, language)
    digest = compute_digest(frames, await round_info(session, rnd), risk_axes(rnd, language))
    return replace(digest, attainment=await load_attainment(session, rnd, frames))
