"""What the org, people and plan imports share: reading a CSV or XLSX sheet into rows of
text, recognising Swedish and English column names, and bilingual row errors.

Every import validates the whole file before it writes anything, so a file with one bad row
stores nothing; the errors carry the row number the admin sees in Excel (header = row 1).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from storage import audit
from storage.models import OrgUnit

Language = Literal["sv", "en"]
# Called with the number of rows just processed, so a progress bar can simply advance.
Progress = Callable[[int], None]

T = TypeVar("T")

READABLE_SUFFIXES = frozenset({".csv", ".txt", ".xlsx", ".xlsm"})
HEADER_ROW = 1
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class RowError:
    """One problem in an import file. ``row`` is the spreadsheet row (header = 1, first data
    row = 2; 0 for problems with the file as a whole)."""

    row: int
    column: str | None
    code: str
    message_sv: str
    message_en: str

    def message(self, language: Language = "sv") -> str:
        return self.message_en if language == "en" else self.message_sv

    def render(self, language: Language = "sv") -> str:
        if self.row == 0:
            return self.message(language)
        # Row numbers as Excel shows them: no thousands separator.
        return texts.for_language(language).t(
            "imports.row", row=str(self.row), message=self.message(language)
        )


def row_error(
    row: int, column: str | None, code: str, *, label: str | None = None, **params: object
) -> RowError:
    """The message of ``code`` (``imports.error.<code>`` in the catalogues) in both languages.
    ``label`` is the column as the file names it ("målvärde"), so the message speaks the
    admin's language; ``column`` stays the canonical name for programs."""
    values = {"column": label or column or "", **params}
    if "first_row" in values:
        values["first_row"] = str(values["first_row"])
    msgid = f"imports.error.{code}"
    sv, en = (texts.for_language(lang).t(msgid, **values) for lang in ("sv", "en"))
    return RowError(row, column, code, sv, en)


class ImportFailed(Exception):
    """The file was rejected; nothing was stored."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.row, e.column or ""))
        super().__init__(f"{len(self.errors)} error(s) in the import file")


@dataclass(frozen=True)
class ImportSummary:
    what: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    ignored_columns: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated or self.reactivated)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
        }

    def render(self, language: Language = "sv") -> str:
        tx = texts.for_language(language)
        text = tx.n(
            "imports.summary",
            self.rows,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            deactivated=self.deactivated,
            reactivated=self.reactivated,
        )
        return text if self.changed else f"{text} {tx.t('imports.no_changes')}"


@dataclass(frozen=True)
class Column:
    """A field of an import file and the header names that mean it."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None


