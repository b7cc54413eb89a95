"""Importing the organisation tree (key, name, parent key) from CSV or XLSX.

Units are matched on their key and updated in place. Units that are not in the file are left
alone: people, plans and rounds point at them, and the tree has no "inactive" state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    note_first_row,
    read_table,
    record_import,
    row_error,
    validate_rows,
)
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


@dataclass(frozen=True)
class _UnitRow:
    key: str
    parent: str | None
    name: str


class _UnitChecker:
    """Checks one row of an org file; remembers the first row of every key."""

    def __init__(self) -> None:
        self.first_row: dict[str, int] = {}

    def __call__(self, row: Row, errors: list[RowError]) -> _UnitRow | None:
        key, parent = row.get("key"), row.get("parent") or None
        if error := note_first_row(self.first_row, key, row, "key", "duplicate_key"):
            errors.append(error)
            return None
        if parent is not None and parent == key:
            errors.append(row_error(row.number, "parent", "own_parent", value=key))
        return _UnitRow(key, parent, row.get("name")) if key else None


@dataclass(frozen=True)
class _Tree:
    """The units of the file: parent key and name by key, and the row each key is on."""

    parents: dict[str, str | None]
    names: dict[str, str]
    first_row: dict[str, int]


def _check_tree(
    tree: _Tree, existing: dict[str, OrgUnit], errors: list[RowError]
) -> dict[str, str | None]:
    """The tree after the import (unit key -> parent key); unknown parents and cycles are
    errors."""
    key_of = {unit.id: unit.key for unit in existing.values()}
    existing_parent_key = {
        unit.key: None if unit.parent_id is None else key_of[unit.parent_id]
        for unit in existing.values()
    }
    for key, parent in tree.parents.items():
        if parent is not None and parent not in tree.first_row and parent not in existing:
            errors.append(
                row_error(tree.first_row[key], "parent", "unknown_parent_unit", value=parent)
            )
    # A cycle can run through units that are only in the database, so check the merged tree.
    merged = {**existing_parent_key, **tree.parents}
    for key, cycle in find_cycles(merged).items():
        if key in tree.parents:
            errors.append(
                row_error(tree.first_row[key], "parent", "parent_cycle", cycle=cycle_text(cycle))
            )
    return merged


async def _store_units(
    session: AsyncSession,
    tree: _Tree,
    merged: dict[str, str | None],
    existing: dict[str, OrgUnit],
    counts: Counts,
    progress: Progress | None,
) -> None:
    """Create or update the file's units, parents before children."""
    level = depths({k: p for k, p in merged.items() if k in tree.parents or k in existing})
    by_key = dict(existing)
    for key in sorted(tree.parents, key=lambda k: (level[k], tree.first_row[k])):
        parent_key = tree.parents[key]
        parent_id = None if parent_key is None else by_key[parent_key].id
        name = tree.names[key]
        unit = by_key.get(key)
        if unit is None:
            unit = OrgUnit(key=key, name=name, parent_id=parent_id)
            session.add(unit)
            # Children further down the sort need this unit's id.
            await session.flush()
            by_key[key] = unit
            counts.created += 1
        elif unit.name != name or unit.parent_id != parent_id:
            unit.name = name
            unit.parent_id = parent_id
            counts.updated += 1
        else:
            counts.unchanged += 1
        if progress is not None:
            progress(1)


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
    checker = _UnitChecker()
    rows, errors = validate_rows(table, COLUMNS, checker)
    tree = _Tree(
        parents={unit.key: unit.parent for unit in rows},
        names={unit.key: unit.name for unit in rows},
        first_row=checker.first_row,
    )
    merged = _check_tree(tree, existing, errors)
    if errors:
        raise ImportFailed(errors)

    counts = Counts()
    await _store_units(session, tree, merged, existing, counts, progress)
    await session.flush()

    summary = counts.summary("org", table)
    await record_import(
        session, summary, table, actor=actor, action=AUDIT_ACTION, target_type="org_units"
    )
    return summary
