"""`lagesbot values ...`: measured indicator values from files and the data warehouse."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli.import_commands import (
    ACTOR_OPTION,
    DRY_RUN_OPTION,
    FILE_ARGUMENT,
    LANG_OPTION,
    _actor,
    _execute,
)
from cli.language import checked_language, printed
from services.goals.values_import import UnknownPlan, import_values, read_values_file
from services.imports.common import ImportSummary, Progress

app = typer.Typer(help="Indicator values (utfall) from files and the data warehouse.")


@app.command("import")
def values_import(
    file: Path = FILE_ARGUMENT,
    plan_key: str = typer.Option(..., "--plan", help="The plan's key, e.g. rs-vp-2027."),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Load indicator values: indicator key, period (or round key), value, and optionally
    source and as-of date. All or nothing; a value already loaded is not added again."""
    language = checked_language(lang)
    table = read_values_file(file)
    who = _actor(actor)

    async def run(session: AsyncSession, progress: Progress | None) -> ImportSummary:
        return await import_values(session, table, plan_key=plan_key, actor=who)

    try:
        _execute(run, table, "values", language, dry_run)
    except UnknownPlan:
        typer.echo(printed(language).t("console.values.unknown_plan", plan=plan_key), err=True)
        raise typer.Exit(1) from None
