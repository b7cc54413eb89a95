"""The reads behind the BI feed (``services.feed``): each entity set is one row source, a
fixed join with named columns, read a page at a time in key order.

Pages are keyset pages (``key > last key seen ORDER BY key LIMIT n``), never OFFSET: reading
page 250 of the answer history costs the same as reading page 1, and the server holds one
page of rows at a time however long the history is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from storage.models import (
    OrgUnit,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    Response,
    RoundItem,
)

# A mapped attribute (Plan.key) or an expression (likelihood * consequence).
Column = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True)
class RowSource:
    """One entity set's rows: ``columns`` by name over ``origin``, keyed by ``key``."""

    origin: FromClause
    key: InstrumentedAttribute[int]
    columns: Mapping[str, Column]
    condition: ColumnElement[bool] | None = None


def _plans() -> RowSource:
    unit = aliased(OrgUnit)
    return RowSource(
        origin=Plan.__table__.outerjoin(unit, unit.id == Plan.org_unit_id),
        key=Plan.id,
        columns={
            "id": Plan.id,
            "key": Plan.key,
            "name": Plan.name,
            "period": Plan.period,
            "org_unit_id": Plan.org_unit_id,
            "org_unit_key": unit.key,
            "created_at": Plan.created_at,
            "updated_at": Plan.updated_at,
        },
    )


def _org_units() -> RowSource:
    parent = aliased(OrgUnit)
    return RowSource(
        origin=OrgUnit.__table__.outerjoin(parent, parent.id == OrgUnit.parent_id),
        key=OrgUnit.id,
        columns={
            "id": OrgUnit.id,
            "key": OrgUnit.key,
            "name": OrgUnit.name,
            "parent_id": OrgUnit.parent_id,
            "parent_key": parent.key,
        },
    )


def _people() -> RowSource:
    unit = aliased(OrgUnit)
    return RowSource(
        origin=Person.__table__.outerjoin(unit, unit.id == Person.org_unit_id),
        key=Person.id,
        columns={
            "id": Person.id,
            "name": Person.display_name,
            "org_unit_id": Person.org_unit_id,
            "org_unit_key": unit.key,
            "line_manager_id": Person.line_manager_id,
            "active": Person.active,
            "erased": Person.erased_at.is_not(None),
        },
    )


def _items() -> RowSource:
    unit, owner = aliased(OrgUnit), aliased(Person)
    origin = (
        PlanItem.__table__.join(Plan, Plan.id == PlanItem.plan_id)
        .outerjoin(unit, unit.id == PlanItem.org_unit_id)
        .outerjoin(owner, owner.id == PlanItem.owner_id)
    )
    return RowSource(
        origin=origin,
        key=PlanItem.id,
        columns={
            "id": PlanItem.id,
            "plan_id": PlanItem.plan_id,
            "plan_key": Plan.key,
            "key": PlanItem.key,
            "parent_id": PlanItem.parent_id,
            "kind": PlanItem.kind,
            "title": PlanItem.title,
            "description": PlanItem.description,
            "owner_id": PlanItem.owner_id,
            "owner_name": owner.display_name,
            "owner_erased": owner.erased_at.is_not(None),
            "delegate_id": PlanItem.delegate_id,
            "org_unit_id": PlanItem.org_unit_id,
            "org_unit_key": unit.key,
            "measure_unit": PlanItem.unit,
            "target": PlanItem.target,
            "link_url": PlanItem.link_url,
            "position": PlanItem.position,
            "active": PlanItem.active,
            "created_at": PlanItem.created_at,
            "updated_at": PlanItem.updated_at,
        },
    )


def _rounds() -> RowSource:
    return RowSource(
        origin=ReportingRound.__table__.join(Plan, Plan.id == ReportingRound.plan_id),
        key=ReportingRound.id,
        columns={
            "id": ReportingRound.id,
            "key": ReportingRound.key,
            "name": ReportingRound.name,
            "plan_id": ReportingRound.plan_id,
            "plan_key": Plan.key,
            "period_label": ReportingRound.period_label,
            "state": ReportingRound.state,
            "opens_at": ReportingRound.opens_at,
            "deadline_at": ReportingRound.deadline_at,
            "closed_at": ReportingRound.closed_at,
            "previous_round_id": ReportingRound.previous_round_id,
            "ask_status": ReportingRound.ask_status,
            "ask_comment": ReportingRound.ask_comment,
            "ask_risk": ReportingRound.ask_risk,
            "ask_value": ReportingRound.ask_value,
            "created_at": ReportingRound.created_at,
        },
    )


