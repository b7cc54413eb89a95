"""`lagesbot scales ...`: status and risk scales are data an admin can list and add."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

import typer

from cli.language import checked_language, printed
from services.imports.scales import ScaleFileError, import_risk_scale, read_risk_scale_file
from services.platform.config import Settings
from storage import scales as scale_store
from storage.db import create_engine, create_session_factory

app = typer.Typer(help="Status and risk scales.", no_args_is_help=True)

SCALE_FILE = typer.Argument(..., exists=True, dir_okay=False, help="Scale file (TOML).")


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


async def _list() -> list[str]:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            lines: list[str] = []
            for status in await scale_store.status_scales(session):
                options = ", ".join(option.label_sv for option in status.options)
                lines.append(f"status  {status.key:<12} {status.name_sv}: {options}")
            for risk in await scale_store.risk_scales(session):
                bands = ", ".join(
                    f"{band.label_sv} {band.min_score}–{band.max_score}" for band in risk.bands
                )
                lines.append(
                    f"risk    {risk.key:<12} {risk.name_sv} "
                    f"({risk.likelihood_max}×{risk.consequence_max}): {bands}"
                )
            return lines
    finally:
        await engine.dispose()


@app.command("list")
def list_scales() -> None:
    """Show the status and risk scales in the database."""
    for line in asyncio.run(_list()):
        typer.echo(line)


async def _import(path: Path, actor: str) -> tuple[str, bool]:
    spec = read_risk_scale_file(path)
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            scale, created = await import_risk_scale(session, spec, actor=actor)
            return scale.key, created
    finally:
        await engine.dispose()


@app.command("import")
def import_scale(
    file: Path = SCALE_FILE,
    lang: str = typer.Option("sv", "--lang", help="Language of the messages: sv or en."),
    actor: str | None = typer.Option(None, help="Who imports (for the audit log)."),
) -> None:
    """Create or update a risk scale from a TOML file (see demo/risk_scale_5x5.toml)."""
    tx = printed(checked_language(lang))
    try:
        key, created = asyncio.run(_import(file, _actor(actor)))
    except ScaleFileError as failed:
        typer.echo(tx.t("console.scales.failed"), err=True)
        for issue in failed.issues:
            typer.echo(f"  {issue.render(tx.language)}", err=True)
        raise typer.Exit(1) from None
    typer.echo(tx.t("console.scales.created" if created else "console.scales.updated", key=key))
