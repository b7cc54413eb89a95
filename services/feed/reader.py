"""One page of an entity set, as the OData JSON a client reads (``application/json;
odata.metadata=minimal``): ``@odata.context``, ``value`` and, while rows remain,
``@odata.nextLink`` with a keyset cursor (``$skiptoken`` = the last key sent), so a client
follows the chain to the end and the server never holds more than a page.

Erased people appear only by their pseudonym: the store already holds it in their row
(``services.privacy.erase``), and every person's name read here is replaced by it again
when the person is marked erased, so no copy the erasure might have missed leaves the feed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote, urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from services.feed.options import FeedQuery, filter_clause
from services.feed.schema import EntitySet, Property
from services.privacy.erase import pseudonym_name
from storage import feed_queries

SOURCES: Final = feed_queries.row_sources()


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    # The next page's cursor and remaining $top, or None when this page is the last.
    next_after: int | None = None
    next_top: int | None = None


def _json_default(value: Any) -> Any:
    """What the JSON encoder cannot write itself (only these cells take this slower path)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Edm.Decimal as a JSON number (IEEE754Compatible=false); Numeric(18, 4) fits a float
        # for every figure a plan holds.
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _columns(entity_set: EntitySet, selected: tuple[Property, ...]) -> list[str]:
    """The store columns to read: the selected ones first (in order), then the key (the
    next page's cursor) and, for each person's name selected, the person's id and erased
    mark."""
    columns = [prop.column for prop in selected]
    extra = ["id"]
    for person in entity_set.type.person_names:
        if person.name in columns:
            extra.extend((person.person_id, person.erased))
    columns.extend(dict.fromkeys(c for c in extra if c not in columns))
    return columns


def _values(
    entity_set: EntitySet, selected: tuple[Property, ...], columns: list[str], rows: list[Any]
) -> list[dict[str, Any]]:
    names = [prop.name for prop in selected]
    # zip stops at the selected names: the extra columns are read, not sent.
    values = [dict(zip(names, row, strict=False)) for row in rows]
    for person in entity_set.type.person_names:
        if person.name not in columns[: len(names)]:
            continue
        name = names[columns.index(person.name)]
        person_at, erased_at = columns.index(person.person_id), columns.index(person.erased)
        for value, row in zip(values, rows, strict=True):
            if row[erased_at]:
                value[name] = pseudonym_name(row[person_at])
    return values


async def read_page(
    session: AsyncSession, entity_set: EntitySet, query: FeedQuery, page_size: int
) -> Page:
    """The page ``query`` asks for, at most ``page_size`` rows."""
    source = SOURCES[entity_set.source]
    where = filter_clause(entity_set, source, query.filter) if query.filter else None
    limit = page_size if query.top is None else min(page_size, query.top)
    if limit == 0:
        return Page([])
    columns = _columns(entity_set, query.selected)
    # One row more than the page tells whether another page follows, so the last page is
    # never followed by an empty one.
    rows = await feed_queries.read_page(
        session, source, columns, where=where, after=query.after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    values = _values(entity_set, query.selected, columns, rows)
    remaining = None if query.top is None else query.top - len(rows)
    if not more or remaining == 0:
        return Page(values)
    return Page(values, next_after=int(rows[-1][columns.index("id")]), next_top=remaining)


def next_link(base_url: str, entity_set: EntitySet, query: FeedQuery, page: Page) -> str | None:
    if page.next_after is None:
        return None
    options: dict[str, str] = {}
    if query.filter:
        options["$filter"] = query.filter
    if query.explicit_select:
        options["$select"] = ",".join(prop.name for prop in query.selected)
    if page.next_top is not None:
        options["$top"] = str(page.next_top)
    options["$skiptoken"] = str(page.next_after)
    return f"{base_url}{entity_set.name}?{urlencode(options, quote_via=quote, safe=',$')}"


def page_body(base_url: str, entity_set: EntitySet, query: FeedQuery, page: Page) -> bytes:
    """The page as OData JSON; ``base_url`` is the feed's root, ending in ``/``."""
    context = f"{base_url}$metadata#{entity_set.name}"
    if query.explicit_select:
        context += "(" + ",".join(prop.name for prop in query.selected) + ")"
    body: dict[str, Any] = {"@odata.context": context, "value": page.rows}
    link = next_link(base_url, entity_set, query, page)
    if link is not None:
        body["@odata.nextLink"] = link
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return text.encode()


def error_body(code: str, message: str) -> Mapping[str, Any]:
    return {"error": {"code": code, "message": message}}
