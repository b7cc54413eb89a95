"""The append-only answer history. The current answer for (round, item) is the row with the
highest revision; nothing here updates or deletes a response."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, Select, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Person, Response


async def current_answers(
    session: AsyncSession, round_id: int, item_ids: Sequence[int]
) -> dict[int, Response]:
    if not item_ids:
        return {}
    bind = session.get_bind()
    query = (
        _newest_by_item_postgresql(round_id, item_ids)
        if bind.dialect.name == "postgresql"
        else _newest_by_item(round_id, item_ids)
    )
    return {row.item_id: row for row in (await session.execute(query)).scalars()}


def _newest_by_item_postgresql(round_id: int, item_ids: Sequence[int]) -> Select[Response]:
    """Per item, the first row of a backward walk of the unique (round, item, revision)
    index: one index probe each, however long the item's history. The GROUP BY form below
    reads every revision ever stored, so on PostgreSQL a submit cost more the more often
    its items had been answered."""
    wanted = (
        func.unnest(bindparam("item_ids", list(item_ids), type_=ARRAY(Integer)))
        .table_valued("item_id")
        .render_derived()
    )
    newest = (
        select(Response)
        .where(Response.round_id == round_id, Response.item_id == wanted.c.item_id)
        .order_by(Response.revision.desc())
        .limit(1)
        .lateral("newest")
    )
    return select(aliased(Response, newest)).select_from(wanted).join(newest, true())


def _newest_by_item(round_id: int, item_ids: Sequence[int]) -> Select[Response]:
    """The highest revision per item (SQLite: no LATERAL; its GROUP BY walks the index)."""
    latest = (
        select(Response.item_id, func.max(Response.revision).label("revision"))
        .where(Response.round_id == round_id, Response.item_id.in_(list(item_ids)))
        .group_by(Response.item_id)
        .subquery()
    )
    query = select(Response).join(
        latest,
        (Response.item_id == latest.c.item_id) & (Response.revision == latest.c.revision),
    )
    # The item filter is repeated on the outer query so the unique (round, item, revision)
    # index bounds it however stale the planner's statistics are.
    return query.where(Response.round_id == round_id, Response.item_id.in_(list(item_ids)))


async def recorded_by_submission(
    session: AsyncSession, round_id: int, submission_key: str, answered_by_id: int
) -> bool:
    """Whether this person's submit with this key (the Teams activity id) is already stored."""
    query = (
        select(Response.id)
        .where(
            Response.round_id == round_id,
            Response.submission_key == submission_key,
            Response.answered_by_id == answered_by_id,
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


async def history(session: AsyncSession, round_id: int, item_id: int) -> list[Response]:
    query = (
        select(Response)
        .where(Response.round_id == round_id, Response.item_id == item_id)
        .order_by(Response.revision)
    )
    return list((await session.execute(query)).scalars())


async def answerer_names(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    query = select(Person.id, Person.display_name).where(Person.id.in_(set(person_ids)))
    return {pid: name for pid, name in (await session.execute(query))}


def append(session: AsyncSession, response: Response) -> Response:
    session.add(response)
    return response
