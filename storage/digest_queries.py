"""Reads what a digest needs for one round and scope as plain frames (see
``services.reporting.digest``). A region-sized round is tens of thousands of items, so each
frame is one Core query returning plain tuples, never ORM objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import pandas as pd
from sqlalchemy import Select, String, exists, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OrgUnit,
    Person,
    PlanItem,
    ReportingRound,
    Response,
    RoundItem,
    RoundState,
)

# The frames' columns: what the store hands the digest (services.reporting.digest).
ITEM_COLUMNS: Final = (
    "item_id",
    "item_key",
    "title",
    "kind",
    "parent_id",
    "position",
    "owner_id",
    "owner_name",
)
PLAN_COLUMNS: Final = ("item_id", "parent_id", "kind", "title", "position")
ANSWER_COLUMNS: Final = (
    "item_id",
    "status_key",
    "likelihood",
    "consequence",
    "comment",
    "answered_by_id",
    "revision",
)
PREVIOUS_COLUMNS: Final = ("item_id", "status_key")
STATUS_COLUMNS: Final = ("status_key", "label", "card_colour", "severity", "position")


@dataclass(frozen=True)
class Scope:
    """A steering group's part of the plan: org units (with everything below them) and plan
    items (with everything below them), by key. Empty lists mean no restriction."""

    org_units: tuple[str, ...] = ()
    plan_items: tuple[str, ...] = ()

    @classmethod
    def of(cls, scope: dict[str, Any] | None) -> Scope:
        scope = scope or {}
        return cls(
            org_units=tuple(str(k) for k in scope.get("org_units") or ()),
            plan_items=tuple(str(k) for k in scope.get("plan_items") or ()),
        )

    def as_dict(self) -> dict[str, list[str]]:
        return {"org_units": list(self.org_units), "plan_items": list(self.plan_items)}


def frame_of(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame.from_records([], columns=list(columns))
    # Column by column: from_records first builds a 2-D object array of every value, which
    # took three times as long for a region's 50 000 items (bench/digest_bench.py).
    return pd.DataFrame(dict(zip(columns, zip(*rows, strict=True), strict=True)))


async def _rows(session: AsyncSession, statement: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The rows of a read of tens of thousands of plain values, straight from the driver
    (aiosqlite or asyncpg) on the session's own connection and transaction.

    SQLAlchemy's async result layer costs several times the query itself at region size
    (measured with bench/digest_bench.py), so the compiled statement is run by the driver.
    Only for statements whose parameters need no type conversion (ids) and whose columns
    are plain ints and strings; other drivers go the ordinary way."""
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.driver not in ("aiosqlite", "asyncpg"):
        rows: Sequence[Any] = (await session.execute(statement)).all()
        return rows
    # Runs a trivial statement through SQLAlchemy first, so its transaction has begun on
    # the connection before the driver is used directly.
    await connection.exec_driver_sql("SELECT 1")
    compiled = statement.compile(dialect=dialect)
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup or ())
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if dialect.driver == "aiosqlite":
        return list(await driver.execute_fetchall(str(compiled), args))
    return list(await driver.fetch(str(compiled), *args))


async def org_unit_subtree(session: AsyncSession, keys: Iterable[str]) -> set[int]:
    rows = (await session.execute(select(OrgUnit.id, OrgUnit.key, OrgUnit.parent_id))).all()
    children: dict[int | None, list[int]] = {}
    by_key: dict[str, int] = {}
    for uid, key, parent_id in rows:
        children.setdefault(parent_id, []).append(uid)
        by_key[key] = uid
    found: set[int] = set()
    stack = [by_key[k] for k in keys if k in by_key]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