def _round_items() -> RowSource:
    unit, owner = aliased(OrgUnit), aliased(Person)
    origin = (
        RoundItem.__table__.join(ReportingRound, ReportingRound.id == RoundItem.round_id)
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .outerjoin(unit, unit.id == PlanItem.org_unit_id)
        .join(owner, owner.id == RoundItem.owner_id)
    )
    return RowSource(
        origin=origin,
        key=RoundItem.id,
        columns={
            "id": RoundItem.id,
            "round_id": RoundItem.round_id,
            "round_key": ReportingRound.key,
            "plan_id": ReportingRound.plan_id,
            "item_id": RoundItem.item_id,
            "item_key": PlanItem.key,
            "org_unit_id": PlanItem.org_unit_id,
            "org_unit_key": unit.key,
            "owner_id": RoundItem.owner_id,
            "owner_name": owner.display_name,
            "owner_erased": owner.erased_at.is_not(None),
            "ask_risk": RoundItem.ask_risk,
            "ask_value": RoundItem.ask_value,
        },
    )


def _answers(*, current_only: bool) -> RowSource:
    unit, author = aliased(OrgUnit), aliased(Person)
    origin = (
        Response.__table__.join(ReportingRound, ReportingRound.id == Response.round_id)
        .join(PlanItem, PlanItem.id == Response.item_id)
        .outerjoin(unit, unit.id == PlanItem.org_unit_id)
        .join(author, author.id == Response.answered_by_id)
    )
    newer = aliased(Response)
    # The current answer is the highest revision; the unique (round, item, revision) index
    # answers this anti-join without touching the rows.
    is_current = ~exists().where(
        newer.round_id == Response.round_id,
        newer.item_id == Response.item_id,
        newer.revision > Response.revision,
    )
    return RowSource(
        origin=origin,
        key=Response.id,
        condition=is_current if current_only else None,
        columns={
            "id": Response.id,
            "round_id": Response.round_id,
            "round_key": ReportingRound.key,
            "plan_id": ReportingRound.plan_id,
            "item_id": Response.item_id,
            "item_key": PlanItem.key,
            "item_kind": PlanItem.kind,
            "org_unit_id": PlanItem.org_unit_id,
            "org_unit_key": unit.key,
            "revision": Response.revision,
            "status_key": Response.status_key,
            "likelihood": Response.likelihood,
            "consequence": Response.consequence,
            "risk_score": Response.likelihood * Response.consequence,
            "comment": Response.comment,
            "value": Response.value,
            "answered_by_id": Response.answered_by_id,
            "answered_by_name": author.display_name,
            "answered_by_erased": author.erased_at.is_not(None),
            "answered_at": Response.answered_at,
            "source": Response.source,
        },
    )


def row_sources() -> dict[str, RowSource]:
    """Every entity set's rows, by the name the feed's schema refers to them with."""
    return {
        "plans": _plans(),
        "org_units": _org_units(),
        "people": _people(),
        "items": _items(),
        "rounds": _rounds(),
        "round_items": _round_items(),
        "answers": _answers(current_only=True),
        "answer_history": _answers(current_only=False),
    }


async def read_page(
    session: AsyncSession,
    source: RowSource,
    columns: Sequence[str],
    *,
    where: ColumnElement[bool] | None,
    after: int | None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """Up to ``limit`` rows with a key above ``after``, in key order, each a tuple of
    ``columns`` in the order asked."""
    query = select(*(source.columns[name].label(name) for name in columns)).select_from(
        source.origin
    )
    for condition in (source.condition, where):
        if condition is not None:
            query = query.where(condition)
    if after is not None:
        query = query.where(source.key > after)
    query = query.order_by(source.key).limit(limit)
    # Core, not the ORM: these are plain rows, and a page is thousands of them.
    connection = await session.connection()
    return [tuple(row) for row in await connection.execute(query)]
