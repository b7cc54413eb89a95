"""Importing people (UPN, name, Entra object id, line manager, org unit, language, time zone).

A person is recognised by Entra object id first and UPN second, so a renamed person (new
UPN after a change of surname) keeps their row, their items and their answer history.
People missing from the file are only deactivated when asked (``deactivate_missing``), since
a partial file, e.g. three new starters, is a normal thing to import.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
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
from storage import org as org_store
from storage.models import OrgUnit, Person

AUDIT_ACTION = "import.people"
DEFAULT_LANGUAGE = "sv"
DEFAULT_TIME_ZONE = "Europe/Stockholm"

COLUMNS = (
    Column(
        "upn", ("användarnamn", "userprincipalname", "user principal name", "inloggning"), True, 320
    ),
    Column(
        "display_name",
        ("namn", "name", "visningsnamn", "displayname", "fullständigt namn"),
        True,
        200,
    ),
    Column(
        "entra_object_id",
        (
            "entra id",
            "entra-id",
            "objekt-id",
            "object id",
            "objectid",
            "entra objekt-id",
            "entra object id",
            "aad object id",
            "azure ad object id",
        ),
        False,
        64,
    ),
    Column(
        "line_manager",
        (
            "chef",
            "närmaste chef",
            "manager",
            "chef upn",
            "manager upn",
            "line manager",
            "line manager upn",
        ),
        False,
        320,
    ),
    Column(
        "org_unit", ("enhet", "enhetsnyckel", "org unit", "org_unit_key", "organisation"), False, 64
    ),
    Column("language", ("språk", "lang", "preferred language", "föredraget språk"), False, 16),
    Column("time_zone", ("tidszon", "timezone", "tz"), False, 64),
    Column("email", ("e-post", "epost", "mejl", "mail", "e-mail"), False, 320),
    Column("job_title", ("befattning", "titel", "title", "yrkestitel", "job title"), False, 200),
)
# Columns that, when present, describe the person; absent columns leave stored values alone.
_OPTIONAL_FIELDS = ("email", "job_title")

_UPN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGES = {
    "sv": "sv", "svenska": "sv", "swedish": "sv", "sv_se": "sv", "sv_fi": "sv",
    "en": "en", "engelska": "en", "english": "en", "en_us": "en", "en_gb": "en",
}  # fmt: skip


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def read_people_file(path: Path | str, *, data: bytes | None = None) -> Table:
    return read_table(path, COLUMNS, data=data)


def object_id_of(text: str) -> str | None:
    """The canonical (lower-case, dashed) form of a GUID, or None if it is not one."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


@dataclass
class _Wanted:
    row: Row
    upn: str
    object_id: str | None
    manager_ref: str | None
    fields: dict[str, Any]
    existing: Person | None = None


def _identity(person: Person) -> str:
    return person.upn.lower()


@dataclass(frozen=True)
class _Directory:
    """The people already stored, found by UPN, Entra object id or row id."""

    people: list[Person]
    by_upn: dict[str, Person]
    by_object_id: dict[str, Person]
    by_id: dict[int, Person]

    @classmethod
    async def load(cls, session: AsyncSession) -> _Directory:
        people = list((await session.execute(select(Person))).scalars())
        return cls(
            people,
            by_upn={p.upn.lower(): p for p in people},
            by_object_id={p.entra_object_id.lower(): p for p in people if p.entra_object_id},
            by_id={p.id: p for p in people},
        )


