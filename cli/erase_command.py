"""`lagesbot erase person ID_OR_UPN`: pseudonymise a person on request
(services/privacy/erase.py)."""

from __future__ import annotations

import asyncio
import getpass
from datetime import UTC, datetime

import typer

from catalogue import texts
from services.platform.config import Settings
from services.privacy.erase import ErasureState, erase_person, find_person, plan_erasure
from storage.db import create_engine, create_session_factory

app = typer.Typer(help="Remove personal data (pseudonymise).", no_args_is_help=True)


@app.callback()
def erase() -> None:
    """Remove personal data on request (pseudonymise)."""


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


async def _erase(wanted: str, *, yes: bool, actor: str, tx: texts.Texts) -> int:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            person = await find_person(session, wanted)
            if person is None:
                typer.echo(tx.t("erase.not_found", wanted=wanted), err=True)
                return 1
            plan = await plan_erasure(session, person)
            if plan.already_erased:
                typer.echo(tx.t("erase.already_erased", id=str(person.id)))
                return 0
            typer.echo(
                tx.t(
                    "erase.plan",
                    id=str(person.id),
                    name=person.display_name,
                    upn=person.upn,
                    references=tx.n("erase.count.references", plan.conversation_references),
                    responses=tx.n("erase.count.responses", plan.responses_kept),
                    items=tx.n("count.items", plan.items_owned),
                )
            )
            # Confirming inside the transaction keeps the shown plan and the change together.
            if not yes and not typer.confirm(tx.t("erase.confirm"), default=False):
                typer.echo(tx.t("erase.aborted"))
                await session.rollback()
                return 1
            result = await erase_person(session, person, actor=actor, now=datetime.now(UTC))
        assert result.state is ErasureState.ERASED
        typer.echo(
            tx.t(
                "erase.done",
                id=str(result.person_id),
                references=tx.n("erase.done.references", result.conversation_references_deleted),
                cancelled=tx.n("erase.done.cancelled", result.outbox_jobs_cancelled),
            )
        )
        return 0
    finally:
        await engine.dispose()


@app.command("person")
def person(
    id_or_upn: str = typer.Argument(..., help="The person's id, UPN or Entra object id."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    actor: str | None = typer.Option(None, help="Who does it (for the audit log)."),
    lang: str = typer.Option("sv", "--lang", help="Language of the messages: sv or en."),
) -> None:
    """Pseudonymise a person: name, UPN, e-mail, job title and Entra id are removed; their
    answers and the items they own stay, under "Borttagen person #id"."""
    code = asyncio.run(_erase(id_or_upn, yes=yes, actor=_actor(actor), tx=texts.for_language(lang)))
    raise typer.Exit(code)
