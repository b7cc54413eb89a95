"""Importing the organisation tree (key, name, parent key) from CSV or XLSX.

Units are matched on their key and updated in place. Units that are not in the file are left
alone: people, plans and rounds point at them, and the tree has no "inactive" state.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import (
    Column,
    ImportFailed,
    ImportSummary,
    Progress,
    RowError,
    Table,
    check_lengths,
    depths,
    find_cycles,
    read_table,
    row_error,
)
from storage import audit
from storage import org as org_store
from storage.models import OrgUnit

AUDIT_ACTION = "import.org"

COLUMNS = (
    Column("key", ("nyckel", "enhetsnyckel", "kod", "id", "enhetskod"), True, 64),
    Column("name", ("namn", "benämning", "enhetsnamn"), True, 200),
    Column(
        "parent",
        (
            "förälder",
            "överordnad",
            "överordnad enhet",
            "parent key",
            "parent_key",
            "föräldernyckel",
        ),
        False,
        64,
    ),
)


def read_org_file(path: Path | str, *, data: bytes | None = None) -> Table:
    return read_table(path, COLUMNS, data=data)


async def import_org_units(
    session: AsyncSession,
    source: Path | str | Table,
    *,
    actor: str,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate every row, then create or update the units in the caller's transaction.
    Raises ImportFailed (nothing written) if any row is wrong."""
    table = source if isinstance(source, Table) else read_org_file(source)
    if table.errors:
        raise ImportFailed(table.errors)

    existing = await org_store.units_by_key(session)
    key_of = {unit.id: unit.key for unit in existing.values()}
    existing_parent_key = {
        unit.key: None if unit.parent_id is None else key_of[unit.parent_id]
        for unit in existing.values()
    }
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    parents: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for row in table:
        before = len(errors)
        check_lengths(row, COLUMNS, errors, table)
        key, parent = row.get("key"), row.get("parent") or None
        if key and key in first_row:
            errors.append(
                row_error(row.number, "key", "duplicate_key", value=key, first_row=first_row[key])
            )
            continue
        if key:
            first_row[key] = row.number
        if parent is not None and parent == key:
            errors.append(row_error(row.number, "parent", "own_parent", value=key))
        if len(errors) == before and key:
            parents[key] = parent
            names[key] = row.get("name")

    for key, parent in parents.items():
        if parent is not None and parent not in first_row and parent not in existing:
            errors.append(row_error(first_row[key], "parent", "unknown_parent_unit", value=parent))
    # A cycle can run through units that are only in the database, so check the merged tree.
    merged = {**existing_parent_key, **parents}
    for key, cycle in find_cycles(merged).items():
        if key in parents:
            text = " → ".join([*cycle, cycle[0]])
            errors.append(row_error(first_row[key], "parent", "parent_cycle", cycle=text))
    if errors:
        raise ImportFailed(errors)

    created = updated = unchanged = 0
    level = depths({k: p for k, p in merged.items() if k in parents or k in existing})
    by_key = dict(existing)
    for key in sorted(parents, key=lambda k: (level[k], first_row[k])):
        parent_key = parents[key]
        parent_id = None if parent_key is None else by_key[parent_key].id
        unit = by_key.get(key)
        if unit is None:
            unit = OrgUnit(key=key, name=names[key], parent_id=parent_id)
            session.add(unit)
            # Children further down the sort need this unit's id.
            await session.flush()
            by_key[key] = unit
            created += 1
        elif unit.name != names[key] or unit.parent_id != parent_id:
            unit.name = names[key]
            unit.parent_id = parent_id
            updated += 1
        else:
            unchanged += 1
        if progress is not None:
            progress(1)
    await session.flush()

    summary = ImportSummary(
        what="org",
        rows=len(table),
        created=created,
        updated=updated,
        unchanged=unchanged,
        ignored_columns=table.ignored_columns,
    )
    audit.record(
        session,
        actor=actor,
        action=AUDIT_ACTION,
        target_type="org_units",
        details={**summary.counts(), "file": Path(table.source).name, "changes": summary.changed},
    )
    await session.flush()
    return summary
