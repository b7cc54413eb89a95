"""The planning controller's set-up in Teams: steering groups, the admins, and files sent
for import (dialogs.file_import).

- ``ny styrgrupp`` / ``new steering group`` in a channel posts the group form; saving it
  creates the group and links the channel it was written in.
- ``styrgrupper`` / ``steering groups`` lists the groups with their scope and next weekly
  digest, with Ändra and Ta bort.
- ``administratörer`` / ``admins`` lists the admins (LAGESBOT_ADMINS and those added in
  Teams); an admin adds one by UPN or object id and removes those added in Teams.

Admin rights are checked on every message and every press (dialogs.admin); every change is
audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import func, or_, select

from cards import controller_cards as cc
from cards import verbs
from cards.controller_cards import (
    AdminLine,
    AdminListView,
    SteeringFormView,
    SteeringGroupLine,
    SteeringListView,
)
from catalogue import texts
from dialogs import file_import, render
from dialogs.admin import _Admin, _unit_choices, admin_action, is_admin
from dialogs.commands import normalise
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from dialogs.steering import store_channel
from services.delivery import steering_groups
from services.delivery.steering_groups import Change, GroupInvalid
from services.followup.round_admin import FieldError
from storage import admins as admin_store
from storage import audit, steering
from storage.digest_queries import Scope
from storage.models import ConversationKind, Person, SteeringGroup

# The form's input ids -> the names steering_groups.parse_group reads.
_FORM_FIELDS: Final = {
    cc.GROUP_NAME: "name",
    cc.GROUP_ORG_UNITS: "org_units",
    cc.GROUP_PLAN_ITEMS: "plan_items",
    cc.GROUP_WEEKDAY: "weekday",
    cc.GROUP_HOUR: "hour",
    cc.GROUP_TIME_ZONE: "time_zone",
}
_FIELD_INPUTS: Final = {name: input_id for input_id, name in _FORM_FIELDS.items()}
MAX_VALUE_LENGTH: Final = 2000
_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_UPN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _words(msgid: str) -> frozenset[str]:
    return frozenset(normalise(word) for word in texts.all_translations(msgid))


def _command(inbound: Inbound) -> str | None:
    said = normalise(inbound.text)
    for name in ("new_group", "groups", "admins"):
        if said in _words(f"admin.help.{name}.command"):
            return name
    return None


def applies(inbound: Inbound) -> bool:
    return _command(inbound) is not None or file_import.applies(inbound)


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    command = _command(inbound)
    if command is None:
        return await file_import.on_message(deps, inbound)
    async with deps.sessions() as session, session.begin():
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        if not await is_admin(session, deps, inbound):
            return [render.text(language, "admin.refusal.not_admin")]
        admin = _Admin(session, deps, person, inbound)
        if command == "admins":
            return [Reply(card=await _admin_list(admin))]
        if command == "groups":
            return [Reply(card=await _group_list(admin))]
        if kind_of(inbound) is not ConversationKind.CHANNEL:
            return [render.text(language, "controller.steering.not_channel")]
        return [Reply(card=await _group_form(admin, {}))]


# ---------------------------------------------------------------------------------------------
# Steering groups


def _form_values(data: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for input_id in cc.GROUP_INPUTS:
        value = data.get(input_id)
        if isinstance(value, str | int) and not isinstance(value, bool):
            values[input_id] = str(value)[:MAX_VALUE_LENGTH]
    return values


def _group_values(group: SteeringGroup) -> dict[str, str]:
    scope = Scope.of(group.scope)
    return {
        cc.GROUP_NAME: group.name,
        cc.GROUP_ORG_UNITS: ",".join(scope.org_units),
        cc.GROUP_PLAN_ITEMS: ",".join(scope.plan_items),
        cc.GROUP_WEEKDAY: str(group.digest_weekday or cc.WEEKDAY_OFF),
        cc.GROUP_HOUR: str(group.digest_hour),
        cc.GROUP_TIME_ZONE: group.time_zone,
    }


async def _group_form(
    admin: _Admin,
    values: Mapping[str, str],
    *,
    group_id: int | None = None,
    errors: Mapping[str, FieldError] | None = None,
) -> dict[str, Any]:
    units, _left_out = await _unit_choices(admin.session)
    zones = list(steering_groups.TIME_ZONES)
    current = values.get(cc.GROUP_TIME_ZONE)
    if current and current not in zones:
        zones.append(current)
    shown = {
        _FIELD_INPUTS.get(name, cc.GROUP_NAME): admin.tx.t(error.code, **error.params)
        for name, error in (errors or {}).items()
    }
    return cc.create_steering_form_card(
        admin.language,
        SteeringFormView(
            values=values,
            org_units=units,
            plan_items=await steering_groups.item_choices(admin.session),
            time_zones=zones,
            group_id=group_id,
            errors=shown,
        ),
    )


async def _group_list(
    admin: _Admin, banner: str | None = None, good: bool = True
) -> dict[str, Any]:
    groups = await steering_groups.active_groups(admin.session)
    units, items = await steering_groups.scope_names(admin.session, groups)
    lines = []
    for group in groups:
        scope = Scope.of(group.scope)
        lines.append(
            SteeringGroupLine(
                group_id=group.id,
                key=group.key,
                name=group.name,
                org_units=[units.get(k, k) for k in scope.org_units],
                plan_items=[f"{k} {items.get(k, '')}".strip() for k in scope.plan_items],
                channel_linked=group.conversation_reference_id is not None,
                next_digest=steering_groups.next_weekly_digest(group, admin.now),
                time_zone=group.time_zone,
            )
        )
    view = SteeringListView(groups=lines, banner=banner, banner_good=good)
    return cc.create_steering_list_card(admin.language, view)


async def _target_group(admin: _Admin, data: Mapping[str, Any]) -> SteeringGroup | None:
    group_id = data.get("group_id")
    if not isinstance(group_id, int) or isinstance(group_id, bool):
        return None
    group = await admin.session.get(SteeringGroup, group_id)
    return group if group is not None and group.active else None


def _gone(admin: _Admin) -> str:
    return admin.tx.t("controller.steering.error.gone")


@admin_action(verbs.STEERING_SAVE)
async def save_group(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _form_values(data)
    group = await _target_group(admin, data)
    if data.get("group_id") is not None and group is None:
        return await _group_list(admin, _gone(admin), good=False)
    try:
        spec = steering_groups.parse_group({_FORM_FIELDS[k]: v for k, v in values.items()})
        change = Change(actor=admin.actor, language=admin.language)
        if group is None and kind_of(admin.inbound) is ConversationKind.CHANNEL:
            change.channel_reference_id = await _this_channel(admin)
        saved, created = await steering_groups.save_group(admin.session, spec, change, group)
    except GroupInvalid as invalid:
        group_id = None if group is None else group.id
        return await _group_form(admin, values, group_id=group_id, errors=invalid.errors)
    done = (
        "controller.steering.done.created"
        if created or group is None
        else "controller.steering.done.saved"
    )
    return await _group_list(admin, admin.tx.t(done, name=saved.name, key=saved.key))


async def _this_channel(admin: _Admin) -> int:
    inbound = admin.inbound
    channel_id = steering.channel_conversation_id(inbound.conversation_id)
    return await store_channel(admin.session, inbound, channel_id, admin.now)


@admin_action(verbs.STEERING_LIST)
async def list_groups(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    return await _group_list(admin)


@admin_action(verbs.STEERING_EDIT)
async def edit_group(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    group = await _target_group(admin, data)
    if group is None:
        return await _group_list(admin, _gone(admin), good=False)
    return await _group_form(admin, _group_values(group), group_id=group.id)


@admin_action(verbs.STEERING_CONFIRM_REMOVE)
async def confirm_remove_group(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    group = await _target_group(admin, data)
    if group is None:
        return await _group_list(admin, _gone(admin), good=False)
    return cc.create_steering_remove_card(admin.language, group.id, group.name)


@admin_action(verbs.STEERING_REMOVE)
async def remove_group(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    group = await _target_group(admin, data)
    if group is None:
        return await _group_list(admin, _gone(admin), good=False)
    await steering_groups.remove_group(admin.session, group, actor=admin.actor)
    banner = admin.tx.t("controller.steering.done.removed", name=group.name)
    return await _group_list(admin, banner)


# ---------------------------------------------------------------------------------------------
# Admins


async def _admin_list(
    admin: _Admin, banner: str | None = None, *, good: bool = True, error: str | None = None
) -> dict[str, Any]:
    grants = await admin_store.current_grants(admin.session)
    lines = [
        AdminLine(label=await _label(admin, identity), grant_id=None)
        for identity in dict.fromkeys(
            value.strip().lower() for value in admin.deps.settings.admin_object_ids
        )
        if identity
    ]
    for grant in grants:
        added = admin.tx.t(
            "controller.admins.added",
            who=grant.added_by,
            at=admin.tx.format_datetime(grant.added_at, "Europe/Stockholm"),
        )
        label = await _label(admin, grant.identity, grant.display_name)
        lines.append(AdminLine(label=label, grant_id=grant.id, added=added))
    view = AdminListView(admins=lines, banner=banner, banner_good=good, error=error)
    return cc.create_admin_list_card(admin.language, view)


async def _person_by_identity(admin: _Admin, identity: str) -> Person | None:
    # Stored object ids and UPNs keep the case they came with; identities are lower case.
    query = select(Person).where(
        or_(func.lower(Person.upn) == identity, func.lower(Person.entra_object_id) == identity)
    )
    return (await admin.session.execute(query)).scalars().first()


async def _label(admin: _Admin, identity: str, name: str | None = None) -> str:
    person = await _person_by_identity(admin, identity)
    if person is not None:
        return f"{person.display_name} ({person.upn})"
    return f"{name} ({identity})" if name else identity


@admin_action(verbs.ADMINS_ADD)
async def add_admin(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get(cc.ADMIN_IDENTITY)
    identity = admin_store.identity_of(raw) if isinstance(raw, str) else ""
    if not (_OBJECT_ID.match(identity) or _UPN.match(identity)) or len(identity) > 320:
        error = admin.tx.t("controller.admins.error.identity")
        return await _admin_list(admin, error=error)
    person = await _person_by_identity(admin, identity)
    name = person.display_name if person is not None else None
    grant, created = await admin_store.grant(
        admin.session, identity, display_name=name, actor=admin.actor, now=admin.now
    )
    if created:
        audit.record(
            admin.session,
            actor=admin.actor,
            action="admin_rights.grant",
            target_type="admin",
            target_id=grant.id,
            details={"identity": identity, "name": name},
        )
    done = "controller.admins.done.added" if created else "controller.admins.done.already"
    return await _admin_list(admin, admin.tx.t(done, who=await _label(admin, identity)))


@admin_action(verbs.ADMINS_REMOVE)
async def remove_admin(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    grant_id = data.get("grant_id")
    if not isinstance(grant_id, int) or isinstance(grant_id, bool):
        return await _admin_list(admin)
    if await _is_own_grant(admin, grant_id):
        text = admin.tx.t("controller.admins.error.self")
        return await _admin_list(admin, text, good=False)
    grant = await admin_store.revoke(admin.session, grant_id, actor=admin.actor, now=admin.now)
    if grant is None:
        return await _admin_list(admin, admin.tx.t("controller.admins.done.gone"))
    audit.record(
        admin.session,
        actor=admin.actor,
        action="admin_rights.revoke",
        target_type="admin",
        target_id=grant.id,
        details={"identity": grant.identity},
    )
    label = await _label(admin, grant.identity, grant.display_name)
    return await _admin_list(admin, admin.tx.t("controller.admins.done.removed", who=label))


async def _is_own_grant(admin: _Admin, grant_id: int) -> bool:
    """An admin does not remove their own rights (and lock the region out by mistake)."""
    grants = {g.id: g.identity for g in await admin_store.current_grants(admin.session)}
    identity = grants.get(grant_id)
    if identity is None:
        return False
    own = {(admin.inbound.user_object_id or "").lower()}
    if admin.person is not None:
        own.add(admin.person.upn.lower())
    return identity in own
