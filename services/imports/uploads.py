"""Files an admin sends the bot in Teams: which import a file is for, and running it with
exactly the rules of ``lagesbot import`` (the same readers and importers).

The chat shows a preview first: the import is run in a transaction that is rolled back, so
the counts (created, changed, deactivated) and every bad row are those the real import
would give. The file itself waits in ``pending_imports`` until the admin presses Importera.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import READABLE_SUFFIXES, ImportFailed, ImportSummary, Table
from services.imports.org import import_org_units, read_org_file
from services.imports.people import import_people, read_people_file
from services.imports.plan import PlanNameRequired, import_plan, read_plan_file
from storage import plans as plan_store

Kind = Literal["plan", "people", "org"]
KINDS: Final[tuple[Kind, ...]] = ("plan", "people", "org")
FILE_TYPES: Final = frozenset(suffix.lstrip(".") for suffix in READABLE_SUFFIXES)
# The words an admin may write with the file to say what it is ("personer", "org").
KIND_WORDS: Final[dict[str, Kind]] = {
    "plan": "plan",
    "planen": "plan",
    "verksamhetsplan": "plan",
    "personer": "people",
    "people": "people",
    "person": "people",
    "org": "org",
    "organisation": "org",
    "organization": "org",
    "enheter": "org",
    "units": "org",
}
COMPLETE_WORDS: Final = frozenset({"komplett", "complete", "hela", "all"})
_PLAN_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class UploadRefused(Exception):
    """The file cannot be imported as sent; ``code`` names the message, ``params`` fill it."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Upload:
    """A file sent to the bot and what the admin wrote with it."""

    file_name: str
    data: bytes
    kind: Kind
    options: dict[str, Any] = field(default_factory=dict)


def file_type_of(file_name: str, declared: str | None) -> str:
    """The file's type as Teams declares it (``fileType``), else from its name."""
    kind = (declared or Path(file_name).suffix.lstrip(".")).strip().lower()
    return kind


def _reader(kind: Kind) -> Any:
    return {"plan": read_plan_file, "people": read_people_file, "org": read_org_file}[kind]


def read_upload(file_name: str, data: bytes, kind: Kind) -> Table:
    return _reader(kind)(file_name, data=data)  # type: ignore[no-any-return]


def detect_kind(file_name: str, data: bytes) -> Kind | None:
    """The import whose required columns the file has (plan before people before org, as a
    plan's columns include an org file's "nyckel" and "namn"). A file that cannot be read
    at all is taken as a plan, so the preview says what is wrong with it."""
    for kind in KINDS:
        table = read_upload(file_name, data, kind)
        if not any(error.code == "missing_column" for error in table.errors):
            return kind
    return None


def said_kind(text: str) -> Kind | None:
    words = text.lower().split()
    return KIND_WORDS.get(words[0]) if words else None


async def plan_options(session: AsyncSession, text: str) -> dict[str, Any]:
    """The plan a plan file is for: ``[plan] KEY [name of a new plan]`` as written with the
    file; with nothing written, the one plan there is. Raises UploadRefused."""
    words = text.split()
    if words and words[0].lower() in KIND_WORDS:
        words = words[1:]
    if words and _PLAN_KEY.match(words[0]):
        key, name = words[0], " ".join(words[1:]) or None
        if name is None and await plan_store.get_plan_by_key(session, key) is None:
            raise UploadRefused("controller.import.error.plan_name", plan=key)
        return {"plan": key, "name": name}
    plans = await plan_store.all_plans(session)
    if len(plans) == 1:
        return {"plan": plans[0].key, "name": None}
    known = ", ".join(plan.key for plan in plans) or "-"
    raise UploadRefused("controller.import.error.plan_key", known=known)


async def upload_of(session: AsyncSession, file_name: str, data: bytes, text: str) -> Upload:
    """What the file is for, from the words sent with it or from its columns."""
    kind = said_kind(text) or detect_kind(file_name, data)
    if kind is None:
        raise UploadRefused("controller.import.error.unknown_kind")
    options: dict[str, Any] = {}
    if kind == "plan":
        options = await plan_options(session, text)
    elif kind == "people":
        options = {"deactivate_missing": any(w in COMPLETE_WORDS for w in text.lower().split())}
    return Upload(file_name, data, kind, options)


async def run_import(session: AsyncSession, upload: Upload, *, actor: str) -> ImportSummary:
    """The import in the caller's transaction. Raises ImportFailed (nothing written)."""
    table = read_upload(upload.file_name, upload.data, upload.kind)
    if table.errors:
        raise ImportFailed(table.errors)
    if upload.kind == "org":
        return await import_org_units(session, table, actor=actor)
    if upload.kind == "people":
        return await import_people(
            session,
            table,
            actor=actor,
            deactivate_missing=bool(upload.options.get("deactivate_missing")),
        )
    try:
        return await import_plan(
            session,
            table,
            plan_key=str(upload.options["plan"]),
            name=upload.options.get("name"),
            actor=actor,
        )
    except PlanNameRequired:
        raise UploadRefused(
            "controller.import.error.plan_name", plan=upload.options["plan"]
        ) from None