class _RowChecker:
    """Checks one row of a people file against the file so far and the stored people."""

    def __init__(self, table: Table, directory: _Directory, units: dict[str, OrgUnit]) -> None:
        self.table = table
        self.directory = directory
        self.units = units
        self.upn_row: dict[str, int] = {}
        self.object_id_row: dict[str, int] = {}

    def __call__(self, row: Row, errors: list[RowError]) -> _Wanted:
        upn = self._upn(row, errors)
        object_id = self._object_id(row, errors)
        fields = self._fields(row, errors)
        existing = self._stored_person(row, upn, object_id, errors)
        manager_ref = row.get("line_manager").lower() or None
        return _Wanted(row, upn, object_id, manager_ref, fields, existing)

    def _upn(self, row: Row, errors: list[RowError]) -> str:
        upn = row.get("upn").lower()
        if upn and not _UPN.match(upn):
            errors.append(row_error(row.number, "upn", "bad_upn", value=row.get("upn")))
        elif error := note_first_row(self.upn_row, upn, row, "upn", "duplicate_upn"):
            errors.append(error)
        return upn

    def _object_id(self, row: Row, errors: list[RowError]) -> str | None:
        raw_id = row.get("entra_object_id")
        if not raw_id:
            return None
        object_id = object_id_of(raw_id)
        if object_id is None:
            errors.append(row_error(row.number, "entra_object_id", "bad_object_id", value=raw_id))
        elif error := note_first_row(
            self.object_id_row, object_id, row, "entra_object_id", "duplicate_object_id"
        ):
            errors.append(error)
        return object_id

    def _fields(self, row: Row, errors: list[RowError]) -> dict[str, Any]:
        """The person's attributes from the columns the file has."""
        fields: dict[str, Any] = {"display_name": row.get("display_name")}
        if self.table.has("org_unit"):
            fields["org_unit_id"] = org_unit_id(row, self.units, errors)
        if self.table.has("language"):
            fields["preferred_language"] = _language(row, errors)
        if self.table.has("time_zone"):
            fields["time_zone"] = _time_zone(row, errors)
        for name in _OPTIONAL_FIELDS:
            if self.table.has(name):
                fields[name] = row.get(name) or None
        return fields

    def _stored_person(
        self, row: Row, upn: str, object_id: str | None, errors: list[RowError]
    ) -> Person | None:
        """The stored person the row describes: by object id, else by UPN. An object id and
        a UPN that belong to two different people is an error."""
        existing = self.directory.by_object_id.get(object_id) if object_id else None
        holder_of_upn = self.directory.by_upn.get(upn)
        if existing is not None and holder_of_upn is not None and holder_of_upn is not existing:
            errors.append(
                row_error(
                    row.number,
                    "entra_object_id",
                    "identity_conflict",
                    value=object_id,
                    other=existing.upn,
                    upn=upn,
                )
            )
        return existing or holder_of_upn


def _language(row: Row, errors: list[RowError]) -> str | None:
    raw = row.get("language")
    language = _LANGUAGES.get(fold(raw)) if raw else DEFAULT_LANGUAGE
    if language is None:
        errors.append(row_error(row.number, "language", "bad_language", value=raw))
    return language


def _time_zone(row: Row, errors: list[RowError]) -> str:
    zone = row.get("time_zone") or DEFAULT_TIME_ZONE
    if zone not in _time_zones():
        errors.append(row_error(row.number, "time_zone", "bad_time_zone", value=zone))
    return zone


def _renamed(wanted: list[_Wanted]) -> dict[str, str]:
    """Old UPN -> new UPN of the stored people the file renames (same object id)."""
    return {
        _identity(w.existing): w.upn
        for w in wanted
        if w.existing is not None and _identity(w.existing) != w.upn
    }


@dataclass(frozen=True)
class _ManagerLookup:
    """Finds whom a line-manager reference names: someone in the file, else a stored person
    (who may still be named by the UPN the file renames)."""

    file_by_ref: dict[str, _Wanted]
    directory: _Directory
    renamed: dict[str, str]

    @classmethod
    def of(
        cls, wanted: list[_Wanted], directory: _Directory, renamed: dict[str, str]
    ) -> _ManagerLookup:
        # Line managers may be later in the file or only in the database.
        file_by_ref: dict[str, _Wanted] = {}
        for w in wanted:
            file_by_ref[w.upn] = w
            if w.object_id:
                file_by_ref[w.object_id] = w
        return cls(file_by_ref, directory, renamed)

    def upn_after_import(self, person: Person) -> str:
        return self.renamed.get(_identity(person), _identity(person))

    def manager_upn(self, ref: str) -> str | None:
        if ref in self.file_by_ref:
            return self.file_by_ref[ref].upn
        ref_id = object_id_of(ref)
        directory = self.directory
        person = directory.by_object_id.get(ref_id) if ref_id else directory.by_upn.get(ref)
        return None if person is None else self.upn_after_import(person)


