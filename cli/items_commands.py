"""`lagesbot items handover`: move items from one owner to another, also while a round is
open (services.standins.handover)."""

from __future__ import annotations

import asyncio
import getpass
from datetime import UTC, datetime

import typer

from catalogue import texts
from cli.language import checked_language
from cli.substitute_commands import Refused, _one
from services.platform.config import Settings
from services.standins import handover
from storage.db import create_engine, create_session_factory

app = typer.Typer(help="Plan items: hand-over between owners.", no_args_is_help=True)

FROM_OPTION = typer.Option(..., "--from", help="The current owner: name, e-mail or UPN.")
TO_OPTION = typer.Option(..., "--to", help="The new owner: name, e-mail or UPN.")
ITEMS_OPTION = typer.Option(None, "--items", help="Item keys, comma-separated; default all.")
LANG_OPTION = typer.Option("sv", "--lang", help="Language: sv or en.")
ACTOR_OPTION = typer.Option(None, "--actor", help="Who acts, for the audit log.")


@app.command("handover")
def handover_items(
    from_owner: str = FROM_OPTION,
    to_owner: str = TO_OPTION,
    items: str | None = ITEMS_OPTION,
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Give the items (all of the owner's, or --items) a new owner, in open rounds too."""
    tx = texts.for_language(checked_language(lang))
    keys = None if items is None else [key for key in items.split(",") if key.strip()]

    async def go() -> str:
        engine = create_engine(Settings.from_env().database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                old, new = await _one(session, from_owner, tx), await _one(session, to_owner, tx)
                try:
                    done = await handover.hand_over(
                        session, old=old, new=new, item_keys=keys,
                        actor=actor or f"cli:{getpass.getuser()}", now=datetime.now(UTC),
                    )  # fmt: skip
                except handover.HandoverRefused as refused:
                    raise Refused(tx.t(refused.code, **refused.params)) from None
                return tx.n(
                    "handover.done", len(done.items), old=old.display_name,
                    new=new.display_name, rounds=len(done.rounds),
                )  # fmt: skip
        finally:
            await engine.dispose()

    try:
        typer.echo(asyncio.run(go()))
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
