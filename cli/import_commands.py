"""`lagesbot import ...`: bulk loading of organisation, people and plans.

Each command validates the whole file first and runs in one transaction: a file with any
bad row prints every problem (exit code 1) and stores nothing."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import ImportFailed, ImportSummary, Progress, Table
from services.imports.org import import_org_units, read_org_file
from services.imports.people import import_people, read_people_file
from services.imports.plan import PlanNameRequired, import_plan, read_plan_file
from services.platform.config import Settings
from storage import plans as plan_store
from storage.db import create_engine, create_session_factory

app = typer.Typer(help="Importera organisation, personer och planer.", no_args_is_help=True)

Lang = Literal["sv", "en"]
# Below this many rows the import is over before a progress bar would be readable.
PROGRESS_THRESHOLD = 2000
# A wrong column mapping makes every row fail; the first screenful says enough.
MAX_ERRORS_SHOWN = 200

FILE_ARGUMENT = typer.Argument(
    ..., exists=True, dir_okay=False, readable=True, help="CSV (, eller ;) eller XLSX."
)
LANG_OPTION = typer.Option("sv", "--lang", help="Språk för meddelanden: sv eller en.")
ACTOR_OPTION = typer.Option(None, help="Vem som importerar (till granskningsloggen).")
DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="Kontrollera och visa resultatet utan att spara."
)


def _language(value: str) -> Lang:
    if value not in ("sv", "en"):
        raise typer.BadParameter("sv eller en / sv or en", param_hint="--lang")
    return "en" if value == "en" else "sv"


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
    header = (
        f"Importen avbröts: {len(errors.errors)} fel. Ingenting sparades."
        if language == "sv"
        else f"Import stopped: {len(errors.errors)} error(s). Nothing was stored."
    )
    typer.echo(header, err=True)
    for error in errors.errors[:MAX_ERRORS_SHOWN]:
        typer.echo(f"  {error.render(language)}", err=True)
    hidden = len(errors.errors) - MAX_ERRORS_SHOWN
    if hidden > 0:
        typer.echo(
            f"  … och {hidden} fel till." if language == "sv" else f"  … and {hidden} more.",
            err=True,
        )
    raise typer.Exit(1)


def _check_file(table: Table, language: Lang) -> None:
    if table.errors:
        _fail(ImportFailed(table.errors), language)


def _report(summary: ImportSummary, language: Lang, dry_run: bool) -> None:
    if summary.ignored_columns:
        names = ", ".join(summary.ignored_columns)
        typer.echo(
            f"Okända kolumner ignorerades: {names}"
            if language == "sv"
            else f"Unknown columns were ignored: {names}",
            err=True,
        )
    typer.echo(summary.render(language))
    if dry_run:
        typer.echo(
            "Provkörning: ingenting sparades." if language == "sv" else "Dry run: nothing stored."
        )


def _execute(importer: Importer, table: Table, label: str, language: Lang, dry_run: bool) -> None:
    _check_file(table, language)
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
    """Importera organisationsenheter (nyckel, namn, förälder)."""
    language = _language(lang)
    table = read_org_file(file)
    who = _actor(actor)

    async def run(session: AsyncSession, progress: Progress | None) -> ImportSummary:
        return await import_org_units(session, table, actor=who, progress=progress)

    _execute(run, table, "Enheter", language, dry_run)


@app.command("people")
def people(
    file: Path = FILE_ARGUMENT,
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
    deactivate_missing: bool = typer.Option(
        False,
        "--deactivate-missing",
        help="Inaktivera personer som inte finns i filen (filen är en fullständig lista).",
    ),
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Importera personer (upn, namn, entra_object_id, chef, enhet, språk, tidszon)."""
    language = _language(lang)
    table = read_people_file(file)
    who = _actor(actor)

    async def run(session: AsyncSession, progress: Progress | None) -> ImportSummary:
        return await import_people(
            session, table, actor=who, deactivate_missing=deactivate_missing, progress=progress
        )

    _execute(run, table, "Personer", language, dry_run)


@app.command("plan")
def plan(
    file: Path = FILE_ARGUMENT,
    plan_key: str = typer.Option(..., "--plan", help="Planens nyckel, t.ex. rs-vp-2027."),
    name: str | None = typer.Option(None, help="Planens namn (krävs för en ny plan)."),
    period: str | None = typer.Option(None, help='Period, t.ex. "2027".'),
    org_unit: str | None = typer.Option(None, "--org-unit", help="Enhet som äger planen."),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Importera en plans poster (strategier, mål, indikatorer, aktiviteter, uppdrag,
    internkontrollpunkter, risker). Poster som saknas i filen inaktiveras."""
    language = _language(lang)
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
        )

    try:
        _execute(run, table, "Planposter", language, dry_run)
    except PlanNameRequired:
        typer.echo(
            f"Planen {plan_key} finns inte: ange --name för att skapa den."
            if language == "sv"
            else f"The plan {plan_key} does not exist: give --name to create it.",
            err=True,
        )
        raise typer.Exit(1) from None
