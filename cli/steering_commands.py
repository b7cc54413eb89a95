"""`lagesbot steering ...`: steering groups, their scope, their channel and digest schedule."""

from __future__ import annotations

import asyncio
import getpass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cli.language import checked_language, printed
from services.platform.config import Settings
from storage import audit, conversations, steering
from storage.db import create_engine, create_session_factory
from storage.digest_queries import Scope
from storage.models import ConversationKind, PlanItem, SteeringGroup
from storage.org import units_by_key

app = typer.Typer(help="Steering groups and their digests.", no_args_is_help=True)

WEEKDAY_OFF = 0


class Refused(Exception):
    pass


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


async def _check_scope(session: AsyncSession, org_units: list[str], plan_items: list[str]) -> None:
    tx = printed()
    known_units = await units_by_key(session)
    missing = [k for k in org_units if k not in known_units]
    if missing:
        keys = ", ".join(missing)
        raise Refused(tx.n("console.steering.unknown_org_units", len(missing), keys=keys))
    if plan_items:
        query = select(PlanItem.key).where(PlanItem.key.in_(plan_items))
        found = set((await session.execute(query)).scalars())
        missing = [k for k in plan_items if k not in found]
        if missing:
            keys = ", ".join(missing)
            raise Refused(tx.n("console.steering.unknown_plan_items", len(missing), keys=keys))


async def _add(
    key: str,
    name: str | None,
    org_units: list[str] | None,
    plan_items: list[str] | None,
    channel: str | None,
    weekday: int | None,
    hour: int | None,
    time_zone: str | None,
    language: str | None,
) -> str:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            existing = await steering.get_group(session, key)
            scope = await _new_scope(session, existing, org_units, plan_items)
            reference_id = None if channel is None else await _channel_id(session, channel)
            group, created = await steering.save_group(
                session,
                key=key,
                name=name,
                scope=scope,
                conversation_reference_id=reference_id,
                digest_weekday=_digest_weekday(weekday),
                digest_hour=hour,
                time_zone=time_zone,
                language=language,
                created_by=_actor(),
            )
            _record_saved(session, group, created)
            done = "console.steering.created" if created else "console.steering.updated"
            return printed().t(done, key=group.key, name=group.name)
    finally:
        await engine.dispose()


async def _new_scope(
    session: AsyncSession,
    existing: SteeringGroup | None,
    org_units: list[str] | None,
    plan_items: list[str] | None,
) -> dict[str, list[str]] | None:
    """The group's checked scope: the given parts, the rest as it was; None keeps it as it
    is (a new group always gets one)."""
    if org_units is None and plan_items is None and existing is not None:
        return None
    old = Scope.of(existing.scope if existing else None)
    units = org_units if org_units is not None else list(old.org_units)
    items = plan_items if plan_items is not None else list(old.plan_items)
    await _check_scope(session, units, items)
    return Scope(tuple(units), tuple(items)).as_dict()


async def _channel_id(session: AsyncSession, channel: str) -> int:
    """The stored reference of a channel the bot was added to; refused otherwise, listing
    the channels it knows."""
    reference = await conversations.by_conversation_id(
        session, steering.channel_conversation_id(channel)
    )
    if reference is None or reference.kind is not ConversationKind.CHANNEL:
        known = [r.conversation_id for r in await steering.channel_references(session)]
        raise Refused(
            printed().t("console.steering.unknown_channel", known=", ".join(known) or "-")
        )
    return reference.id


def _digest_weekday(weekday: int | None) -> int | bool | None:
    """The option as ``save_group`` takes it: False keeps the weekday, None turns it off."""
    if weekday is None:
        return False
    return None if weekday == WEEKDAY_OFF else weekday


def _record_saved(session: AsyncSession, group: SteeringGroup, created: bool) -> None:
    audit.record(
        session,
        actor=_actor(),
        action="steering_group.create" if created else "steering_group.update",
        target_type="steering_group",
        target_id=group.id,
        details={
            "key": group.key,
            "name": group.name,
            "scope": group.scope,
            "conversation_reference_id": group.conversation_reference_id,
            "digest_weekday": group.digest_weekday,
            "digest_hour": group.digest_hour,
            "time_zone": group.time_zone,
        },
    )


KEY_ARGUMENT = typer.Argument(..., help="The steering group's key, e.g. rs.")
NAME_OPTION = typer.Option(None, "--name", help="The name shown in the card.")
ORG_UNITS_OPTION = typer.Option(None, "--org-units", help="Org units (keys, comma-separated).")
PLAN_ITEMS_OPTION = typer.Option(
    None, "--plan-items", help="Plan items (keys, comma-separated) with everything below them."
)
CHANNEL_OPTION = typer.Option(
    None, "--channel", help="The channel's conversation id (see `lagesbot steering channels`)."
)
WEEKDAY_OPTION = typer.Option(
    None, "--weekday", min=0, max=7, help="Weekday of the weekly digest, 1=Monday; 0=off."
)
HOUR_OPTION = typer.Option(None, "--hour", min=0, max=23, help="Hour (local time).")
TIME_ZONE_OPTION = typer.Option(None, "--time-zone", help="E.g. Europe/Stockholm.")
LANGUAGE_OPTION = typer.Option(None, "--lang", help="The card's language: sv or en.")


@app.command("add")
def add(
    key: str = KEY_ARGUMENT,
    name: str | None = NAME_OPTION,
    org_units: str | None = ORG_UNITS_OPTION,
    plan_items: str | None = PLAN_ITEMS_OPTION,
    channel: str | None = CHANNEL_OPTION,
    weekday: int | None = WEEKDAY_OPTION,
    hour: int | None = HOUR_OPTION,
    time_zone: str | None = TIME_ZONE_OPTION,
    language: str | None = LANGUAGE_OPTION,
) -> None:
    """Create or change a steering group (only the fields given change)."""
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise typer.BadParameter(time_zone, param_hint="--time-zone") from None
    if language is not None:
        checked_language(language)
    try:
        message = asyncio.run(
            _add(
                key,
                name,
                _split(org_units),
                _split(plan_items),
                channel,
                weekday,
                hour,
                time_zone,
                language,
            )
        )
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    typer.echo(message)


async def _list() -> list[str]:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            lines = []
            for group in await steering.list_groups(session):
                channel = await steering.channel_of(session, group)
                scope = Scope.of(group.scope)
                schedule = (
                    "-"
                    if group.digest_weekday is None
                    else f"{group.digest_weekday}@{group.digest_hour:02d} {group.time_zone}"
                )
                lines.append(
                    "\t".join(
                        [
                            group.key,
                            group.name,
                            ",".join(scope.org_units) or "*",
                            ",".join(scope.plan_items) or "*",
                            channel.conversation_id if channel else "-",
                            schedule,
                            "" if group.active else printed().t("console.steering.inactive"),
                        ]
                    ).rstrip()
                )
            return lines
    finally:
        await engine.dispose()


@app.command("list")
def list_groups() -> None:
    """List the steering groups: key, name, org units, plan items, channel, schedule."""
    lines = asyncio.run(_list())
    typer.echo("\n".join(lines) if lines else printed().t("console.steering.none"))


async def _channels() -> list[str]:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            return [
                f"{r.conversation_id}\tteam={r.team_id or '-'}"
                for r in await steering.channel_references(session)
            ]
    finally:
        await engine.dispose()


@app.command("channels")
def channels() -> None:
    """List the channels the bot has been added to (for --channel)."""
    lines = asyncio.run(_channels())
    typer.echo("\n".join(lines) if lines else printed().t("console.steering.no_channels"))
