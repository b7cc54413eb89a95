"""`lagesbot round ...`: reporting rounds from the command line and from round files.

The commands call the same services as the admin's Teams chat, so they validate, store and
audit the same way. Times are Swedish local time unless an offset is given."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cards.admin_cards import answers_text, asked_text, items_text
from cards.views import RoundOverview
from catalogue import texts
from cli.language import checked_language
from services.followup import round_admin
from services.followup.round_admin import (
    LOCAL_TIME_ZONE,
    START_VALUES,
    RoundActionRefused,
    RoundInvalid,
    Start,
)
from services.followup.round_file import RoundFileInvalid, load_round_file
from services.platform.config import Settings
from storage import rounds as round_store
from storage.db import create_engine, create_session_factory
from storage.models import Plan, ReportingRound, RoundState

app = typer.Typer(help="Reporting rounds: create, open, extend, close, copy.", no_args_is_help=True)

Lang = Literal["sv", "en"]
T = TypeVar("T")
MAX_OWNERS_SHOWN = 200

LANG_OPTION = typer.Option("sv", "--lang", help="Language of the messages: sv or en.")
ACTOR_OPTION = typer.Option(None, help="Who makes the change (for the audit log).")
KEY_ARGUMENT = typer.Argument(..., help="The round's key, e.g. tertial-1-2027.")
FILE_OPTION = typer.Option(
    ..., "--file", exists=True, dir_okay=False, readable=True, help="Round file (YAML/TOML)."
)


class _Stop(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _now() -> datetime:
    return datetime.now(UTC)


def _moment(value: str, option: str, language: Lang) -> datetime:
    try:
        return round_admin.parse_moment(value)
    except ValueError:
        tx = texts.for_language(language)
        raise typer.BadParameter(
            tx.t("admin.error.bad_datetime", value=value), param_hint=option
        ) from None


def _start(value: str, language: Lang) -> Start:
    for start in START_VALUES:
        if start == value:
            return start
    tx = texts.for_language(language)
    raise typer.BadParameter(
        tx.t("admin.file.bad_start", value=value, known=", ".join(START_VALUES)),
        param_hint="--start",
    )


async def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def _run(work: Callable[[AsyncSession], Awaitable[T]], language: Lang) -> T:
    """Run in one transaction; any refusal rolls everything back and exits with code 1."""
    tx = texts.for_language(language)
    try:
        return asyncio.run(_in_transaction(work))
    except _Stop as stop:
        lines = stop.lines
    except RoundInvalid as invalid:
        lines = [tx.t("admin.cli.invalid")] + [
            "  " + tx.t("admin.file.field_error", field=name, message=tx.t(e.code, **e.params))
            for name, e in invalid.errors.items()
        ]
    except RoundFileInvalid as invalid:
        lines = [tx.t("admin.cli.file_invalid", file=str(invalid.path))] + [
            "  " + error.render(language) for error in invalid.errors
        ]
    except RoundActionRefused as refused:
        lines = [tx.t(refused.error.code, **refused.error.params)]
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(1)


async def _round(session: AsyncSession, key: str, language: Lang) -> ReportingRound:
    rnd = await round_store.get_round_by_key(session, key)
    if rnd is None:
        raise _Stop([texts.for_language(language).t("admin.error.unknown_round", key=key)])
    return rnd


def _when(moment: datetime | None, language: Lang) -> str:
    if moment is None:
        return "-"
    return texts.for_language(language).format_datetime(moment, LOCAL_TIME_ZONE)


def _overview_lines(view: RoundOverview, language: Lang) -> list[str]:
    tx = texts.for_language(language)
    lines = [
        f"{view.key}  {view.name}",
        "  "
        + tx.t(
            "admin.cli.round_line",
            state=tx.t(f"admin.state.{view.state}"),
            opens=_when(view.opens_at, language),
            deadline=_when(view.deadline_at, language),
        ),
    ]
    if view.state in (RoundState.OPEN, RoundState.CLOSED):
        progress = answers_text(
            tx,
            answered=view.answered,
            items=view.items,
            done=view.owners_done,
            owners=view.owners,
        )
    else:
        progress = asked_text(tx, view.owners, view.items)
    lines.append("  " + progress)
    if view.fanout.get("total", 0):
        lines.append(
            "  "
            + tx.t(
                "admin.progress.fanout",
                sent=view.sent,
                failed=view.failed_count,
                pending=view.pending,
            )
        )
    if view.intranet_url:
        lines.append("  " + tx.t("admin.progress.published", url=view.intranet_url))
    elif view.publish_error:
        lines.append("  " + tx.t("admin.progress.publish_failed", error=view.publish_error))
    return lines


@app.command("create")
def create(
    file: Path = FILE_OPTION,
    start: str | None = typer.Option(
        None, help="Overrides the file's start: draft, schedule or now."
    ),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Create a round from a YAML or TOML file. The same file again changes nothing."""
    language = checked_language(lang)
    tx = texts.for_language(language)
    who = _actor(actor)

    async def work(session: AsyncSession) -> list[str]:
        round_file = load_round_file(file)
        spec = round_file.spec()
        how = _start(start, language) if start else round_file.start
        try:
            result = await round_admin.create_round(session, spec, start=how, now=_now(), actor=who)
        except RoundInvalid as invalid:
            raise round_file.invalid(invalid) from None
        view = await round_admin.overview(session, result.round)
        head = tx.t(
            "admin.cli.created" if result.created else "admin.cli.exists",
            key=result.round.key,
            state=tx.t(f"admin.state.{result.round.state.value}"),
        )
        return [head, *_overview_lines(view, language)]

    for line in _run(work, language):
        typer.echo(line)


