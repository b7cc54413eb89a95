"""`lagesbot import ...`: bulk loading of organisation, people and plans.

Each command validates the whole file first and runs in one transaction: a file with any
bad row prints every problem (exit code 1) and stores nothing."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Literal

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli.language import checked_language, printed
from services.imports.common import ImportFailed, ImportSummary, Progress, Table
from services.imports.org import import_org_units, read_org_file
from services.imports.people import import_people, read_people_file
from services.imports.plan import PlanNameRequired, import_plan, read_plan_file
from services.platform.config import Settings
from storage import plans as plan_store
from storage.db import create_engine, create_session_factory

app = typer.Typer(help="Import the organisation, people and plans.", no_args_is_help=True)

Lang = Literal["sv", "en"]
# Below this many rows the import is over before a progress bar would be readable.
PROGRESS_THRESHOLD = 2000
# A wrong column mapping makes every row fail; the first screenful says enough.
MAX_ERRORS_SHOWN = 200

FILE_ARGUMENT = typer.Argument(
    ..., exists=True, dir_okay=False, readable=True, help="CSV (, or ;) or XLSX."
)
LANG_OPTION = typer.Option("sv", "--lang", help="Language of the messages: sv or en.")
ACTOR_OPTION = typer.Option(None, help="Who imports (for the audit log).")
DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="Check and show the result without storing it."
)


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


@contextmanager
def _progress(rows: int, label: str) -> Iterator[Progress | None]:
    if rows < PROGRESS_THRESHOLD:
        yield None
        return
    with typer.progressbar(length=rows, label=label, file=sys.stderr) as bar:
        yield bar.update


Importer = Callable[[AsyncSession, Progress | None], Awaitable[ImportSummary]]


async def _run(importer: Importer, rows: int, label: str, dry_run: bool) -> ImportSummary:
    engine = create_engine(Settings.from_env().database_url)
    try:
        factory = create_session_factory(engine)
        async with factory() as session:
            # One transaction: either the whole file is stored or nothing is.
            try:
                with _progress(rows, label) as progress:
                    summary = await importer(session, progress)
            except BaseException:
                await session.rollback()
                raise
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
            return summary
    finally:
        await engine.dispose()


def _fail(errors: ImportFailed, language: Lang) -> None:
    tx = printed(language)
    typer.echo(tx.n("console.import.failed", len(errors.errors)), err=True)
    for error in errors.errors[:MAX_ERRORS_SHOWN]:
        typer.echo(f"  {error.render(language)}", err=True)
    hidden = len(errors.errors) - MAX_ERRORS_SHOWN
    if hidden > 0:
        typer.echo("  " + tx.n("console.import.more_errors", hidden), err=True)
    raise typer.Exit(1)


def _check_file(table: Table, language: Lang) -> None:
    if table.errors:
        _fail(ImportFailed(table.errors), language)


def _report(summary: ImportSummary, language: Lang, dry_run: bool) -> None:
    tx = printed(language)
    if summary.ignored_columns:
        names = ", ".join(summary.ignored_columns)
        ignored = tx.n("console.import.ignored_columns", len(summary.ignored_columns), names=names)
        typer.echo(ignored, err=True)
    typer.echo(summary.render(language))
    if dry_run:
        typer.echo(tx.t("console.import.dry_run"))


def _execute(importer: Importer, table: Table, what: str, language: Lang, dry_run: bool) -> None:
    _check_file(table, language)
    label = printed(language).t(f"console.import.progress.{what}")
    try:
        summary = asyncio.run(_run(importer, len(table), label, dry_run))
    except ImportFailed as failed:
        _fail(failed, language)
        return
    _report(summary, language, dry_run)


@app.command("org")
def org(
    file: Path = FILE_ARGUMENT,
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Import org units (key, name, parent)."""
    language = checked_language(lang)
    table = read_org_file(file)
    who = _actor(actor)

    async def run(session: AsyncSession, progress: Progress | None) -> ImportSummary:
        return await import_org_units(session, table, actor=who, progress=progress)

    _execute(run, table, "org", language, dry_run)


@app.command("people")
def people(
    file: Path = FILE_ARGUMENT,
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
    deactivate_missing: bool = typer.Option(
        False,
        "--deactivate-missing",
        help="Deactivate people who are not in the file (the file is a complete list).",
    ),
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Import people (upn, name, entra_object_id, line manager, org unit, language, time zone)."""
    language = checked_language(lang)
    table = read_people_file(file)
    who = _actor(actor)

    async def run(session: AsyncSession, progress: Progress | None) -> ImportSummary:
        return await import_people(
            session, table, actor=who, deactivate_missing=deactivate_missing, progress=progress
        )

    _execute(run, table, "people", language, dry_run)


@app.command("plan")
def plan(
    file: Path = FILE_ARGUMENT,
    plan_key: str = typer.Option(..., "--plan", help="The plan's key, e.g. rs-vp-2027."),
    name: str | None = typer.Option(None, help="The plan's name (required for a new plan)."),
    period: str | None = typer.Option(None, help='Period, e.g. "2027".'),
    org_unit: str | None = typer.Option(
        None, "--org-unit", help="The org unit that owns the plan."
    ),
    margin: float | None = typer.Option(
        None,
        "--margin",
        min=0,
        max=100,
        help="The plan's indicator margin in per cent of the target (default 10).",
    ),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Import a plan's items (strategies, goals, indicators, activities, assignments, internal
    control points, risks). Items missing from the file are deactivated."""
    language = checked_language(lang)
    table = read_plan_file(file)
    who = _actor(actor)

    async def run(session: AsyncSession, progress: Progress | None) -> ImportSummary:
        if name is None and await plan_store.get_plan_by_key(session, plan_key) is None:
            raise PlanNameRequired(plan_key)
        return await import_plan(
            session,
            table,
            plan_key=plan_key,
            actor=who,
            name=name,
            period=period,
            org_unit_key=org_unit,
            progress=progress,
            indicator_margin=None if margin is None else Decimal(str(margin)),
        )

    try:
        _execute(run, table, "plan", language, dry_run)
    except PlanNameRequired:
        typer.echo(
            printed(language).t("console.import.plan_name_required", plan=plan_key), err=True
        )
        raise typer.Exit(1) from None