async def previous_round_id(session: AsyncSession, rnd: ReportingRound) -> int | None:
    """The round this one follows: as recorded, else the latest earlier round of the plan."""
    if rnd.previous_round_id is not None:
        return rnd.previous_round_id
    query = (
        select(ReportingRound.id)
        .where(
            ReportingRound.plan_id == rnd.plan_id,
            ReportingRound.id != rnd.id,
            ReportingRound.opens_at < rnd.opens_at,
            ReportingRound.state.in_([RoundState.OPEN, RoundState.CLOSED]),
        )
        .order_by(ReportingRound.opens_at.desc(), ReportingRound.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def current_answers_frame(
    session: AsyncSession, round_id: int, columns: Sequence[str] = ANSWER_COLUMNS
) -> pd.DataFrame:
    """The answer with the highest revision per item of the round."""
    latest = (
        select(Response.item_id, func.max(Response.revision).label("revision"))
        .where(Response.round_id == round_id)
        .group_by(Response.item_id)
        .subquery()
    )
    query = (
        select(*(getattr(Response, c) for c in columns))
        .join(
            latest,
            (Response.item_id == latest.c.item_id) & (Response.revision == latest.c.revision),
        )
        .where(Response.round_id == round_id)
    )
    return frame_of(await _rows(session, query), columns)


async def item_frames(
    session: AsyncSession, rnd: ReportingRound
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The round's items (with the owner they had when it opened), and the plan items the
    digest needs: those items and their ancestors.

    One row per asked item and no joins with repeated columns: the owners' names come in a
    separate small query, ancestors outside the round (strategies) level by level."""
    # The kind is read as its stored text: the Enum type's per-row conversion costs more
    # than the whole query at region size.
    kind = type_coerce(PlanItem.kind, String)
    asked = (
        select(
            RoundItem.item_id,
            PlanItem.key,
            PlanItem.title,
            kind,
            PlanItem.parent_id,
            PlanItem.position,
            RoundItem.owner_id,
            PlanItem.org_unit_id,
        )
        .join(PlanItem, PlanItem.id == RoundItem.item_id)
        .where(RoundItem.round_id == rnd.id)
    )
    items = frame_of(
        await _rows(session, asked),
        [
            "item_id",
            "item_key",
            "title",
            "kind",
            "parent_id",
            "position",
            "owner_id",
            "org_unit_id",
        ],
    )
    owners = select(RoundItem.owner_id).where(RoundItem.round_id == rnd.id).distinct()
    names_query = select(Person.id, Person.display_name).where(Person.id.in_(owners))
    names = {pid: name for pid, name in (await session.execute(names_query)).all()}
    items["owner_name"] = items["owner_id"].map(names).astype("str")
    items = items.loc[:, [*ITEM_COLUMNS, "org_unit_id"]]

    plan_parts = [items.loc[:, list(PLAN_COLUMNS)]]
    known = set(items["item_id"])
    wanted = set(items["parent_id"].dropna().astype("int64")) - known
    while wanted:
        query = select(
            PlanItem.id, PlanItem.parent_id, kind, PlanItem.title, PlanItem.position
        ).where(PlanItem.id.in_(sorted(wanted)))
        part = frame_of((await session.execute(query)).all(), PLAN_COLUMNS)
        plan_parts.append(part)
        known |= set(part["item_id"])
        wanted = set(part["parent_id"].dropna().astype("int64")) - known
    plan = pd.concat(plan_parts, ignore_index=True)
    for frame in (items, plan):
        frame["parent_id"] = frame["parent_id"].astype("Int64")
    items["org_unit_id"] = items["org_unit_id"].astype("Int64")
    return items, plan


async def rounds_for_scope(
    session: AsyncSession,
    scope: Scope,
    *,
    states: Iterable[RoundState],
    closed_after: datetime | None = None,
) -> list[ReportingRound]:
    """Rounds in the given states that ask about at least one item of the scope; closed
    rounds only when closed after ``closed_after`` (if given)."""
    query = select(ReportingRound).where(ReportingRound.state.in_(list(states)))
    if closed_after is not None:
        query = query.where(
            or_(
                ReportingRound.state != RoundState.CLOSED,
                ReportingRound.closed_at >= closed_after,
            )
        )
    if scope.org_units:
        units = await org_unit_subtree(session, scope.org_units)
        query = query.where(
            exists(
                select(RoundItem.id)
                .join(PlanItem, PlanItem.id == RoundItem.item_id)
                .where(RoundItem.round_id == ReportingRound.id, PlanItem.org_unit_id.in_(units))
            )
        )
    if scope.plan_items:
        query = query.where(
            exists(
                select(PlanItem.id).where(
                    PlanItem.plan_id == ReportingRound.plan_id,
                    PlanItem.key.in_(scope.plan_items),
                )
            )
        )
    query = query.order_by(ReportingRound.deadline_at, ReportingRound.id)
    return list((await session.execute(query)).scalars())


async def answer_history_frame(session: AsyncSession, round_id: int) -> pd.DataFrame:
    """Every answer of the round, every revision, oldest first, with who gave it."""
    columns = [
        "item_id",
        "item_key",
        "title",
        "revision",
        "status_key",
        "likelihood",
        "consequence",
        "comment",
        "value",
        "answered_by",
        "answered_at",
        "source",
    ]
    query = (
        select(
            Response.item_id,
            PlanItem.key,
            PlanItem.title,
            Response.revision,
            Response.status_key,
            Response.likelihood,
            Response.consequence,
            Response.comment,
            Response.value,
            Person.display_name,
            Response.answered_at,
            Response.source,
        )
        .join(PlanItem, PlanItem.id == Response.item_id)
        .join(Person, Person.id == Response.answered_by_id)
        .where(Response.round_id == round_id)
        .order_by(Response.item_id, Response.revision)
    )
    frame = frame_of((await session.execute(query)).all(), columns)
    frame["source"] = frame["source"].map(str)
    return frame
