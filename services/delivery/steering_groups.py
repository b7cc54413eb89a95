"""Steering groups set up in Teams: checking what an admin typed into the group form, saving
it (with the channel it was written in), removing a group, and when its next weekly digest
goes out. Every change is written to the audit log with who made it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery.digest_posting import weekly_moment
from services.followup.round_admin import FieldError, round_key
from storage import audit, steering
from storage.digest_queries import Scope
from storage.models import OrgUnit, PlanItem, SteeringGroup

NAME_MAX: Final = 200
TIME_ZONES: Final = (
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "UTC",
)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    org_units: tuple[str, ...]
    plan_items: tuple[str, ...]
    weekday: int | None  # ISO weekday, None = no weekly digest
    hour: int
    time_zone: str


class GroupInvalid(ValueError):
    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


def _keys(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def _number(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def _zone(value: Any) -> str | None:
    text = str(value or "").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return text


def parse_group(values: Mapping[str, Any]) -> GroupSpec:
    """The form's values (name, scope keys, weekday 0-7 with 0 = off, hour, time zone);
    raises GroupInvalid with every problem, keyed by the form's field."""
    errors: dict[str, FieldError] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = FieldError("admin.error.required")
    elif len(name) > NAME_MAX:
        errors["name"] = FieldError("admin.error.too_long", {"max": NAME_MAX})
    elif not round_key(name):
        errors["name"] = FieldError("admin.error.name_without_letters")
    weekday = _number(values.get("weekday", "1"), 0, 7)
    hour = _number(values.get("hour", "8"), 0, 23)
    zone = _zone(values.get("time_zone") or TIME_ZONES[0])
    if weekday is None:
        errors["hour"] = FieldError("controller.steering.error.weekday")
    if hour is None:
        errors["hour"] = FieldError("controller.steering.error.hour")
    if zone is None:
        errors["time_zone"] = FieldError("controller.steering.error.time_zone")
    if errors:
        raise GroupInvalid(errors)
    assert weekday is not None and hour is not None and zone is not None
    return GroupSpec(
        name=name,
        org_units=_keys(values.get("org_units")),
        plan_items=_keys(values.get("plan_items")),
        weekday=weekday or None,
        hour=hour,
        time_zone=zone,
    )


async def check_scope(session: AsyncSession, spec: GroupSpec) -> dict[str, FieldError]:
    """Org units and plan items that are not in the store."""
    errors: dict[str, FieldError] = {}
    if spec.org_units:
        query = select(OrgUnit.key).where(OrgUnit.key.in_(spec.org_units))
        known = set((await session.execute(query)).scalars())
        missing = [k for k in spec.org_units if k not in known]
        if missing:
            errors["org_units"] = FieldError(
                "admin.error.unknown_org_units", {"keys": ", ".join(missing)}
            )
    if spec.plan_items:
        query = select(PlanItem.key).where(PlanItem.key.in_(spec.plan_items))
        found = set((await session.execute(query)).scalars())
        missing = [k for k in spec.plan_items if k not in found]
        if missing:
            errors["plan_items"] = FieldError(
                "controller.steering.error.unknown_items", {"keys": ", ".join(missing)}
            )
    return errors


async def _free_key(session: AsyncSession, name: str) -> str:
    """A key from the name; a taken one (also by a removed group) gets a number."""
    base = round_key(name)[:60].strip("-")
    key, number = base, 1
    while await steering.get_group(session, key) is not None:
        number += 1
        key = f"{base}-{number}"
    return key


@dataclass
class Change:
    """Who saves, and where: the channel reference to link a new group to (if any)."""

    actor: str
    language: str
    channel_reference_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _snapshot(group: SteeringGroup) -> dict[str, Any]:
    return {
        "key": group.key,
        "name": group.name,
        "scope": group.scope,
        "conversation_reference_id": group.conversation_reference_id,
        "digest_weekday": group.digest_weekday,
        "digest_hour": group.digest_hour,
        "time_zone": group.time_zone,
        "active": group.active,
    }