@app.command("list")
def list_rounds(lang: str = LANG_OPTION) -> None:
    """Show every round with its state, deadline and cards (sent/failed/pending)."""
    language = checked_language(lang)

    async def work(session: AsyncSession) -> list[str]:
        lines: list[str] = []
        for rnd in await round_admin.all_rounds(session):
            lines += _overview_lines(await round_admin.overview(session, rnd), language)
        return lines or [texts.for_language(language).t("admin.list.none")]

    for line in _run(work, language):
        typer.echo(line)


@app.command("preview")
def preview(key: str = KEY_ARGUMENT, lang: str = LANG_OPTION) -> None:
    """Who would be asked, and about how many items each."""
    language = checked_language(lang)
    tx = texts.for_language(language)

    async def work(session: AsyncSession) -> list[str]:
        rnd = await _round(session, key, language)
        shown = await round_admin.preview_round(session, rnd)
        lines = [
            f"{rnd.key}  {rnd.name}",
            asked_text(tx, len(shown.owners), shown.items),
        ]
        for owner in shown.owners[:MAX_OWNERS_SHOWN]:
            items = items_text(tx, owner.items)
            line = tx.t("admin.cli.owner_line", name=owner.name, upn=owner.upn, items=items)
            lines.append("  " + line)
        hidden = len(shown.owners) - MAX_OWNERS_SHOWN
        if hidden > 0:
            lines.append("  " + tx.n("admin.preview.more", hidden))
        return lines

    for line in _run(work, language):
        typer.echo(line)


