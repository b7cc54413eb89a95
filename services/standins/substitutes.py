"""Substitutes (ersättare) with a period: who answers for an owner while they are away.

On a day inside a period (both ends included, in the owner's time zone) the substitute gets
the owner's cards, reminders and escalations, answers every item of the owner's, and each
answer records who gave it for whom. Rules a user would expect:
- periods of one owner may overlap: the one made last wins on the days they share (naming
  someone else for a part of a period is how an owner changes their mind);
- a substitute who is away themselves is passed over to their own substitute, one step at a
  time (at most ``MAX_CHAIN``), and never back to someone in the chain;
- nobody stands in for themselves, and the owner (or an admin) can end a period early.
Every naming and ending is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage import substitutes as substitute_store
from storage.models import Person, Substitute

MAX_CHAIN: Final = 5
MAX_PERIOD_DAYS: Final = 366
DEFAULT_ZONE: Final = "Europe/Stockholm"


def today_for(person: Person, now: datetime) -> date:
    try:
        zone = ZoneInfo(person.time_zone or DEFAULT_ZONE)
    except (ValueError, KeyError):
        zone = ZoneInfo(DEFAULT_ZONE)
    return now.astimezone(zone).date()


async def stand_in_for(session: AsyncSession, owner: Person, now: datetime) -> Person | None:
    """Who answers for ``owner`` now: their substitute, or that person's if they are away
    too; None when the owner is not away (or the chain leads back into itself)."""
    chain = [owner.id]
    current = owner
    found: Person | None = None
    for _ in range(MAX_CHAIN):
        period = await substitute_store.in_force_for_owner(
            session, current.id, today_for(current, now)
        )
        if period is None:
            break
        nxt = await session.get(Person, period.substitute_id)
        if nxt is None or nxt.id in chain or not nxt.active:
            break
        chain.append(nxt.id)
        found = current = nxt
    return found


async def stands_in(session: AsyncSession, actor: Person, owner: Person, now: datetime) -> bool:
    if actor.id == owner.id:
        return False
    stand_in = await stand_in_for(session, owner, now)
    return stand_in is not None and stand_in.id == actor.id


async def owners_stood_in_for(session: AsyncSession, actor: Person, now: datetime) -> list[Person]:
    """The owners whose cards go to ``actor`` now (directly, or through an absent substitute)."""
    found: dict[int, Person] = {}
    frontier = [actor]
    seen = {actor.id}
    for _ in range(MAX_CHAIN):
        nxt: list[Person] = []
        for person in frontier:
            for period in await substitute_store.owners_substituted_by(
                session, person.id, today_for(person, now)
            ):
                owner = await session.get(Person, period.owner_id)
                if owner is None or owner.id in seen:
                    continue
                seen.add(owner.id)
                nxt.append(owner)
                if await stands_in(session, actor, owner, now):
                    found[owner.id] = owner
        frontier = nxt
    return sorted(found.values(), key=lambda p: p.display_name)


class SubstituteRefused(ValueError):
    """A naming that cannot be stored; ``code`` is a catalogue message id."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Named:
    period: Substitute
    # The substitute's own absence overlapping the period: their stand-in then takes over.
    substitute_away: Substitute | None


async def name_substitute(
    session: AsyncSession,
    *,
    owner: Person,
    substitute: Person,
    starts_on: date,
    ends_on: date,
    actor: str,
    today: date,
) -> Named:
    if substitute.id == owner.id:
        raise SubstituteRefused("substitute.error.self")
    if ends_on < starts_on:
        raise SubstituteRefused("substitute.error.ends_before_start")
    if ends_on < today:
        raise SubstituteRefused("substitute.error.in_the_past")
    if (ends_on - starts_on).days >= MAX_PERIOD_DAYS:
        raise SubstituteRefused("substitute.error.too_long", days=MAX_PERIOD_DAYS)
    existing = await substitute_store.periods_of_owner(session, owner.id)
    same = next(
        (
            p
            for p in existing
            if (p.substitute_id, p.starts_on, p.ends_on) == (substitute.id, starts_on, ends_on)
        ),
        None,
    )
    away = next(
        (
            p
            for p in await substitute_store.periods_of_owner(session, substitute.id)
            if p.starts_on <= ends_on and p.ends_on >= starts_on
        ),
        None,
    )
    if same is not None:
        return Named(same, away)  # said twice: one period
    period = Substitute(
        owner_id=owner.id,
        substitute_id=substitute.id,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    session.add(period)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="substitute.named",
        target_type="person",
        target_id=owner.id,
        details={
            "substitute_id": substitute.id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "period_id": period.id,
        },
    )
    return Named(period, away)


async def end_periods(
    session: AsyncSession, *, owner: Person, actor: str, now: datetime
) -> list[Substitute]:
    """Ends the owner's current and coming periods now; the rows stay, marked ended."""
    today = today_for(owner, now)
    ended = [
        p for p in await substitute_store.periods_of_owner(session, owner.id) if p.ends_on >= today
    ]
    for period in ended:
        period.ended_at = now
        period.ended_by = actor
        audit.record(
            session,
            actor=actor,
            action="substitute.ended",
            target_type="person",
            target_id=owner.id,
            details={"period_id": period.id, "substitute_id": period.substitute_id},
        )
    await session.flush()
    return ended


async def current_periods(session: AsyncSession, owner: Person, now: datetime) -> list[Substitute]:
    today = today_for(owner, now)
    return [
        p for p in await substitute_store.periods_of_owner(session, owner.id) if p.ends_on >= today
    ]