async def save_group(
    session: AsyncSession, spec: GroupSpec, change: Change, group: SteeringGroup | None
) -> tuple[SteeringGroup, bool]:
    """Create the group (linked to the change's channel) or change ``group``. Raises
    GroupInvalid when the scope names what is not stored."""
    errors = await check_scope(session, spec)
    if errors:
        raise GroupInvalid(errors)
    if group is None:
        repeated = await _same_new_group(session, spec, change)
        if repeated is not None:
            return repeated, False  # Spara pressed twice: the group the first press made
    before = None if group is None else _snapshot(group)
    saved, created = await steering.save_group(
        session,
        key=group.key if group is not None else await _free_key(session, spec.name),
        name=spec.name,
        scope=Scope(spec.org_units, spec.plan_items).as_dict(),
        conversation_reference_id=change.channel_reference_id,
        digest_weekday=spec.weekday,
        digest_hour=spec.hour,
        time_zone=spec.time_zone,
        language=change.language if group is None else None,
        created_by=change.actor,
    )
    audit.record(
        session,
        actor=change.actor,
        action="steering_group.create" if created else "steering_group.update",
        target_type="steering_group",
        target_id=saved.id,
        details={**_snapshot(saved), "before": before, "via": "teams"},
    )
    return saved, created


async def _same_new_group(
    session: AsyncSession, spec: GroupSpec, change: Change
) -> SteeringGroup | None:
    """An active group of this name already linked to this channel."""
    if change.channel_reference_id is None:
        return None
    query = select(SteeringGroup).where(
        SteeringGroup.name == spec.name,
        SteeringGroup.conversation_reference_id == change.channel_reference_id,
        SteeringGroup.active.is_(True),
    )
    return (await session.execute(query)).scalars().first()


async def remove_group(session: AsyncSession, group: SteeringGroup, *, actor: str) -> bool:
    """Stop the group's digests (the group and what was posted stay on record)."""
    if not group.active:
        return False
    group.active = False
    audit.record(
        session,
        actor=actor,
        action="steering_group.remove",
        target_type="steering_group",
        target_id=group.id,
        details={**_snapshot(group), "via": "teams"},
    )
    await session.flush()
    return True


async def active_groups(session: AsyncSession) -> list[SteeringGroup]:
    return [g for g in await steering.list_groups(session) if g.active]


def next_weekly_digest(group: SteeringGroup, now: datetime) -> datetime | None:
    """When the next weekly digest is due (it goes out while a round in scope is open)."""
    moment = weekly_moment(group, now)
    if moment is None:
        return None
    while moment <= now:
        moment += timedelta(days=7)
    return moment


async def scope_names(
    session: AsyncSession, groups: Sequence[SteeringGroup]
) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the org units and titles of the plan items the groups' scopes name."""
    units = {k: v for k, v in (await session.execute(select(OrgUnit.key, OrgUnit.name))).all()}
    keys = {k for g in groups for k in Scope.of(g.scope).plan_items}
    items: dict[str, str] = {}
    if keys:
        query = select(PlanItem.key, PlanItem.title).where(PlanItem.key.in_(keys))
        items = {k: v for k, v in (await session.execute(query)).all()}
    return units, items


async def item_choices(session: AsyncSession, limit: int = 150) -> list[tuple[str, str]]:
    """Plan items a group can follow: the top two levels of the active plans' trees."""
    top = select(PlanItem.id).where(PlanItem.parent_id.is_(None), PlanItem.active.is_(True))
    query = (
        select(PlanItem)
        .where(
            PlanItem.active.is_(True),
            PlanItem.parent_id.is_(None) | PlanItem.parent_id.in_(top),
        )
        .order_by(PlanItem.plan_id, PlanItem.position, PlanItem.id)
        .limit(limit)
    )
    rows = (await session.execute(query)).scalars()
    return [(item.key, f"{item.key} {item.title}"[:120]) for item in rows]
