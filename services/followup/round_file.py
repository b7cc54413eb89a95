"""Round files: a reporting round written down as YAML or TOML, for set-ups that repeat
(monthly status, tertial reports). They go through the same validation and create/open path
as the admin's form card; errors name the field and, where the file says it, the line.

Example (TOML; YAML takes the same keys)::

    name = "Tertial 1 2027"
    plan = "rs-vp-2027"
    org_units = ["HSN"]                     # optional: whole plan when left out
    kinds = ["goal", "indicator", "risk"]   # optional
    opens = "2027-04-26 08:00"              # Swedish local time unless an offset is given
    deadline = "2027-05-07 16:00"
    reminders = ["3d", "1d"]                # before the deadline; "36h" for hours
    escalation = "2d"                       # after the deadline, to the line manager
    start = "schedule"                      # draft | schedule | now
    [questions]
    status = true
    risk = true
    comment = true
    value = true
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from catalogue import texts
from services.followup.round_admin import (
    FIELDS,
    START_VALUES,
    FieldError,
    RoundInvalid,
    RoundSpec,
    Start,
    parse_round_values,
)

SUFFIXES: Final = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}
QUESTIONS: Final = {
    "status": "ask_status",
    "risk": "ask_risk",
    "comment": "ask_comment",
    "value": "ask_value",
}
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class FileError:
    field: str | None
    line: int | None
    error: FieldError

    def render(self, language: str | None) -> str:
        tx = texts.for_language(language)
        message = tx.t(self.error.code, **self.error.params)
        if self.field is not None:
            message = tx.t("admin.file.field_error", field=self.field, message=message)
        if self.line is not None:
            return tx.t("admin.file.line_error", line=self.line, message=message)
        return message


class RoundFileInvalid(ValueError):
    def __init__(self, path: Path, errors: list[FileError]) -> None:
        super().__init__(f"{path}: {len(errors)} error(s)")
        self.path = path
        self.errors = errors


@dataclass(frozen=True)
class RoundFile:
    path: Path
    values: Mapping[str, Any]
    start: Start
    # Line (1-based) where each field is written, for error messages.
    lines: Mapping[str, int]

    def spec(self) -> RoundSpec:
        try:
            return parse_round_values(self.values)
        except RoundInvalid as invalid:
            raise self.invalid(invalid) from None

    def invalid(self, invalid: RoundInvalid) -> RoundFileInvalid:
        """Store-side errors (unknown plan, empty scope) placed at the file's lines."""
        return RoundFileInvalid(
            self.path,
            [
                FileError(_file_field(name), self.lines.get(name), error)
                for name, error in invalid.errors.items()
            ],
        )


def _file_field(name: str) -> str:
    for file_key, field_name in QUESTIONS.items():
        if field_name == name:
            return f"questions.{file_key}"
    return name


def _yaml_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        key = str(key_node.value)
        lines[key] = key_node.start_mark.line + 1
        if key == "questions" and isinstance(value_node, yaml.MappingNode):
            for sub_key, _ in value_node.value:
                lines[f"questions.{sub_key.value}"] = sub_key.start_mark.line + 1
    return lines


def _toml_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            table = header.group(1)
            lines.setdefault(table, number)
            continue
        assignment = re.match(r"^([A-Za-z0-9_-]+)\s*=", stripped)
        if assignment:
            key = f"{table}.{assignment.group(1)}" if table else assignment.group(1)
            lines.setdefault(key, number)
    return lines


def _read(path: Path) -> tuple[Any, dict[str, int]]:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise RoundFileInvalid(
            path, [FileError(None, None, FieldError("admin.file.bad_suffix", {"name": path.name}))]
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RoundFileInvalid(
            path, [FileError(None, None, FieldError("admin.file.unreadable", {"reason": str(exc)}))]
        ) from None
    if kind == "toml":
        try:
            return tomllib.loads(text), _toml_lines(text)
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_LINE.search(str(exc))
            reason = _TOML_LINE.sub("", str(exc)).strip()
            line = int(found.group(1)) if found else None
            error = FieldError("admin.file.syntax", {"reason": reason})
            raise RoundFileInvalid(path, [FileError(None, line, error)]) from None
    try:
        return yaml.safe_load(text), _yaml_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else int(mark.line) + 1
        reason = str(getattr(exc, "problem", None) or exc)
        error = FieldError("admin.file.syntax", {"reason": reason})
        raise RoundFileInvalid(path, [FileError(None, line, error)]) from None


def load_round_file(path: Path) -> RoundFile:
    """Read and shape-check a round file; raises RoundFileInvalid listing every problem."""
    data, lines = _read(path)
    if not isinstance(data, Mapping):
        raise RoundFileInvalid(path, [FileError(None, None, FieldError("admin.file.not_a_table"))])
    fields = _read_fields(data, lines)
    start = _read_start(fields)
    errors = fields.errors
    round_file = RoundFile(path, fields.values, start, fields.lines)
    try:
        parse_round_values(fields.values)
    except RoundInvalid as invalid:
        errors.extend(round_file.invalid(invalid).errors)
    if errors:
        errors.sort(key=lambda e: (e.line is None, e.line or 0))
        raise RoundFileInvalid(path, errors)
    return round_file


@dataclass
class _FileFields:
    """What a round file sets, gathered key by key: the values by round field, the line
    each is written on, and every key that is not a round field."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)


def _read_fields(data: Mapping[Any, Any], lines: Mapping[str, int]) -> _FileFields:
    fields = _FileFields()
    for raw_key, value in data.items():
        key = str(raw_key)
        if key == "questions":
            _read_questions(fields, value, lines)
            continue
        if key not in FIELDS:
            fields.errors.append(
                FileError(
                    key,
                    lines.get(key),
                    FieldError("admin.file.unknown_field", {"known": ", ".join(FIELDS)}),
                )
            )
            continue
        fields.values[key] = value
        if key in lines:
            fields.lines[key] = lines[key]
    return fields


def _read_questions(fields: _FileFields, table: Any, lines: Mapping[str, int]) -> None:
    """The [questions] table: one yes/no per question, named as in ``QUESTIONS``."""
    if not isinstance(table, Mapping):
        fields.errors.append(
            FileError("questions", lines.get("questions"), FieldError("admin.file.questions_table"))
        )
        return
    for sub_key, flag in table.items():
        target = QUESTIONS.get(str(sub_key))
        where = lines.get(f"questions.{sub_key}", lines.get("questions"))
        if target is None:
            fields.errors.append(
                FileError(
                    f"questions.{sub_key}",
                    where,
                    FieldError("admin.file.unknown_field", {"known": ", ".join(QUESTIONS)}),
                )
            )
            continue
        fields.values[target] = flag
        if where is not None:
            fields.lines[target] = where


def _read_start(fields: _FileFields) -> Start:
    """Take ``start`` out of the values: draft, schedule (the default) or now."""
    start_value = str(fields.values.pop("start", "schedule")).strip().lower()
    if start_value in START_VALUES:
        return next(s for s in START_VALUES if s == start_value)
    fields.errors.append(
        FileError(
            "start",
            fields.lines.get("start"),
            FieldError(
                "admin.file.bad_start",
                {"value": start_value, "known": ", ".join(START_VALUES)},
            ),
        )
    )
    return "schedule"
