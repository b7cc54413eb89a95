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
    ImportFailed,
    ImportSummary,
    Progress,
    Row,
    RowError,
    Table,
    check_lengths,
    depths,
    find_cycles,
    fold,
    read_table,
    row_error,
)
from services.platform.numbers import parse_stored_decimal
from storage import audit
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


def _validate(
    table: Table, people: _People, units: dict[str, OrgUnit]
) -> tuple[list[_Item], list[RowError]]:
    errors: list[RowError] = []
    items: list[_Item] = []
    first_row: dict[str, int] = {}
    for row in table:
        before = len(errors)
        check_lengths(row, COLUMNS, errors, table)
        key = row.get("key")
        if key in first_row:
            errors.append(
                row_error(row.number, "key", "duplicate_key", value=key, first_row=first_row[key])
            )
        elif key:
            first_row[key] = row.number
        parent = row.get("parent") or None
        if parent is not None and parent == key:
            errors.append(row_error(row.number, "parent", "own_parent", value=key))

        values: dict[str, Any] = {"title": row.get("title")}
        raw_kind = row.get("kind")
        kind = parse_kind(raw_kind) if raw_kind else None
        if raw_kind and kind is None:
            errors.append(row_error(row.number, "kind", "bad_kind", value=raw_kind))
        values["kind"] = kind
        if table.has("owner"):
            _person(row, "owner", people, errors, values)
        if table.has("delegate"):
            _person(row, "delegate", people, errors, values)
        if table.has("org_unit"):
            unit_key = row.get("org_unit")
            if unit_key and unit_key not in units:
                errors.append(row_error(row.number, "org_unit", "unknown_org_unit", value=unit_key))
            values["org_unit_id"] = units[unit_key].id if unit_key in units else None
        if table.has("target"):
            raw_target = row.get("target")
            target = _target(raw_target)
            if raw_target and target is None:
                errors.append(
                    row_error(
                        row.number,
                        "target",
                        "bad_number",
                        label=table.label("target"),
                        value=raw_target,
                    )
                )
            values["target"] = target
        if table.has("link"):
            link = row.get("link")
            if link and not link.lower().startswith(("https://", "http://")):
                errors.append(row_error(row.number, "link", "bad_link", value=link))
            values["link_url"] = link or None
        for column in ("unit", "description"):
            if table.has(column):
                values[_COLUMN_FIELDS[column]] = row.get(column) or None
        if len(errors) == before:
            items.append(_Item(row, key, parent, values))

    # Parents may come after their children in the file, so these checks need every key.
    parents = {item.key: item.parent for item in items}
    for item in items:
        if item.parent is not None and item.parent not in first_row:
            errors.append(row_error(item.row.number, "parent", "unknown_parent", value=item.parent))
    cycles = find_cycles(parents)
    for item in items:
        if item.key in cycles:
            cycle = cycles[item.key]
            text = " → ".join([*cycle, cycle[0]])
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

    existing: dict[str, PlanItem] = {}
    if not plan_created:
        existing = {
            item.key: item
            for item in await plan_store.items_of_plan(session, plan.id, include_inactive=True)
        }
    ids: dict[str, int] = {key: item.id for key, item in existing.items()}
    level = depths({item.key: item.parent for item in items})
    by_level: dict[int, list[_Item]] = {}
    for item in items:
        by_level.setdefault(level[item.key], []).append(item)

    created = updated = unchanged = reactivated = 0
    for depth in sorted(by_level):
        new_rows: list[dict[str, Any]] = []
        for count, item in enumerate(by_level[depth], start=1):
            values = dict(item.values)
            if table.has("parent"):
                values["parent_id"] = None if item.parent is None else ids[item.parent]
            row = existing.get(item.key)
            if row is None:
                new_rows.append({"plan_id": plan.id, "key": item.key, "active": True, **values})
                created += 1
            else:
                changes = {k: v for k, v in values.items() if getattr(row, k) != v}
                for field, value in changes.items():
                    setattr(row, field, value)
                if not row.active:
                    row.active = True
                    reactivated += 1
                elif changes:
                    updated += 1
                else:
                    unchanged += 1
            if count % CHUNK == 0:
                await _flush(session, new_rows, ids)
                if progress is not None:
                    progress(CHUNK)
        # The next level's parent ids come from this flush.
        await _flush(session, new_rows, ids)
        if progress is not None:
            progress(len(by_level[depth]) % CHUNK)

    in_file = {item.key for item in items}
    deactivated = 0
    for key, row in existing.items():
        if row.active and key not in in_file:
            row.active = False
            deactivated += 1
    await session.flush()

    summary = ImportSummary(
        what="plan",
        rows=len(table),
        created=created,
        updated=updated,
        unchanged=unchanged,
        deactivated=deactivated,
        reactivated=reactivated,
        ignored_columns=table.ignored_columns,
    )
    audit.record(
        session,
        actor=actor,
        action=AUDIT_ACTION,
        target_type="plan",
        target_id=plan.key,
        details={
            **summary.counts(),
            "file": Path(table.source).name,
            "changes": summary.changed,
            "plan_created": plan_created,
        },
    )
    await session.flush()
    return summary


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
