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
from storage import audit
from storage import org as org_store
from storage.models import Person

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

    people = list((await session.execute(select(Person))).scalars())
    by_upn = {p.upn.lower(): p for p in people}
    by_object_id = {p.entra_object_id.lower(): p for p in people if p.entra_object_id}
    by_id = {p.id: p for p in people}
    units = await org_store.units_by_key(session)

    errors: list[RowError] = []
    wanted: list[_Wanted] = []
    upn_row: dict[str, int] = {}
    object_id_row: dict[str, int] = {}
    for row in table:
        before = len(errors)
        check_lengths(row, COLUMNS, errors, table)
        upn = row.get("upn").lower()
        if upn and not _UPN.match(upn):
            errors.append(row_error(row.number, "upn", "bad_upn", value=row.get("upn")))
        elif upn in upn_row:
            errors.append(
                row_error(row.number, "upn", "duplicate_upn", value=upn, first_row=upn_row[upn])
            )
        elif upn:
            upn_row[upn] = row.number

        object_id: str | None = None
        if raw_id := row.get("entra_object_id"):
            object_id = object_id_of(raw_id)
            if object_id is None:
                errors.append(
                    row_error(row.number, "entra_object_id", "bad_object_id", value=raw_id)
                )
            elif object_id in object_id_row:
                errors.append(
                    row_error(
                        row.number,
                        "entra_object_id",
                        "duplicate_object_id",
                        value=object_id,
                        first_row=object_id_row[object_id],
                    )
                )
            else:
                object_id_row[object_id] = row.number

        fields: dict[str, Any] = {"display_name": row.get("display_name")}
        if table.has("org_unit"):
            unit_key = row.get("org_unit")
            if unit_key and unit_key not in units:
                errors.append(row_error(row.number, "org_unit", "unknown_org_unit", value=unit_key))
            fields["org_unit_id"] = units[unit_key].id if unit_key in units else None
        if table.has("language"):
            raw = row.get("language")
            language = _LANGUAGES.get(fold(raw)) if raw else DEFAULT_LANGUAGE
            if language is None:
                errors.append(row_error(row.number, "language", "bad_language", value=raw))
            fields["preferred_language"] = language
        if table.has("time_zone"):
            zone = row.get("time_zone") or DEFAULT_TIME_ZONE
            if zone not in _time_zones():
                errors.append(row_error(row.number, "time_zone", "bad_time_zone", value=zone))
            fields["time_zone"] = zone
        for name in _OPTIONAL_FIELDS:
            if table.has(name):
                fields[name] = row.get(name) or None

        existing = by_object_id.get(object_id) if object_id else None
        holder_of_upn = by_upn.get(upn)
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
        existing = existing or holder_of_upn
        if len(errors) == before:
            manager_ref = row.get("line_manager").lower() or None
            wanted.append(_Wanted(row, upn, object_id, manager_ref, fields, existing))

    # Line managers may be later in the file or only in the database.
    file_by_ref: dict[str, _Wanted] = {}
    for w in wanted:
        file_by_ref[w.upn] = w
        if w.object_id:
            file_by_ref[w.object_id] = w

    # A renamed person (new UPN, same object id) may still be named by the old UPN.
    renamed = {
        _identity(w.existing): w.upn
        for w in wanted
        if w.existing is not None and _identity(w.existing) != w.upn
    }

    def manager_upn(ref: str) -> str | None:
        if ref in file_by_ref:
            return file_by_ref[ref].upn
        ref_id = object_id_of(ref)
        person = by_object_id.get(ref_id) if ref_id else by_upn.get(ref)
        return None if person is None else renamed.get(_identity(person), _identity(person))

    managers: dict[str, str | None] = {}
    for p in people:
        manager = by_id.get(p.line_manager_id) if p.line_manager_id else None
        managers[_identity(p)] = (
            None if manager is None else renamed.get(_identity(manager), _identity(manager))
        )
    for w in wanted:
        if w.existing is not None:
            managers.pop(_identity(w.existing), None)
    row_of: dict[str, Row] = {}
    for w in wanted:
        row_of[w.upn] = w.row
        if w.manager_ref is None:
            managers[w.upn] = None
            continue
        target = manager_upn(w.manager_ref)
        if target is None:
            errors.append(
                row_error(w.row.number, "line_manager", "unknown_manager", value=w.manager_ref)
            )
        elif target == w.upn:
            errors.append(row_error(w.row.number, "line_manager", "own_manager", value=w.upn))
        managers[w.upn] = target if target != w.upn else None
    for upn, cycle in find_cycles(managers).items():
        if upn in row_of:
            text = " → ".join([*cycle, cycle[0]])
            errors.append(
                row_error(row_of[upn].number, "line_manager", "manager_cycle", cycle=text)
            )
    if errors:
        raise ImportFailed(errors)

    created = updated = unchanged = reactivated = 0
    final: dict[str, Person] = {_identity(p): p for p in people}
    for old_upn, new_upn in renamed.items():
        final[new_upn] = final.pop(old_upn)
    level = depths(managers)
    by_level: dict[int, list[_Wanted]] = {}
    for w in wanted:
        by_level.setdefault(level.get(w.upn, 0), []).append(w)
    # Level by level, so a manager created in this file has an id before their staff.
    for depth in sorted(by_level):
        for w in by_level[depth]:
            target = managers.get(w.upn)
            values = dict(w.fields)
            values["upn"] = w.upn
            values["line_manager_id"] = None if target is None else final[target].id
            if w.object_id is not None:
                values["entra_object_id"] = w.object_id
            person = w.existing
            if person is None:
                person = Person(active=True, **values)
                session.add(person)
                created += 1
            else:
                changes = {k: v for k, v in values.items() if getattr(person, k) != v}
                for name, value in changes.items():
                    setattr(person, name, value)
                if not person.active:
                    person.active = True
                    reactivated += 1
                elif changes:
                    updated += 1
                else:
                    unchanged += 1
            final[w.upn] = person
        await session.flush()
        if progress is not None:
            progress(len(by_level[depth]))

    deactivated = 0
    if deactivate_missing:
        in_file = {id(w.existing) for w in wanted if w.existing is not None}
        for p in people:
            if p.active and id(p) not in in_file:
                p.active = False
                deactivated += 1
    await session.flush()

    summary = ImportSummary(
        what="people",
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
        target_type="people",
        details={**summary.counts(), "file": Path(table.source).name, "changes": summary.changed},
    )
    await session.flush()
    return summary
