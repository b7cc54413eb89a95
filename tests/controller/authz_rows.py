"""Rows of the authorization matrix (tests/authz/test_matrix.py) for the planning
controller's commands and verbs: only the admin succeeds; everyone else is refused, stores
nothing and sees nothing. Each press is derived from a card the bot showed the admin; others
replay it. The matrix's helpers are imported when a row runs (the matrix imports this)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from cards import controller_cards as cc
from cards import verbs
from storage.models import (
    AdminGrant,
    ConversationKind,
    OrgUnit,
    PendingImport,
    PendingImportState,
    SteeringGroup,
)
from tests import cardtools
from tests.fakes import teams_files
from tests.fakes.teams_files import TeamsFiles

Outcome = tuple[Any, bool]
Row = Callable[[Any, Any], Awaitable[Outcome]]
GROUP = "Regionstyrelsens styrgrupp"


def _matrix() -> Any:
    from tests.authz import test_matrix

    return test_matrix


def _admin_role() -> Any:
    return _matrix().Role.ADMIN


async def _admin_card(world: Any, text: str, *, channel: bool = False, **kw: Any) -> dict[str, Any]:
    """The card the bot answers the admin with (in the group's channel if asked)."""
    m = _matrix()
    kind = ConversationKind.CHANNEL if channel else ConversationKind.PERSONAL
    as_admin = replace(world, kind=kind)
    attempt = await m._post(as_admin, m._activity(as_admin, _admin_role(), text=text, **kw))
    [card] = attempt.cards
    return dict(card)


async def _press(world: Any, role: Any, verb: str, data: dict[str, Any]) -> Any:
    return await _matrix()._card_action(world, role, verb, data)


async def _count(world: Any, query: Any) -> int:
    await world.session.commit()
    return int((await world.session.execute(query)).scalar_one())


async def _with_file(world: Any, run: Callable[[TeamsFiles], Awaitable[Outcome]]) -> Outcome:
    files = TeamsFiles()
    server = await teams_files.start(files)
    try:
        return await run(files)
    finally:
        await server.close()


async def send_file(world: Any, role: Any) -> Outcome:
    async def run(files: TeamsFiles) -> Outcome:
        m = _matrix()
        attachment = files.attachment("org.csv", b"nyckel,namn\nMATRIX,Matrisenheten\n")
        attempt = await m._post(world, m._activity(world, role, text="", attachments=[attachment]))
        return attempt, "Import av organisation" in attempt.shown

    return await _with_file(world, run)


async def _preview(world: Any, files: TeamsFiles) -> dict[str, Any]:
    attachment = files.attachment("org.csv", b"nyckel,namn\nMATRIX,Matrisenheten\n")
    return await _admin_card(world, "", attachments=[attachment])


async def confirm_import(world: Any, role: Any) -> Outcome:
    async def run(files: TeamsFiles) -> Outcome:
        card = await _preview(world, files)
        data = cardtools.press(card, verbs.CONTROLLER_IMPORT)
        attempt = await _press(world, role, verbs.CONTROLLER_IMPORT, data)
        stored = await _count(world, select(func.count()).where(OrgUnit.key == "MATRIX"))
        return attempt, stored == 1

    return await _with_file(world, run)


async def cancel_import(world: Any, role: Any) -> Outcome:
    async def run(files: TeamsFiles) -> Outcome:
        card = await _preview(world, files)
        data = cardtools.press(card, verbs.CONTROLLER_CANCEL)
        attempt = await _press(world, role, verbs.CONTROLLER_CANCEL, data)
        query = select(func.count(PendingImport.id)).where(
            PendingImport.state == PendingImportState.CANCELLED
        )
        return attempt, await _count(world, query) == 1

    return await _with_file(world, run)


async def _groups(world: Any, *, active: bool = True) -> int:
    query = select(func.count(SteeringGroup.id)).where(SteeringGroup.active.is_(active))
    return await _count(world, query)


async def save_group(world: Any, role: Any) -> Outcome:
    form = await _admin_card(world, "ny styrgrupp", channel=True)
    data = cardtools.press(form, verbs.STEERING_SAVE, {cc.GROUP_NAME: "Matrisgruppen"})
    attempt = await _press(world, role, verbs.STEERING_SAVE, data)
    return attempt, await _groups(world) == 2


async def list_groups(world: Any, role: Any) -> Outcome:
    form = await _admin_card(world, "ny styrgrupp", channel=True)
    attempt = await _press(
        world, role, verbs.STEERING_LIST, cardtools.press(form, verbs.STEERING_LIST)
    )
    return attempt, GROUP in attempt.shown and bool(attempt.cards)


async def _group_list(world: Any) -> dict[str, Any]:
    return await _admin_card(world, "styrgrupper")


async def edit_group(world: Any, role: Any) -> Outcome:
    data = cardtools.press(await _group_list(world), verbs.STEERING_EDIT)
    attempt = await _press(world, role, verbs.STEERING_EDIT, data)
    names = [cardtools.inputs(c).get(cc.GROUP_NAME, {}).get("value") for c in attempt.cards]
    return attempt, GROUP in names


async def confirm_remove_group(world: Any, role: Any) -> Outcome:
    data = cardtools.press(await _group_list(world), verbs.STEERING_CONFIRM_REMOVE)
    attempt = await _press(world, role, verbs.STEERING_CONFIRM_REMOVE, data)
    return attempt, "Ta bort styrgruppen?" in attempt.shown


async def remove_group(world: Any, role: Any) -> Outcome:
    listed = await _group_list(world)
    confirm = await _press(
        world,
        _admin_role(),
        verbs.STEERING_CONFIRM_REMOVE,
        cardtools.press(listed, verbs.STEERING_CONFIRM_REMOVE),
    )
    data = cardtools.press(confirm.cards[0], verbs.STEERING_REMOVE)
    attempt = await _press(world, role, verbs.STEERING_REMOVE, data)
    return attempt, await _groups(world, active=False) == 1


async def _grants(world: Any) -> int:
    query = select(func.count(AdminGrant.id)).where(AdminGrant.removed_at.is_(None))
    return await _count(world, query)


async def add_admin(world: Any, role: Any) -> Outcome:
    card = await _admin_card(world, "administratörer")
    typed = {cc.ADMIN_IDENTITY: "lena.chefsdotter@region-exempel.se"}
    attempt = await _press(
        world, role, verbs.ADMINS_ADD, cardtools.press(card, verbs.ADMINS_ADD, typed)
    )
    return attempt, await _grants(world) == 1


async def remove_admin(world: Any, role: Any) -> Outcome:
    # A grant made earlier (stored directly: the matrix compares audit rows around the press).
    world.session.add(AdminGrant(identity="lena.chefsdotter@region-exempel.se", added_by="test"))
    await world.session.commit()
    card = await _admin_card(world, "administratörer")
    data = cardtools.press(card, verbs.ADMINS_REMOVE)
    attempt = await _press(world, role, verbs.ADMINS_REMOVE, data)
    return attempt, await _grants(world) == 0


def _says(text: str, success: Callable[[Any], bool]) -> Row:
    async def run(world: Any, role: Any) -> Outcome:
        m = _matrix()
        attempt = await m._post(world, m._activity(world, role, text=text))
        return attempt, attempt.status < 300 and success(attempt)

    return run


def _shows_group_form(attempt: Any) -> bool:
    return any(cc.GROUP_NAME in cardtools.inputs(card) for card in attempt.cards)


def _lists_groups(attempt: Any) -> bool:
    return bool(attempt.cards) and GROUP in attempt.shown


def _lists_admins(attempt: Any) -> bool:
    return any(cc.ADMIN_IDENTITY in cardtools.inputs(card) for card in attempt.cards)


CONTROLLER_ACTIONS: dict[str, Row] = {
    "text:ny styrgrupp": _says("ny styrgrupp", _shows_group_form),
    "text:styrgrupper": _says("styrgrupper", _lists_groups),
    "text:administratörer": _says("administratörer", _lists_admins),
    "file:org.csv": send_file,
    verbs.CONTROLLER_IMPORT: confirm_import,
    verbs.CONTROLLER_CANCEL: cancel_import,
    verbs.STEERING_SAVE: save_group,
    verbs.STEERING_LIST: list_groups,
    verbs.STEERING_EDIT: edit_group,
    verbs.STEERING_CONFIRM_REMOVE: confirm_remove_group,
    verbs.STEERING_REMOVE: remove_group,
    verbs.ADMINS_ADD: add_admin,
    verbs.ADMINS_REMOVE: remove_admin,
}
# "ny styrgrupp" works in a channel only, so from the admin's 1:1 chat it fails; a file is
# read in the 1:1 chat only; everything else works for admins wherever they write.
WHERE: dict[str, frozenset[ConversationKind]] = {
    "text:ny styrgrupp": frozenset({ConversationKind.CHANNEL}),
    "file:org.csv": frozenset({ConversationKind.PERSONAL}),
}


def expected(admin: Any) -> dict[str, frozenset[Any]]:
    """Who succeeds from where they usually write (the admin: their 1:1 chat)."""
    return {
        action: frozenset() if action == "text:ny styrgrupp" else frozenset({admin})
        for action in CONTROLLER_ACTIONS
    }


def in_conversation(admin: Any) -> dict[str, tuple[Any, frozenset[ConversationKind]]]:
    everywhere = frozenset(ConversationKind)
    return {action: (admin, WHERE.get(action, everywhere)) for action in CONTROLLER_ACTIONS}
