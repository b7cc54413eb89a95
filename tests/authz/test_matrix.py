"""The authorization matrix: every role against every action the bot answers, through the
real endpoint. Only the cells in EXPECTED succeed; every other cell is refused, stores
nothing and shows nothing of Anna's round.

Adding a card verb without classifying it here fails ``test_every_verb_is_classified``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from dialogs.router import all_action_handlers
from storage.models import (
    AuditEntry,
    ConversationKind,
    ConversationReference,
    Person,
    ReportingRound,
    ReportRequest,
    Response,
    SteeringGroup,
)
from tests import cardtools
from tests.admin.authz_rows import ADMIN_ACTIONS
from tests.authz.conftest import ADMIN_NAME, ADMIN_OBJECT_ID
from tests.bot.conftest import BotHarness, new_tenant
from tests.factories import RoundSetup, object_id, open_round, person


class Role(enum.StrEnum):
    OWNER = "manager (owner)"
    DELEGATE = "delegate"
    LINE_MANAGER = "line manager"
    STEERING_MEMBER = "steering-group member"
    ADMIN = "admin"
    UNKNOWN = "unknown person"
    OTHER_TENANT = "other tenant"


EVERYONE = frozenset(Role) - {Role.OTHER_TENANT}
OWNER_AND_DELEGATE = frozenset({Role.OWNER, Role.DELEGATE})

# action -> the roles for which it succeeds. Card actions are named by verb; a verb may have
# several rows ("verb#case"). Text commands are "text:<what the user types>".
EXPECTED: dict[str, frozenset[Role]] = {
    f"{verbs.SUBMIT_STATUS}#delegated item": OWNER_AND_DELEGATE,
    f"{verbs.SUBMIT_STATUS}#owner's own item": frozenset({Role.OWNER}),
    verbs.EDIT_STATUS: OWNER_AND_DELEGATE,
    verbs.SHOW_PAGE: OWNER_AND_DELEGATE,
    "text:hjälp": EVERYONE,
    "text:status": OWNER_AND_DELEGATE,
    "text:mina punkter": frozenset({Role.OWNER}),
    "text:ny runda": frozenset({Role.ADMIN}),
    "text:rundor": frozenset({Role.ADMIN}),
    # Round administration (rows in tests/admin/authz_rows.py): admins only.
    **{verb: frozenset({Role.ADMIN}) for verb in ADMIN_ACTIONS},
}

STEERING_CONVERSATION = "19:styrgrupp-rs@thread.tacv2"
STEERING_TEAM = "19:team-rs@thread.tacv2"


@dataclass
class World:
    bot: BotHarness
    session: AsyncSession
    round: RoundSetup
    actors: dict[Role, Any]


@dataclass
class Attempt:
    """What came back from one action: the HTTP status and everything the user was shown."""

    status: int
    shown: str
    cards: list[dict[str, Any]]


async def build_world(bot: BotHarness, session: AsyncSession) -> World:
    s = await open_round(session)
    lena = await person(session, "Lena Chefsdotter")
    s.owner.line_manager_id = lena.id
    sten = await person(session, "Sten Styrberg")
    ada = await person(session, ADMIN_NAME)
    ada.entra_object_id = ADMIN_OBJECT_ID
    reference = ConversationReference(
        conversation_id=STEERING_CONVERSATION,
        kind=ConversationKind.CHANNEL,
        service_url=bot.service_url,
        team_id=STEERING_TEAM,
        channel_id=STEERING_CONVERSATION,
        reference={},
    )
    session.add(reference)
    await session.flush()
    session.add(
        SteeringGroup(
            key="rs-styrgrupp",
            name="Regionstyrelsens styrgrupp",
            conversation_reference_id=reference.id,
            scope={"org_units": []},
        )
    )
    await session.commit()
    stranger = Person(
        id=None, entra_object_id=object_id(f"okand-{uuid.uuid4()}"), display_name="Okänd Person"
    )
    actors = {
        Role.OWNER: s.owner,
        Role.DELEGATE: s.delegate,
        Role.LINE_MANAGER: lena,
        Role.STEERING_MEMBER: sten,
        Role.ADMIN: ada,
        Role.UNKNOWN: stranger,
        Role.OTHER_TENANT: s.owner,
    }
    return World(bot, session, s, actors)


def _activity(world: World, role: Role, **kw: Any) -> dict[str, Any]:
    """An activity from the actor where they would be: the steering-group member writes in
    the group's channel, the other tenant's user comes from another tenant."""
    if role is Role.OTHER_TENANT:
        return world.bot.activity(user=world.actors[role], tenant_id=new_tenant(), **kw)
    activity = world.bot.activity(user=world.actors[role], **kw)
    if role is Role.STEERING_MEMBER:
        activity["conversation"].update(id=STEERING_CONVERSATION, conversationType="channel")
        activity["channelData"].update(
            team={"id": STEERING_TEAM}, channel={"id": STEERING_CONVERSATION}
        )
    return activity


async def _post(world: World, activity: dict[str, Any]) -> Attempt:
    before = len(world.bot.connector.posted())
    response = await world.bot.post(activity)
    body: Any = None
    if response.content_type == "application/json":
        body = await response.json()
    cards: list[dict[str, Any]] = []
    shown: list[str] = []
    if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
        cards.append(body["value"])
    elif isinstance(body, dict):
        shown.append(str(body))
    for posted in world.bot.connector.posted()[before:]:
        shown.append(posted.get("text") or "")
        cards += [
            a["content"]
            for a in posted.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]
    shown += [cardtools.all_text(card) for card in cards]
    return Attempt(response.status, "\n".join(shown), cards)


async def _card_action(world: World, role: Role, verb: str, data: dict[str, Any]) -> Attempt:
    activity = _activity(
        world,
        role,
        type_="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )
    return await _post(world, activity)


def _card_data(s: RoundSetup) -> dict[str, Any]:
    return {"round_id": s.round.id, "request_id": s.request.id, "page": 1, "revisions": {}}


async def _answers_by(world: World, role: Role, item_id: int) -> int:
    actor_id = world.actors[role].id
    if actor_id is None:
        return 0
    query = select(func.count(Response.id)).where(
        Response.item_id == item_id, Response.answered_by_id == actor_id
    )
    return int((await world.session.execute(query)).scalar_one())


Outcome = tuple[Attempt, bool]
Action = Callable[[World, Role], Awaitable[Outcome]]


async def submit_delegated(world: World, role: Role) -> Outcome:
    s = world.round
    data = _card_data(s) | {
        f"status.{s.risk.id}": "at_risk",
        f"likelihood.{s.risk.id}": "2",
        f"consequence.{s.risk.id}": "3",
    }
    attempt = await _card_action(world, role, verbs.SUBMIT_STATUS, data)
    return attempt, await _answers_by(world, role, s.risk.id) == 1


async def submit_own(world: World, role: Role) -> Outcome:
    s = world.round
    data = _card_data(s) | {f"status.{s.goal.id}": "on_track", f"comment.{s.goal.id}": "Bra."}
    attempt = await _card_action(world, role, verbs.SUBMIT_STATUS, data)
    return attempt, await _answers_by(world, role, s.goal.id) == 1


async def edit(world: World, role: Role) -> Outcome:
    s = world.round
    attempt = await _card_action(world, role, verbs.EDIT_STATUS, _card_data(s))
    fields = {key for card in attempt.cards for key in cardtools.inputs(card)}
    return attempt, f"status.{s.risk.id}" in fields


async def show_page(world: World, role: Role) -> Outcome:
    s = world.round
    attempt = await _card_action(world, role, verbs.SHOW_PAGE, _card_data(s))
    return attempt, s.risk.title in attempt.shown


def text_command(said: str, success: Callable[[World, Attempt], bool]) -> Action:
    async def run(world: World, role: Role) -> Outcome:
        attempt = await _post(world, _activity(world, role, text=said))
        return attempt, attempt.status < 300 and success(world, attempt)

    return run


def _replied(world: World, attempt: Attempt) -> bool:
    return bool(attempt.shown.strip())


def _shows_annas_risk(world: World, attempt: Attempt) -> bool:
    return world.round.risk.title in attempt.shown


def _lists_annas_round(world: World, attempt: Attempt) -> bool:
    return world.round.goal.title in attempt.shown and world.round.round.name in attempt.shown


def _shows_the_round_form(world: World, attempt: Attempt) -> bool:
    return any("name" in cardtools.inputs(card) for card in attempt.cards)


def _lists_the_rounds(world: World, attempt: Attempt) -> bool:
    return bool(attempt.cards) and world.round.round.name in attempt.shown


ACTIONS: dict[str, Action] = {
    f"{verbs.SUBMIT_STATUS}#delegated item": submit_delegated,
    f"{verbs.SUBMIT_STATUS}#owner's own item": submit_own,
    verbs.EDIT_STATUS: edit,
    verbs.SHOW_PAGE: show_page,
    "text:hjälp": text_command("hjälp", _replied),
    "text:status": text_command("status", _shows_annas_risk),
    "text:mina punkter": text_command("mina punkter", _lists_annas_round),
    "text:ny runda": text_command("ny runda", _shows_the_round_form),
    "text:rundor": text_command("rundor", _lists_the_rounds),
    **ADMIN_ACTIONS,
}

# What a refused user must not see: the titles of Anna's items.
SECRET_TITLES = ("Kortare väntetider i vården", "Brist på specialistsjuksköterskor")


async def stored_state(session: AsyncSession) -> dict[str, Any]:
    await session.commit()  # a fresh transaction sees what the bot stored meanwhile

    async def rows(query: Any) -> list[Any]:
        return [tuple(row) for row in (await session.execute(query)).all()]

    return {
        "responses": await rows(select(Response.id, Response.revision).order_by(Response.id)),
        "requests": await rows(select(ReportRequest.id, ReportRequest.person_id)),
        "rounds": await rows(select(ReportingRound.id, ReportingRound.state)),
        "audit": await rows(select(AuditEntry.id, AuditEntry.action)),
    }


def test_every_verb_is_classified() -> None:
    classified = {action.split("#", 1)[0] for action in EXPECTED if not action.startswith("text:")}
    missing = set(all_action_handlers()) - classified
    assert not missing, f"verbs without a row in the authorization matrix: {sorted(missing)}"
    assert set(EXPECTED) == set(ACTIONS)
    assert classified <= set(all_action_handlers()), "a row for a verb that no longer exists"


CELLS = [(action, role) for action in EXPECTED for role in Role]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}|{r}" for a, r in CELLS])
async def test_only_the_allowed_cells_succeed(
    bot: BotHarness, session: AsyncSession, action: str, role: Role
) -> None:
    world = await build_world(bot, session)
    before = await stored_state(session)
    attempt, succeeded = await ACTIONS[action](world, role)
    after = await stored_state(session)

    assert attempt.status < 500, attempt.shown
    if role in EXPECTED[action]:
        assert succeeded, f"{role} should be able to {action}; was shown: {attempt.shown!r}"
        return
    assert not succeeded, f"{role} must not be able to {action}"
    if role is Role.OTHER_TENANT:
        assert attempt.status == 401
        assert bot.connector.calls == []
    else:
        assert attempt.status in (200, 202), attempt.shown
        assert attempt.shown.strip(), "a refusal must say something, not fail silently"
    for title in SECRET_TITLES:
        assert title not in attempt.shown, f"{role} was shown Anna's item {title!r}"
    assert after == before, "a refused action changed what is stored"
