"""`lagesbot db ...`: schema migrations of the central store."""

from __future__ import annotations

import asyncio

import typer

from cli.language import printed
from cli.store import needs_store
from services.platform.config import Settings
from storage import migrate
from storage.db import create_engine

app = typer.Typer(help="The database schema (Alembic).", no_args_is_help=True)


async def _with_engine(action: str, revision: str) -> str | None:
    engine = create_engine(Settings.from_env().database_url)
    try:
        if action == "upgrade":
            await migrate.upgrade(engine, revision)
        elif action == "downgrade":
            await migrate.downgrade(engine, revision)
        return await migrate.current_revision(engine)
    finally:
        await engine.dispose()


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or update the schema to REVISION (default: the newest)."""
    current = asyncio.run(_with_engine("upgrade", revision))
    typer.echo(printed().t("console.db.revision", revision=current))


@app.command()
@needs_store(schema=False)
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
) -> None:
    """Step the schema back to REVISION."""
    current = asyncio.run(_with_engine("downgrade", revision))
    typer.echo(printed().t("console.db.revision", revision=current or "base"))


@app.command()
@needs_store(schema=False)
def current() -> None:
    """Show the schema revision of the configured database."""
    typer.echo(asyncio.run(_with_engine("current", "")) or "base")
