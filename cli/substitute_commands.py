"""`lagesbot substitute set|end|list`: an admin names a substitute (ersättare) for anyone,
with the same rules as "ersättare" in Teams (stored people, periods as people write them,
e.g. "1 juli–15 aug" or "2027-07-01–2027-08-15"), ends one early, or lists them."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from cli.language import checked_language
from services.platform.config import Settings
from services.standins import periods, substitutes
from services.standins.people_lookup import find_people
from storage.db import create_engine, create_session_factory
from storage.models import Person

app = typer.Typer(help="Substitutes (ersättare) with a period.", no_args_is_help=True)

OWNER_ARGUMENT = typer.Argument(..., help="The owner: name, e-mail address or UPN.")
SUBSTITUTE_ARGUMENT = typer.Argument(..., help="The substitute: name, e-mail or UPN.")
PERIOD_ARGUMENT = typer.Argument(..., help='The period, e.g. "1 juli–15 aug".')
LANG_OPTION = typer.Option("sv", "--lang", help="Language: sv or en.")
ACTOR_OPTION = typer.Option(None, "--actor", help="Who acts, for the audit log.")


class Refused(Exception):
    pass


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


async def _one(session: AsyncSession, name: str, tx: texts.Texts) -> Person:
    people = await find_people(session, name)
    if not people:
        raise Refused(tx.t("substitute.error.unknown_person", name=name))
    if len(people) > 1:
        listed = "\n".join(
            tx.t("substitute.candidate", name=p.display_name, upn=p.upn) for p in people[:10]
        )
        raise Refused(tx.t("substitute.error.ambiguous", name=name, people=listed))
    return people[0]


def _run(work: Callable[[AsyncSession], Awaitable[str]]) -> None:
    async def go() -> str:
        engine = create_engine(Settings.from_env().database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        typer.echo(asyncio.run(go()))
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None


def _period(tx: texts.Texts, starts: date, ends: date) -> str:
    return tx.t("substitute.period", starts=tx.format_date(starts), ends=tx.format_date(ends))


@app.command("set")
def set_substitute(
    owner: str = OWNER_ARGUMENT,
    substitute: str = SUBSTITUTE_ARGUMENT,
    period: str = PERIOD_ARGUMENT,
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Name a substitute for an owner for a period (both days included)."""
    tx = texts.for_language(checked_language(lang))

    async def work(session: AsyncSession) -> str:
        who, stand_in = await _one(session, owner, tx), await _one(session, substitute, tx)
        today = substitutes.today_for(who, datetime.now(UTC))
        try:
            starts, ends = periods.parse_period(period, today)
            named = await substitutes.name_substitute(
                session, owner=who, substitute=stand_in, starts_on=starts, ends_on=ends,
                actor=_actor(actor), today=today,
            )  # fmt: skip
        except periods.PeriodError as error:
            raise Refused(tx.t(error.code, period=period)) from None
        except substitutes.SubstituteRefused as refused:
            raise Refused(tx.t(refused.code, **refused.params)) from None
        shown = _period(tx, named.period.starts_on, named.period.ends_on)
        return tx.t(
            "substitute.named_for", name=stand_in.display_name, owner=who.display_name, period=shown
        )

    _run(work)


@app.command("end")
def end_substitute(
    owner: str = OWNER_ARGUMENT, lang: str = LANG_OPTION, actor: str | None = ACTOR_OPTION
) -> None:
    """End an owner's current and coming periods now."""
    tx = texts.for_language(checked_language(lang))

    async def work(session: AsyncSession) -> str:
        who = await _one(session, owner, tx)
        ended = await substitutes.end_periods(
            session, owner=who, actor=_actor(actor), now=datetime.now(UTC)
        )
        return tx.n("substitute.ended", len(ended)) if ended else tx.t("substitute.nothing_to_end")

    _run(work)


@app.command("list")
def list_substitutes(owner: str = OWNER_ARGUMENT, lang: str = LANG_OPTION) -> None:
    """An owner's current and coming periods."""
    tx = texts.for_language(checked_language(lang))

    async def work(session: AsyncSession) -> str:
        who = await _one(session, owner, tx)
        lines = []
        for period in await substitutes.current_periods(session, who, datetime.now(UTC)):
            other = await session.get(Person, period.substitute_id)
            lines.append(
                tx.t(
                    "substitute.listed",
                    name=other.display_name if other else "?",
                    period=_period(tx, period.starts_on, period.ends_on),
                )
            )
        return "\n".join(lines) or tx.t("substitute.nothing_to_end")

    _run(work)