def _line_managers(
    wanted: list[_Wanted], directory: _Directory, renamed: dict[str, str], errors: list[RowError]
) -> dict[str, str | None]:
    """Every person's line manager (UPN -> UPN) after the import: the file's rows over the
    stored ones. Unknown managers, own managers and manager cycles are errors."""
    lookup = _ManagerLookup.of(wanted, directory, renamed)
    managers: dict[str, str | None] = {}
    for p in directory.people:
        manager = directory.by_id.get(p.line_manager_id) if p.line_manager_id else None
        managers[_identity(p)] = None if manager is None else lookup.upn_after_import(manager)
    for w in wanted:
        if w.existing is not None:
            managers.pop(_identity(w.existing), None)
    for w in wanted:
        managers[w.upn] = _file_manager(w, lookup, errors)
    row_of = {w.upn: w.row for w in wanted}
    for upn, cycle in find_cycles(managers).items():
        if upn in row_of:
            errors.append(
                row_error(
                    row_of[upn].number, "line_manager", "manager_cycle", cycle=cycle_text(cycle)
                )
            )
    return managers


def _file_manager(w: _Wanted, lookup: _ManagerLookup, errors: list[RowError]) -> str | None:
    """The UPN of the manager a row names (None when it names none, or no one valid)."""
    if w.manager_ref is None:
        return None
    target = lookup.manager_upn(w.manager_ref)
    if target is None:
        errors.append(
            row_error(w.row.number, "line_manager", "unknown_manager", value=w.manager_ref)
        )
    elif target == w.upn:
        errors.append(row_error(w.row.number, "line_manager", "own_manager", value=w.upn))
    return target if target != w.upn else None


async def _store_people(
    session: AsyncSession,
    wanted: list[_Wanted],
    directory: _Directory,
    renamed: dict[str, str],
    managers: dict[str, str | None],
    counts: Counts,
    progress: Progress | None,
) -> None:
    """Create or update every person in the file, level by level, so a manager created in
    this file has an id before their staff."""
    final: dict[str, Person] = {_identity(p): p for p in directory.people}
    for old_upn, new_upn in renamed.items():
        final[new_upn] = final.pop(old_upn)
    level = depths(managers)
    by_level: dict[int, list[_Wanted]] = {}
    for w in wanted:
        by_level.setdefault(level.get(w.upn, 0), []).append(w)
    for depth in sorted(by_level):
        for w in by_level[depth]:
            target = managers.get(w.upn)
            values = dict(w.fields)
            values["upn"] = w.upn
            values["line_manager_id"] = None if target is None else final[target].id
            if w.object_id is not None:
                values["entra_object_id"] = w.object_id
            final[w.upn] = _store_person(session, w.existing, values, counts)
        await session.flush()
        if progress is not None:
            progress(len(by_level[depth]))


def _store_person(
    session: AsyncSession, person: Person | None, values: dict[str, Any], counts: Counts
) -> Person:
    if person is None:
        person = Person(active=True, **values)
        session.add(person)
        counts.created += 1
    else:
        counts.update(person, values)
    return person


def _deactivate_missing(directory: _Directory, wanted: list[_Wanted], counts: Counts) -> None:
    """Mark the active stored people the file does not mention as inactive."""
    in_file = {id(w.existing) for w in wanted if w.existing is not None}
    for p in directory.people:
        if p.active and id(p) not in in_file:
            p.active = False
            counts.deactivated += 1


async def import_people(
    session: AsyncSession,
    source: Path | str | Table,
    *,
    actor: str,
    deactivate_missing: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate every row, then create, update or reactivate people in the caller's
    transaction. Raises ImportFailed (nothing written) if any row is wrong."""
    table = source if isinstance(source, Table) else read_people_file(source)
    if table.errors:
        raise ImportFailed(table.errors)

    directory = await _Directory.load(session)
    units = await org_store.units_by_key(session)
    wanted, errors = validate_rows(table, COLUMNS, _RowChecker(table, directory, units))
    renamed = _renamed(wanted)
    managers = _line_managers(wanted, directory, renamed, errors)
    if errors:
        raise ImportFailed(errors)

    counts = Counts()
    await _store_people(session, wanted, directory, renamed, managers, counts, progress)
    if deactivate_missing:
        _deactivate_missing(directory, wanted, counts)
    await session.flush()

    summary = counts.summary("people", table)
    await record_import(
        session, summary, table, actor=actor, action=AUDIT_ACTION, target_type="people"
    )
    return summary
