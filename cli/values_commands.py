"""`lagesbot values ...`: measured indicator values from files and the data warehouse."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from services.goals.warehouse import WarehouseConfig, WarehouseConfigError, last_pull, pull
from services.imports.common import ImportSummary, Progress
from services.platform.config import Settings
from storage.db import create_engine, create_session_factory

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


CONFIG_ARGUMENT = typer.Argument(
    ..., exists=True, dir_okay=False, readable=True, help="The warehouse's TOML file."
)


@app.command("pull")
def values_pull(
    config_file: Path = CONFIG_ARGUMENT,
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Pull indicator values from the data warehouse named in the TOML file now."""
    language = checked_language(lang)
    tx = printed(language)
    try:
        config = WarehouseConfig.load(config_file)
    except WarehouseConfigError as exc:
        typer.echo(tx.t("console.values.bad_config", error=str(exc)), err=True)
        raise typer.Exit(1) from None
    try:
        summary = asyncio.run(_pull(config, _actor(actor)))
    except Exception as exc:
        typer.echo(
            tx.t("console.values.pull_failed", error=f"{type(exc).__name__}: {exc}"), err=True
        )
        raise typer.Exit(1) from None
    typer.echo(summary.render(language))


async def _pull(config: WarehouseConfig, actor: str) -> ImportSummary:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            summary = await pull(session, config, now=datetime.now(UTC), actor=actor)
            await session.commit()
            return summary
    finally:
        await engine.dispose()


@app.command("status")
def values_status(
    plan_key: str = typer.Option(..., "--plan", help="The plan's key."),
    lang: str = LANG_OPTION,
) -> None:
    """When the plan's warehouse was last pulled, and whether it failed."""
    language = checked_language(lang)
    tx = printed(language)
    state = asyncio.run(_status(plan_key))
    if state is None:
        typer.echo(tx.t("console.values.never_pulled", plan=plan_key))
        return
    at = tx.format_datetime(datetime.fromisoformat(str(state["at"])))
    if state.get("ok"):
        typer.echo(tx.t("console.values.pulled", plan=plan_key, at=at))
    else:
        typer.echo(tx.t("console.values.failed", plan=plan_key, at=at, error=state["error"]))
        raise typer.Exit(1)


async def _status(plan_key: str) -> dict[str, Any] | None:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await last_pull(session, plan_key)
    finally:
        await engine.dispose()
