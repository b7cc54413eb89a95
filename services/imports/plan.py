"""Importing a plan (strategies, goals, indicators, activities, assignments, internal-control
points and risks) from CSV or XLSX.

An item is identified by (plan, key): an edited file updates the same row, so the answers
given on it stay attached. Items missing from a re-import are deactivated, never deleted,
and come back (same row) when they reappear. Re-importing an unchanged file touches nothing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import (
    Column,
    Counts,
    ImportFailed,
    ImportSummary,
    Progress,
    Row,
    RowError,
    Table,
    cycle_text,
    depths,
    find_cycles,
    fold,
    note_first_row,
    org_unit_id,
    read_table,
    record_import,
    row_error,
    validate_rows,
)
from services.imports.indicators import (
    INDICATOR_COLUMNS,
    indicator_values,
    record_settings_history,
)
from services.platform.numbers import parse_stored_decimal
from storage import org as org_store
from storage import plans as plan_store
from storage.models import ItemKind, OrgUnit, Person, Plan, PlanItem

AUDIT_ACTION = "import.plan"
# Rows are flushed in chunks so a 50 000-row plan neither builds one giant statement nor
# leaves the progress bar still until the end.
CHUNK = 2000

COLUMNS = (
    Column("key", ("nyckel", "id", "kod", "item key"), True, 64),
    Column("parent", ("förälder", "överordnad", "parent key", "föräldernyckel"), False, 64),
    Column("kind", ("typ", "sort", "item type", "type"), True, 32),
    Column("title", ("titel", "rubrik", "namn", "benämning", "name"), True, 500),
    Column("owner", ("ägare", "ansvarig", "owner upn"), False, 320),
    Column("delegate", ("ersättare", "delegat", "ställföreträdare", "delegate upn"), False, 320),
    Column("org_unit", ("enhet", "org unit", "organisation", "enhetsnyckel"), False, 64),
    Column("unit", ("måttenhet", "enhet för mått", "unit of measure", "measure unit"), False, 50),
    Column("target", ("målvärde", "mål värde", "target value", "målnivå"), False, 64),
    Column("description", ("beskrivning", "kommentar", "text"), False, None),
    Column("link", ("länk", "url", "link url", "link_url", "webbadress"), False, 2000),
    *INDICATOR_COLUMNS,
)

KIND_NAMES: dict[str, ItemKind] = {
    "strategi": ItemKind.STRATEGY,
    "strategy": ItemKind.STRATEGY,
    "strategiskt_omrade": ItemKind.STRATEGY,
    "mal": ItemKind.GOAL,
    "goal": ItemKind.GOAL,
    "indikator": ItemKind.INDICATOR,
    "indicator": ItemKind.INDICATOR,
    "nyckeltal": ItemKind.INDICATOR,
    "aktivitet": ItemKind.ACTIVITY,
    "activity": ItemKind.ACTIVITY,
    "uppdrag": ItemKind.ASSIGNMENT,
    "assignment": ItemKind.ASSIGNMENT,
    "kontrollpunkt": ItemKind.CONTROL_POINT,
    "internkontrollpunkt": ItemKind.CONTROL_POINT,
    "internkontroll": ItemKind.CONTROL_POINT,
    "intern_kontrollpunkt": ItemKind.CONTROL_POINT,
    "control_point": ItemKind.CONTROL_POINT,
    "controlpoint": ItemKind.CONTROL_POINT,
    "internal_control": ItemKind.CONTROL_POINT,
    "risk": ItemKind.RISK,
}

# Item attributes an import sets; absent optional columns leave the stored value alone.
_COLUMN_FIELDS = {
    "parent": "parent_id",
    "owner": "owner_id",
    "delegate": "delegate_id",
    "org_unit": "org_unit_id",
    "unit": "unit",
    "target": "target",
    "description": "description",
    "link": "link_url",
}


def _target(text: str) -> Decimal | None:
    """A target value as the card reads indicator values; None when empty or not a number."""
    try:
        return parse_stored_decimal(text)
    except ValueError:
        return None


def parse_kind(text: str) -> ItemKind | None:
    return KIND_NAMES.get(fold(text))


def read_plan_file(path: Path | str, *, data: bytes | None = None) -> Table:
    return read_table(path, COLUMNS, data=data)


class PlanNameRequired(ValueError):
    """A new plan needs a name."""


@dataclass
class _Item:
    row: Row
    key: str
    parent: str | None
    values: dict[str, Any]


class _People:
    """Owner/delegate lookup by UPN or Entra object id, built from one query."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.by_ref: dict[str, Person] = {}
        for person in people:
            self.by_ref[person.upn.lower()] = person
            if person.entra_object_id:
                self.by_ref[person.entra_object_id.lower()] = person

    def find(self, ref: str) -> Person | None:
        text = ref.strip().lower()
        with contextlib.suppress(ValueError):
            text = str(uuid.UUID(text))
        return self.by_ref.get(text)