def fold(text: str) -> str:
    """Header/keyword form that ignores case, accents, spaces and dashes: 'Ägare ' -> 'agare'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-./]+", "_", plain).strip("_")


@dataclass
class Row:
    number: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Table:
    """The data rows of one sheet, as trimmed text under canonical column names."""

    source: str
    headers: list[str]
    columns: dict[str, str]  # canonical name -> header as written in the file
    rows: list[Row]
    ignored_columns: tuple[str, ...] = ()
    errors: list[RowError] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.columns

    def label(self, name: str) -> str:
        return self.columns.get(name, name)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN: an empty Excel cell
            return ""
        # Excel stores 80 as 80.0; the key/target "80" is what the admin typed. Positional
        # notation, never "1e-05": number cells read back as numbers (services.platform.numbers).
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    # Non-breaking spaces come along when cells are pasted from web pages or Word.
    return str(value).replace("\u00a0", " ").strip()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # "CSV (semikolonavgränsad)" from Swedish Excel is Windows-1252, not UTF-8.
        return data.decode("cp1252")


def detect_separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _read_frame(source: Path | str, data: bytes | None) -> pd.DataFrame:
    path = Path(source)
    suffix = path.suffix.lower()
    raw = data if data is not None else path.read_bytes()
    if suffix in {".xlsx", ".xlsm"}:
        return pd.read_excel(
            io.BytesIO(raw), engine="openpyxl", dtype=object, header=None, keep_default_na=False
        )
    if suffix in {".csv", ".txt"}:
        text = _decode(raw)
        # Blank lines are kept so the row numbers match what Excel or an editor shows.
        return pd.read_csv(
            io.StringIO(text),
            sep=detect_separator(text),
            dtype=str,
            header=None,
            keep_default_na=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            engine="python",
        )
    raise AssertionError(suffix)  # read_table checked the suffix


def _failed(source: str, error: RowError) -> Table:
    """A table with no rows, only a problem with the file as a whole."""
    return Table(source, [], {}, [], errors=[error])


def read_table(
    source: Path | str,
    columns: Sequence[Column],
    *,
    data: bytes | None = None,
) -> Table:
    """Read a CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX file.

    Problems with the file as a whole (unreadable, missing or doubled columns) end up in
    ``Table.errors``; the row checks are the importer's job."""
    name = str(source)
    suffix = Path(source).suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        return _failed(name, row_error(0, None, "unsupported_format", suffix=suffix or "-"))
    try:
        frame = _read_frame(source, data)
    except Exception as exc:  # pandas/openpyxl raise many types for a corrupt file
        return _failed(name, row_error(0, None, "unreadable_file", detail=exc))

    matrix = [[_cell(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    if not matrix:
        return _failed(name, row_error(0, None, "no_rows"))
    headers = matrix[0]
    positions, ignored = _header_positions(headers, columns)
    errors = _column_errors(headers, columns, positions)
    index_of = {name: found[0] for name, found in positions.items()}
    rows = _data_rows(matrix[1:], index_of)
    if not rows and not errors:
        errors.append(row_error(0, None, "no_rows"))
    return Table(
        source=name,
        headers=headers,
        columns={name: headers[i] for name, i in index_of.items()},
        rows=rows,
        ignored_columns=tuple(ignored),
        errors=errors,
    )


def _header_positions(
    headers: list[str], columns: Sequence[Column]
) -> tuple[dict[str, list[int]], list[str]]:
    """Where each known column is in the header row (every position, to catch doubles),
    and the headers no column knows."""
    by_alias = {
        fold(alias): column for column in columns for alias in (column.name, *column.aliases)
    }
    positions: dict[str, list[int]] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        column = by_alias.get(fold(header))
        if column is None:
            ignored.append(header)
        else:
            positions.setdefault(column.name, []).append(index)
    return positions, ignored


def _column_errors(
    headers: list[str], columns: Sequence[Column], positions: dict[str, list[int]]
) -> list[RowError]:
    """Doubled columns and missing required ones."""
    errors: list[RowError] = []
    for column in columns:
        found = positions.get(column.name, [])
        if len(found) > 1:
            written = ", ".join(headers[i] for i in found)
            errors.append(row_error(HEADER_ROW, column.name, "duplicate_column", headers=written))
        elif not found and column.required:
            aliases = "/".join(dict.fromkeys((column.name, *column.aliases)))
            errors.append(row_error(HEADER_ROW, column.name, "missing_column", aliases=aliases))
    return errors


def _data_rows(records: list[list[str]], index_of: dict[str, int]) -> list[Row]:
    """The non-blank data rows under canonical column names, numbered as Excel shows them."""
    rows: list[Row] = []
    for offset, record in enumerate(records):
        if not any(record):
            continue
        values = {name: record[i] if i < len(record) else "" for name, i in index_of.items()}
        rows.append(Row(FIRST_DATA_ROW + offset, values))
    return rows


def check_lengths(
    row: Row, columns: Iterable[Column], errors: list[RowError], table: Table
) -> None:
    for column in columns:
        value = row.get(column.name)
        label = table.label(column.name)
        if column.required and not value:
            errors.append(row_error(row.number, column.name, "required", label=label))
        elif column.max_length is not None and len(value) > column.max_length:
            errors.append(
                row_error(
                    row.number,
                    column.name,
                    "too_long",
                    label=label,
                    max=column.max_length,
                    length=len(value),
                )
            )


def validate_rows(
    table: Table,
    columns: Iterable[Column],
    check_row: Callable[[Row, list[RowError]], T | None],
) -> tuple[list[T], list[RowError]]:
    """Check the lengths of every row, then ``check_row`` it; the rows it passes without
    adding an error are returned, in file order, with every error found."""
    errors: list[RowError] = []
    valid: list[T] = []
    for row in table:
        before = len(errors)
        check_lengths(row, columns, errors, table)
        value = check_row(row, errors)
        if value is not None and len(errors) == before:
            valid.append(value)
    return valid, errors


def note_first_row(
    first_row: dict[str, int], value: str, row: Row, column: str, code: str
) -> RowError | None:
    """Remember the row a non-empty ``value`` first appears on; a repeat is an error that
    names that row."""
    if value in first_row:
        return row_error(row.number, column, code, value=value, first_row=first_row[value])
    if value:
        first_row[value] = row.number
    return None


def org_unit_id(row: Row, units: Mapping[str, OrgUnit], errors: list[RowError]) -> int | None:
    """The id of the row's org unit (None when empty); an unknown key is an error."""
    unit_key = row.get("org_unit")
    if unit_key and unit_key not in units:
        errors.append(row_error(row.number, "org_unit", "unknown_org_unit", value=unit_key))
    return units[unit_key].id if unit_key in units else None


def cycle_text(cycle: Sequence[str]) -> str:
    """A cycle as the admin reads it, back to where it started: 'a → b → a'."""
    return " → ".join([*cycle, cycle[0]])


@dataclass
class Counts:
    """What an import did to the stored rows, counted as it goes."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0

    def update(self, record: Any, values: Mapping[str, object]) -> None:
        """Set the ``values`` that differ on a stored row with an ``active`` flag, reactivate
        it if needed, and count it as reactivated, updated or unchanged."""
        changes = {k: v for k, v in values.items() if getattr(record, k) != v}
        for name, value in changes.items():
            setattr(record, name, value)
        if not record.active:
            record.active = True
            self.reactivated += 1
        elif changes:
            self.updated += 1
        else:
            self.unchanged += 1

    def summary(self, what: str, table: Table) -> ImportSummary:
        return ImportSummary(
            what=what,
            rows=len(table),
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            deactivated=self.deactivated,
            reactivated=self.reactivated,
            ignored_columns=table.ignored_columns,
        )


async def record_import(
    session: AsyncSession,
    summary: ImportSummary,
    table: Table,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None = None,
    **details: object,
) -> None:
    """The audit entry of a finished import: its counts, the file name and any ``details``."""
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details={
            **summary.counts(),
            "file": Path(table.source).name,
            "changes": summary.changed,
            **details,
        },
    )
    await session.flush()


def find_cycles(parents: Mapping[str, str | None]) -> dict[str, list[str]]:
    """For every key that lies on a parent cycle, the cycle as a list of keys."""
    on_cycle: dict[str, list[str]] = {}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in parents:
        if start in state:
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parents and node not in state:
            state[node] = 1
            path.append(node)
            node = parents[node]
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            for member in cycle:
                on_cycle[member] = cycle
        for member in path:
            state[member] = 2
    return on_cycle


def depths(parents: Mapping[str, str | None]) -> dict[str, int]:
    """Distance to the root for an acyclic parent map (keys whose parent is outside the map
    count as roots)."""
    result: dict[str, int] = {}
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parents and node not in result:
            path.append(node)
            node = parents[node]
        base = -1 if node is None or node not in parents else result[node]
        for member in reversed(path):
            base += 1
            result[member] = base
    return result