@app.command("open")
def open_round(
    key: str = KEY_ARGUMENT,
    at: str | None = typer.Option(
        None, "--at", help="Schedule instead: opens then (e.g. 2027-04-26 08:00)."
    ),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Open the round now and send the cards, or schedule it with --at."""
    language = checked_language(lang)
    tx = texts.for_language(language)
    opens_at = None if at is None else _moment(at, "--at", language)
    who = _actor(actor)

    async def work(session: AsyncSession) -> str:
        rnd = await _round(session, key, language)
        if opens_at is not None:
            await round_admin.schedule(session, rnd, opens_at=opens_at, now=_now(), actor=who)
            return tx.t("admin.done.scheduled", name=rnd.name, opens=_when(opens_at, language))
        per_owner = await round_admin.open_now(session, rnd, now=_now(), actor=who)
        return tx.n(
            "admin.done.opened",
            len(per_owner),
            name=rnd.name,
            items=items_text(tx, sum(per_owner.values())),
        )

    typer.echo(_run(work, language))


@app.command("extend")
def extend(
    key: str = KEY_ARGUMENT,
    deadline: str = typer.Option(..., "--deadline", help="New deadline, e.g. 2027-05-14 16:00."),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Move the round's deadline."""
    language = checked_language(lang)
    tx = texts.for_language(language)
    new_deadline = _moment(deadline, "--deadline", language)
    who = _actor(actor)

    async def work(session: AsyncSession) -> str:
        rnd = await _round(session, key, language)
        await round_admin.extend_deadline(
            session, rnd, deadline_at=new_deadline, now=_now(), actor=who
        )
        return tx.t("admin.done.extended", name=rnd.name, deadline=_when(new_deadline, language))

    typer.echo(_run(work, language))


@app.command("close")
def close(
    key: str = KEY_ARGUMENT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Close without asking."),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Close the round: late answers are refused, the cards show as closed, the totals are kept."""
    language = checked_language(lang)
    tx = texts.for_language(language)
    who = _actor(actor)
    if not yes and not typer.confirm(tx.t("admin.cli.confirm_close", key=key)):
        raise typer.Exit(1)

    async def work(session: AsyncSession) -> list[str]:
        rnd = await _round(session, key, language)
        summary = await round_admin.close_round(session, rnd, _now(), who)
        counts: dict[str, Any] = summary.summary
        return [
            tx.t("admin.done.closed", name=rnd.name),
            answers_text(
                tx,
                answered=counts.get("answered", 0),
                items=counts.get("items", 0),
                done=counts.get("owners_done", 0),
                owners=counts.get("owners", 0),
            ),
        ]

    for line in _run(work, language):
        typer.echo(line)


@app.command("copy")
def copy(
    key: str = KEY_ARGUMENT,
    name: str = typer.Option(..., "--name", help="The new round's name."),
    opens: str = typer.Option(..., "--opens", help="Opens, e.g. 2027-09-01 08:00."),
    deadline: str = typer.Option(..., "--deadline", help="Deadline, e.g. 2027-09-15 16:00."),
    new_key: str | None = typer.Option(None, "--key", help="Key (else made from the name)."),
    start: str = typer.Option("schedule", help="draft, schedule or now."),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Copy the round to the next period: the same plan, selection and questions; the last
    answers are shown as context in the cards."""
    language = checked_language(lang)
    tx = texts.for_language(language)
    opens_at = _moment(opens, "--opens", language)
    deadline_at = _moment(deadline, "--deadline", language)
    how = _start(start, language)
    who = _actor(actor)

    async def work(session: AsyncSession) -> list[str]:
        rnd = await _round(session, key, language)
        result = await round_admin.copy_round(
            session,
            rnd,
            name=name,
            key=new_key,
            opens_at=opens_at,
            deadline_at=deadline_at,
            now=_now(),
            actor=who,
            start=how,
        )
        view = await round_admin.overview(session, result.round)
        head = tx.t(
            "admin.cli.created" if result.created else "admin.cli.exists",
            key=result.round.key,
            state=tx.t(f"admin.state.{result.round.state.value}"),
        )
        return [head, *_overview_lines(view, language)]

    for line in _run(work, language):
        typer.echo(line)


@app.command("retry")
def retry(
    key: str = KEY_ARGUMENT, lang: str = LANG_OPTION, actor: str | None = ACTOR_OPTION
) -> None:
    """Send the round's failed cards again (e.g. once the people have installed the app)."""
    language = checked_language(lang)
    tx = texts.for_language(language)
    who = _actor(actor)

    async def work(session: AsyncSession) -> str:
        rnd = await _round(session, key, language)
        count = await round_admin.retry_failed(session, rnd, now=_now(), actor=who)
        return tx.n("admin.done.retried", count, name=rnd.name)

    typer.echo(_run(work, language))


@app.command("progress")
def progress(key: str = KEY_ARGUMENT, lang: str = LANG_OPTION) -> None:
    """Answers and cards of a round, with the reason for every failed card."""
    language = checked_language(lang)
    tx = texts.for_language(language)

    async def work(session: AsyncSession) -> list[str]:
        rnd = await _round(session, key, language)
        view = await round_admin.overview(session, rnd, with_failures=True)
        plan = await session.get(Plan, rnd.plan_id)
        lines = _overview_lines(view, language)
        if plan is not None:
            lines.insert(1, "  " + tx.t("admin.cli.plan_line", plan=plan.name, key=plan.key))
        for failure in view.failed:
            lines.append(
                "  "
                + tx.t(
                    "admin.progress.failed_line",
                    name=failure.person_name or "?",
                    status=failure.last_status or "-",
                    reason=failure.reason or "-",
                )
            )
        return lines

    for line in _run(work, language):
        typer.echo(line)