def _person(
    row: Row, column: str, people: _People, errors: list[RowError], values: dict[str, Any]
) -> None:
    ref = row.get(column)
    field = _COLUMN_FIELDS[column]
    if not ref:
        values[field] = None
        return
    person = people.find(ref)
    if person is None:
        errors.append(row_error(row.number, column, f"unknown_{column}", value=ref))
    elif not person.active:
        errors.append(row_error(row.number, column, f"inactive_{column}", value=ref))
    else:
        values[field] = person.id


class _ItemChecker:
    """Checks one row of a plan file; remembers the first row of every key."""

    def __init__(self, table: Table, people: _People, units: dict[str, OrgUnit]) -> None:
        self.table = table
        self.people = people
        self.units = units
        self.first_row: dict[str, int] = {}

    def __call__(self, row: Row, errors: list[RowError]) -> _Item:
        key = row.get("key")
        if error := note_first_row(self.first_row, key, row, "key", "duplicate_key"):
            errors.append(error)
        parent = row.get("parent") or None
        if parent is not None and parent == key:
            errors.append(row_error(row.number, "parent", "own_parent", value=key))
        return _Item(row, key, parent, self._values(row, errors))

    def _values(self, row: Row, errors: list[RowError]) -> dict[str, Any]:
        """The item's attributes from the columns the file has."""
        table = self.table
        values: dict[str, Any] = {"title": row.get("title"), "kind": _kind(row, errors)}
        if table.has("owner"):
            _person(row, "owner", self.people, errors, values)
        if table.has("delegate"):
            _person(row, "delegate", self.people, errors, values)
        if table.has("org_unit"):
            values["org_unit_id"] = org_unit_id(row, self.units, errors)
        if table.has("target"):
            values["target"] = _target_value(row, table, errors)
        if table.has("link"):
            values["link_url"] = _link(row, errors)
        for column in ("unit", "description"):
            if table.has(column):
                values[_COLUMN_FIELDS[column]] = row.get(column) or None
        values.update(indicator_values(row, table, errors))
        return values


def _kind(row: Row, errors: list[RowError]) -> ItemKind | None:
    raw_kind = row.get("kind")
    kind = parse_kind(raw_kind) if raw_kind else None
    if raw_kind and kind is None:
        errors.append(row_error(row.number, "kind", "bad_kind", value=raw_kind))
    return kind


def _target_value(row: Row, table: Table, errors: list[RowError]) -> Decimal | None:
    raw_target = row.get("target")
    target = _target(raw_target)
    if raw_target and target is None:
        label = table.label("target")
        errors.append(row_error(row.number, "target", "bad_number", label=label, value=raw_target))
    return target


def _link(row: Row, errors: list[RowError]) -> str | None:
    link = row.get("link")
    if link and not link.lower().startswith(("https://", "http://")):
        errors.append(row_error(row.number, "link", "bad_link", value=link))
    return link or None


def _validate(
    table: Table, people: _People, units: dict[str, OrgUnit]
) -> tuple[list[_Item], list[RowError]]:
    checker = _ItemChecker(table, people, units)
    items, errors = validate_rows(table, COLUMNS, checker)
    # Parents may come after their children in the file, so these checks need every key.
    for item in items:
        if item.parent is not None and item.parent not in checker.first_row:
            errors.append(row_error(item.row.number, "parent", "unknown_parent", value=item.parent))
    cycles = find_cycles({item.key: item.parent for item in items})
    for item in items:
        if item.key in cycles:
            text = cycle_text(cycles[item.key])
            errors.append(row_error(item.row.number, "parent", "parent_cycle", cycle=text))
    return items, errors


def _positions(items: list[_Item]) -> None:
    """Position = order among siblings in the file, so adding one item only moves the
    siblings after it (and not every row of the plan)."""
    counters: dict[str | None, int] = {}
    for item in items:
        position = counters.get(item.parent, 0)
        counters[item.parent] = position + 1
        item.values["position"] = position


async def _ensure_plan(
    session: AsyncSession,
    key: str,
    name: str | None,
    period: str | None,
    org_unit_key: str | None,
    units: dict[str, OrgUnit],
) -> tuple[Plan, bool]:
    plan = await plan_store.get_plan_by_key(session, key)
    org_unit_id = None
    if org_unit_key is not None:
        if org_unit_key not in units:
            raise ImportFailed([row_error(0, None, "unknown_org_unit", value=org_unit_key)])
        org_unit_id = units[org_unit_key].id
    if plan is None:
        if not name:
            raise PlanNameRequired(key)
        plan = Plan(key=key, name=name, period=period, org_unit_id=org_unit_id)
        session.add(plan)
        await session.flush()
        return plan, True
    if name and plan.name != name:
        plan.name = name
    if period is not None and plan.period != period:
        plan.period = period
    if org_unit_key is not None and plan.org_unit_id != org_unit_id:
        plan.org_unit_id = org_unit_id
    return plan, False


