"""The OData query options the feed understands, read from a request's query string.

- ``$filter``: OData's expression language (``RoundKey eq 'T2-2026'``, ``AnsweredAt ge
  2026-09-01T00:00:00Z``, ``OrgUnitKey in ('HSN','RUN')``, ``contains(Title,'vård')``),
  parsed by ``odata-query`` and translated to SQL on the set's columns;
- ``$select``: the properties to return, in that order;
- ``$top``: at most this many rows in all, over as many pages as it takes;
- ``$skiptoken``: the cursor the feed's own ``@odata.nextLink`` carries;
- ``$orderby``: only the key order the pages are read in (``Id``/``Id asc``);
- ``$format=json``.

Other system options (``$expand``, ``$skip``, ``$count``, ``$search``, ``$apply``...) are
answered 501 Not Implemented, as the OData protocol asks; custom options are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from odata_query import ast as odata_ast
from odata_query import exceptions as odata_errors
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.sqlalchemy.core import AstToSqlAlchemyCoreVisitor
from sqlalchemy import ColumnElement, literal

from services.feed.schema import EntitySet, EntityType, Property
from storage.feed_queries import RowSource
from storage.models import UTCDateTime

SUPPORTED = frozenset({"$filter", "$select", "$top", "$skiptoken", "$orderby", "$format"})
KEY_ORDER = frozenset({"id", "id asc"})
JSON_FORMATS = frozenset({"json", "application/json"})
MAX_FILTER_LENGTH = 4000


class FeedError(Exception):
    """A request the feed cannot answer; ``message_id`` is a catalogue text."""

    def __init__(self, status: int, code: str, message_id: str, **params: object) -> None:
        super().__init__(f"{code}: {message_id} {params}")
        self.status = status
        self.code = code
        self.message_id = message_id
        self.params = params


def bad_request(message_id: str, **params: object) -> FeedError:
    return FeedError(400, "BadRequest", message_id, **params)


@dataclass(frozen=True)
class FeedQuery:
    selected: tuple[Property, ...]
    filter: str | None = None
    top: int | None = None
    after: int | None = None
    explicit_select: bool = False


def _non_negative(name: str, value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise bad_request("feed.error.not_a_number", option=name, value=value[:40])
    return int(value)


def _selected(entity_type: EntityType, value: str | None) -> tuple[Property, ...]:
    if value is None or value.strip() in {"", "*"}:
        return entity_type.properties
    chosen: list[Property] = []
    for name in (part.strip() for part in value.split(",")):
        prop = entity_type.property(name)
        if prop is None:
            raise bad_request("feed.error.unknown_property", name=name[:80])
        if prop not in chosen:
            chosen.append(prop)
    return tuple(chosen)


def _check_options(options: Mapping[str, str]) -> None:
    for name in options:
        if name.startswith("$") and name not in SUPPORTED:
            raise FeedError(501, "NotImplemented", "feed.error.unsupported_option", option=name)
    order = options.get("$orderby")
    if order is not None and " ".join(order.lower().split()) not in KEY_ORDER:
        raise FeedError(501, "NotImplemented", "feed.error.unsupported_order")
    form = options.get("$format")
    if form is not None and form.split(";", 1)[0].strip().lower() not in JSON_FORMATS:
        raise FeedError(406, "NotAcceptable", "feed.error.unsupported_format")


def parse_options(entity_set: EntitySet, options: Mapping[str, str]) -> FeedQuery:
    """The query a request's options ask for, or a FeedError saying what is wrong."""
    _check_options(options)
    text = options.get("$filter")
    if text is not None and len(text) > MAX_FILTER_LENGTH:
        raise bad_request("feed.error.filter_too_long", limit=MAX_FILTER_LENGTH)
    top = options.get("$top")
    skiptoken = options.get("$skiptoken")
    return FeedQuery(
        selected=_selected(entity_set.type, options.get("$select")),
        filter=(text or "").strip() or None,
        top=None if top is None else _non_negative("$top", top.strip()),
        after=None if skiptoken is None else _non_negative("$skiptoken", skiptoken.strip()),
        explicit_select=options.get("$select", "*").strip() not in {"", "*"},
    )


class _FilterToSql(AstToSqlAlchemyCoreVisitor):
    """odata-query's Core translation, on the set's own columns by their OData names, with
    date and time literals bound as the store's UTC timestamps (so ``+01:00`` counts)."""

    def __init__(self, entity_type: EntityType, source: RowSource) -> None:
        super().__init__(None)  # type: ignore[arg-type]  # identifiers resolved below
        self._entity_type = entity_type
        self._source = source

    def visit_Identifier(self, node: odata_ast.Identifier) -> Any:
        prop = self._entity_type.property(node.name)
        if prop is None:
            raise bad_request("feed.error.unknown_property", name=node.name[:80])
        return self._source.columns[prop.column]

    def visit_DateTime(self, node: odata_ast.DateTime) -> Any:
        try:
            moment = node.py_val
        except ValueError as exc:
            raise bad_request("feed.error.bad_filter", detail=node.val[:80]) from exc
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return literal(moment, type_=UTCDateTime())

    def visit_Date(self, node: odata_ast.Date) -> Any:
        try:
            day: date = node.py_val
        except ValueError as exc:
            raise bad_request("feed.error.bad_filter", detail=node.val[:80]) from exc
        return literal(datetime.combine(day, time(), tzinfo=UTC), type_=UTCDateTime())


def filter_clause(entity_set: EntitySet, source: RowSource, text: str) -> ColumnElement[bool]:
    """``$filter`` as a WHERE clause on ``source``, or a FeedError."""
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
        clause: ColumnElement[bool] = _FilterToSql(entity_set.type, source).visit(tree)
    except FeedError:
        raise
    except (odata_errors.ODataException, NotImplementedError, TypeError) as exc:
        raise bad_request("feed.error.bad_filter", detail=str(exc)[:200]) from exc
    return clause
