"""``lagesbot values import``: measured indicator values from a CSV or XLSX file (an export
of the region's data warehouse), as the plan import reads files.

Columns: the indicator's key, the period (a round's period label or the round's key), the
value, and optionally the source ("Kolada", "datalagret"; else the file's name) and the date
the value is as of. The whole file is checked first; one bad row stores nothing. Values are
appended (``indicator_values``), never overwritten: loading the same file twice adds
nothing, a changed value adds a revision and the earlier one stays with its source and who
loaded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import (
    Column,
    Counts,
    ImportFailed,
    ImportSummary,
    Row,
    RowError,
    Table,
    note_first_row,
    read_table,
    record_import,
    row_error,
    validate_rows,
)
from services.imports.indicators import parse_date
from services.platform.numbers import parse_stored_decimal
from storage import indicators as indicator_store
from storage import plans as plan_store
from storage.models import ItemKind, PlanItem, ReportingRound

AUDIT_ACTION: Final = "import.values"
COLUMNS: Final = (
    Column("indicator", ("mätetal", "indikator", "nyckel", "indicator key", "key"), True, 64),
    Column("period", ("period", "omgång", "runda", "round", "tertial"), True, 64),
    Column("value", ("värde", "utfall", "value", "outcome"), True, 64),
    Column("source", ("källa", "source"), False, 200),
    Column("as_of", ("per", "per datum", "datum", "as of", "as-of date", "date"), False, 32),
)


@dataclass(frozen=True)
class _Value:
    item_id: int
    period: str
    value: Decimal
    source: str | None
    as_of: date | None


def read_values_file(path: Path | str, *, data: bytes | None = None) -> Table:
    return read_table(path, COLUMNS, data=data)


class _Checker:
    def __init__(self, table: Table, items: dict[str, int], periods: dict[str, str]) -> None:
        self.table = table
        self.items = items
        self.periods = periods
        self.first_row: dict[str, int] = {}

    def __call__(self, row: Row, errors: list[RowError]) -> _Value | None:
        key, raw_period = row.get("indicator"), row.get("period")
        item_id = self.items.get(key)
        if key and item_id is None:
            errors.append(row_error(row.number, "indicator", "unknown_indicator", value=key))
        period = self.periods.get(raw_period.casefold())
        if raw_period and period is None:
            errors.append(row_error(row.number, "period", "unknown_period", value=raw_period))
        if item_id is not None and period is not None:
            pair = f"{key}\t{period}"
            if twice := note_first_row(self.first_row, pair, row, "period", "duplicate_value"):
                errors.append(twice)
        value = self._number(row, errors)
        as_of = self._as_of(row, errors)
        if item_id is None or period is None or value is None:
            return None
        return _Value(item_id, period, value, row.get("source") or None, as_of)

    def _number(self, row: Row, errors: list[RowError]) -> Decimal | None:
        raw = row.get("value")
        try:
            return parse_stored_decimal(raw)
        except ValueError:
            label = self.table.label("value")
            errors.append(row_error(row.number, "value", "bad_number", label=label, value=raw))
            return None

    def _as_of(self, row: Row, errors: list[RowError]) -> date | None:
        raw = row.get("as_of")
        found = parse_date(raw) if raw else None
        if raw and found is None:
            label = self.table.label("as_of")
            errors.append(row_error(row.number, "as_of", "bad_date", label=label, value=raw))
        return found


async def _lookups(session: AsyncSession, plan_id: int) -> tuple[dict[str, int], dict[str, str]]:
    """The plan's indicators by key, and its rounds' periods by label or round key (any
    case), each pointing at the period the values are filed under."""
    items = dict(
        (
            await session.execute(
                select(PlanItem.key, PlanItem.id).where(
                    PlanItem.plan_id == plan_id, PlanItem.kind == ItemKind.INDICATOR
                )
            )
        ).all()
    )
    rounds = (
        await session.scalars(select(ReportingRound).where(ReportingRound.plan_id == plan_id))
    ).all()
    periods: dict[str, str] = {}
    for rnd in rounds:
        period = indicator_store.round_period(rnd)
        periods[rnd.key.casefold()] = period
        periods[period.casefold()] = period
    return items, periods


class UnknownPlan(ValueError):
    """No plan with that key."""


async def import_values(
    session: AsyncSession, source: Path | str | Table, *, plan_key: str, actor: str
) -> ImportSummary:
    """Check every row, then append the values in the caller's transaction. Raises
    ImportFailed (nothing written) when any row is wrong, UnknownPlan for a wrong plan key."""
    table = source if isinstance(source, Table) else read_values_file(source)
    if table.errors:
        raise ImportFailed(table.errors)
    plan = await plan_store.get_plan_by_key(session, plan_key)
    if plan is None:
        raise UnknownPlan(plan_key)
    items, periods = await _lookups(session, plan.id)
    values, errors = validate_rows(table, COLUMNS, _Checker(table, items, periods))
    if errors:
        raise ImportFailed(errors)
    counts = Counts()
    file_name = Path(table.source).name
    known = await indicator_store.loaded_values(session, items.values())
    for found in values:
        before = known.get((found.item_id, found.period))
        added = await indicator_store.append_value(
            session,
            item_id=found.item_id,
            period=found.period,
            value=found.value,
            source=found.source or file_name,
            as_of=found.as_of,
            recorded_by=actor,
        )
        if added is None:
            counts.unchanged += 1
        elif before is None:
            counts.created += 1
        else:
            counts.updated += 1
    summary = counts.summary("values", table)
    await record_import(
        session, summary, table, actor=actor, action=AUDIT_ACTION, target_type="plan",
        target_id=plan.key,
    )  # fmt: skip
    return summary