async def import_plan(
    session: AsyncSession,
    source: Path | str | Table,
    *,
    plan_key: str,
    actor: str,
    name: str | None = None,
    period: str | None = None,
    org_unit_key: str | None = None,
    progress: Progress | None = None,
    indicator_margin: Decimal | None = None,
) -> ImportSummary:
    """Validate every row, then create/update/deactivate the plan's items in the caller's
    transaction. Raises ImportFailed (nothing written) if any row is wrong and
    PlanNameRequired if the plan is new and no name was given."""
    table = source if isinstance(source, Table) else read_plan_file(source)
    if table.errors:
        raise ImportFailed(table.errors)

    people = _People((await session.execute(select(Person))).scalars())
    units = await org_store.units_by_key(session)
    items, errors = _validate(table, people, units)
    if errors:
        raise ImportFailed(errors)
    plan, plan_created = await _ensure_plan(session, plan_key, name, period, org_unit_key, units)
    _positions(items)
    if indicator_margin is not None:
        plan.indicator_margin = indicator_margin

    existing: dict[str, PlanItem] = {}
    if not plan_created:
        existing = {
            item.key: item
            for item in await plan_store.items_of_plan(session, plan.id, include_inactive=True)
        }
    counts = Counts()
    writer = _ItemWriter(session, table, plan, existing, counts, progress)
    for level in _by_level(items):
        await writer.store_level(level)
    _deactivate_absent(existing, items, counts)
    await session.flush()
    await record_settings_history(session, plan.id, actor)

    summary = counts.summary("plan", table)
    await record_import(
        session,
        summary,
        table,
        actor=actor,
        action=AUDIT_ACTION,
        target_type="plan",
        target_id=plan.key,
        plan_created=plan_created,
    )
    return summary


def _by_level(items: list[_Item]) -> list[list[_Item]]:
    """The items grouped by depth in the tree, roots first, file order within a level."""
    level = depths({item.key: item.parent for item in items})
    by_level: dict[int, list[_Item]] = {}
    for item in items:
        by_level.setdefault(level[item.key], []).append(item)
    return [by_level[depth] for depth in sorted(by_level)]


class _ItemWriter:
    """Creates and updates a plan's items, a tree level at a time, so every parent has an
    id before its children are written."""

    def __init__(
        self,
        session: AsyncSession,
        table: Table,
        plan: Plan,
        existing: dict[str, PlanItem],
        counts: Counts,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.table = table
        self.plan = plan
        self.existing = existing
        self.counts = counts
        self.progress = progress
        self.ids: dict[str, int] = {key: item.id for key, item in existing.items()}

    async def store_level(self, level: list[_Item]) -> None:
        new_rows: list[dict[str, Any]] = []
        for count, item in enumerate(level, start=1):
            self._store(item, new_rows)
            if count % CHUNK == 0:
                await _flush(self.session, new_rows, self.ids)
                self._advance(CHUNK)
        # The next level's parent ids come from this flush.
        await _flush(self.session, new_rows, self.ids)
        self._advance(len(level) % CHUNK)

    def _store(self, item: _Item, new_rows: list[dict[str, Any]]) -> None:
        """Update the stored item, or queue a new row for the next bulk insert."""
        values = dict(item.values)
        if self.table.has("parent"):
            values["parent_id"] = None if item.parent is None else self.ids[item.parent]
        row = self.existing.get(item.key)
        if row is None:
            new_rows.append({"plan_id": self.plan.id, "key": item.key, "active": True, **values})
            self.counts.created += 1
        else:
            self.counts.update(row, values)

    def _advance(self, rows: int) -> None:
        if self.progress is not None:
            self.progress(rows)


def _deactivate_absent(existing: dict[str, PlanItem], items: list[_Item], counts: Counts) -> None:
    """Deactivate the stored items that are not in the file."""
    in_file = {item.key for item in items}
    for key, row in existing.items():
        if row.active and key not in in_file:
            row.active = False
            counts.deactivated += 1


async def _flush(
    session: AsyncSession, new_rows: list[dict[str, Any]], ids: dict[str, int]
) -> None:
    """Write pending updates and insert new items in one statement per batch; the ORM
    bulk insert skips per-object bookkeeping, which is most of the cost at 50 000 rows."""
    await session.flush()
    if new_rows:
        # RETURNING the key, so the order the backend returns rows in does not matter.
        statement = insert(PlanItem).returning(PlanItem.key, PlanItem.id)
        for key, item_id in (await session.execute(statement, new_rows)).all():
            ids[key] = item_id
        new_rows.clear()
