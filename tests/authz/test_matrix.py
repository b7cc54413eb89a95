"""The authorization matrix: every role against every action the bot answers, through the
real endpoint, and every action in each kind of conversation. Only the cells in EXPECTED and
IN_CONVERSATION succeed; every other cell is refused, stores nothing and shows nothing of
Anna's round (in a channel or group chat: nobody's items, answers or comments).

Every card press is derived from a card the bot renders, the way a Teams client sends it
(tests/cardtools.press); a role that was never shown the card replays the one shown to the
person it belongs to. Adding a card verb or a command word without classifying it here
fails ``test_every_verb_is_classified`` or ``test_every_command_word_is_classified``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from cards.review_card import COMMENT_INPUT, create_review_card
from cards.status_card import create_status_card, status_card_page_size
from catalogue import texts
from dialogs import review_delivery
from dialogs.commands import Command
from dialogs.router import all_action_handlers
from services.answering.status_view import build_status_view
from storage.models import (
    AuditEntry,
    ConversationKind,
    ConversationReference,
    OutboxJob,
    OutboxKind,
    OutboxState,
    Person,
    ReportingRound,
    ReportRequest,
    Response,
    ResponseSource,
    Review,
    ReviewEvent,
    ReviewMode,
    RoundItem,
    RoundState,
    SteeringGroup,
    Substitute,
)
from tests import cardtools
from tests.admin.authz_rows import ADMIN_ACTIONS
from tests.authz.conftest import ADMIN_NAME, ADMIN_OBJECT_ID
from tests.bot.conftest import BotHarness, new_tenant
from tests.controller import authz_rows as controller_rows
from tests.factories import NOW, RoundSetup, object_id, open_round, person


class Role(enum.StrEnum):
    OWNER = "manager (owner)"
    DELEGATE = "delegate"
    LINE_MANAGER = "line manager"
    STEERING_MEMBER = "steering-group member"
    ADMIN = "admin"
    # Issue 17: Anna's substitute today, her substitute for a period next summer, and the
    # person who owned her goal in an earlier round.
    SUBSTITUTE = "substitute (in the period)"
    SUBSTITUTE_LATER = "substitute (outside the period)"
    FORMER_OWNER = "former owner"
    UNKNOWN = "unknown person"
    OTHER_TENANT = "other tenant"


EVERYONE = frozenset(Role) - {Role.OTHER_TENANT}
OWNER_AND_DELEGATE = frozenset({Role.OWNER, Role.DELEGATE})
# Anna's substitute answers her card during the period, as she does.
ANSWERERS = frozenset({Role.OWNER, Role.DELEGATE, Role.SUBSTITUTE})
HISTORY_READERS = frozenset(
    {Role.OWNER, Role.LINE_MANAGER, Role.ADMIN, Role.SUBSTITUTE, Role.FORMER_OWNER}
)
KNOWN = EVERYONE - {Role.UNKNOWN}
# Whom the substitute rows name: a colleague of everyone's in the matrix.
STAND_IN = "Vera Vikarie"

# action -> the roles for which it succeeds. Card actions are named by verb; a verb may have
# several rows ("verb#case"). Text commands are "text:<what the user types>".
EXPECTED: dict[str, frozenset[Role]] = {
    f"{verbs.SUBMIT_STATUS}#delegated item": ANSWERERS,
    f"{verbs.SUBMIT_STATUS}#owner's own item": frozenset({Role.OWNER, Role.SUBSTITUTE}),
    verbs.EDIT_STATUS: ANSWERERS,
    verbs.SHOW_PAGE: ANSWERERS,
    # An item's history (issue 17): its owner (and its delegate: Bo's is the risk, not the
    # goal), the owner's line manager and admins.
    verbs.SHOW_HISTORY: HISTORY_READERS,
    "text:historik M1": HISTORY_READERS,
    # Review (issue 17): Anna's answers wait for Lena, her line manager, who alone decides.
    verbs.REVIEW_APPROVE: frozenset({Role.LINE_MANAGER}),
    verbs.REVIEW_RETURN: frozenset({Role.LINE_MANAGER}),
    "text:hjälp": EVERYONE,
    "text:status": ANSWERERS,
    # Substitutes (issue 17): anyone known names their own in their 1:1 chat (the steering
    # member writes in the channel, where it is only a pointer); admins for anyone.
    f"text:ersättare {STAND_IN} 1 juli–15 aug": KNOWN - {Role.STEERING_MEMBER},
    f"text:ersättare för Anna Lindqvist: {STAND_IN} 1 juli–15 aug": frozenset({Role.ADMIN}),
    "text:mina punkter": frozenset({Role.OWNER}),
    "text:ny runda": frozenset({Role.ADMIN}),
    "text:rundor": frozenset({Role.ADMIN}),
    # Channel commands: the steering-group member writes in the group's channel; in a 1:1
    # chat they are not commands. Admins bind a channel from within it (IN_CONVERSATION),
    # so from anyone's usual place binding fails.
    "text:sammanfattning": frozenset({Role.STEERING_MEMBER}),
    "text:koppla styrgrupp rs-styrgrupp": frozenset(),
    # Round administration (rows in tests/admin/authz_rows.py): admins only.
    **{verb: frozenset({Role.ADMIN}) for verb in ADMIN_ACTIONS},
    # The planning controller's set-up (tests/controller/authz_rows.py): admins only.
    **controller_rows.expected(Role.ADMIN),
}

PERSONAL, CHANNEL, GROUP_CHAT = (
    ConversationKind.PERSONAL,
    ConversationKind.CHANNEL,
    ConversationKind.GROUP_CHAT,
)
PERSONAL_ONLY = frozenset({PERSONAL})
ANYWHERE = frozenset(ConversationKind)

# action -> (who tries it, the kinds of conversation where it succeeds). A person's items,
# answers and comments are shown in their 1:1 chat only; help answers everywhere, each
# conversation with its own commands; the digest and binding belong to a channel.
IN_CONVERSATION: dict[str, tuple[Role, frozenset[ConversationKind]]] = {
    f"{verbs.SUBMIT_STATUS}#delegated item": (Role.DELEGATE, PERSONAL_ONLY),
    f"{verbs.SUBMIT_STATUS}#owner's own item": (Role.OWNER, PERSONAL_ONLY),
    verbs.EDIT_STATUS: (Role.OWNER, PERSONAL_ONLY),
    verbs.SHOW_PAGE: (Role.OWNER, PERSONAL_ONLY),
    verbs.SHOW_HISTORY: (Role.OWNER, PERSONAL_ONLY),
    "text:historik M1": (Role.OWNER, PERSONAL_ONLY),
    verbs.REVIEW_APPROVE: (Role.LINE_MANAGER, PERSONAL_ONLY),
    verbs.REVIEW_RETURN: (Role.LINE_MANAGER, PERSONAL_ONLY),
    "text:hjälp": (Role.OWNER, ANYWHERE),
    "text:status": (Role.OWNER, PERSONAL_ONLY),
    f"text:ersättare {STAND_IN} 1 juli–15 aug": (Role.OWNER, PERSONAL_ONLY),
    f"text:ersättare för Anna Lindqvist: {STAND_IN} 1 juli–15 aug": (Role.ADMIN, PERSONAL_ONLY),
    "text:mina punkter": (Role.OWNER, PERSONAL_ONLY),
    "text:sammanfattning": (Role.STEERING_MEMBER, frozenset({CHANNEL})),
    "text:koppla styrgrupp rs-styrgrupp": (Role.ADMIN, frozenset({CHANNEL})),
    # Round administration shows rounds and counts, nobody's answers: an admin may run it
    # wherever they write (LAGESBOT_ADMINS is checked on every message and button).
    "text:ny runda": (Role.ADMIN, ANYWHERE),
    "text:rundor": (Role.ADMIN, ANYWHERE),
    **{verb: (Role.ADMIN, ANYWHERE) for verb in ADMIN_ACTIONS},
    **controller_rows.in_conversation(Role.ADMIN),
}
# What a steering group's channel is for: its digest shows the items needing attention with
# their owners' comments, by design.
SHOWS_THE_GROUPS_DIGEST = frozenset({"text:sammanfattning"})

STEERING_CONVERSATION = "19:styrgrupp-rs@thread.tacv2"
STEERING_TEAM = "19:team-rs@thread.tacv2"
GROUP_CHAT_CONVERSATION = "19:planeringsgruppen@thread.v2"
# Anna's comment on her goal: no one else may see it outside her 1:1 chat.
SECRET_COMMENT = "Internt: två vakanser på avdelning 12."


@dataclass
class World:
    bot: BotHarness
    session: AsyncSession
    round: RoundSetup
    actors: dict[Role, Any]
    # The status cards as the bot renders them for Anna and for Bo (her delegate).
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Where the actors write; None = each where they usually are (see _activity).
    kind: ConversationKind | None = None
    # A round waiting to open, so "Öppna nu" is on the admin's round list.
    scheduled: ReportingRound | None = None


@dataclass
class Attempt:
    """What came back from one action: the HTTP status, everything the user was shown, the
    kind of conversation it came from and how many Bot Connector calls it caused."""

    status: int
    shown: str
    cards: list[dict[str, Any]]
    kind: ConversationKind = PERSONAL
    connector_calls: int = 0


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
    await _answered_and_waiting(session, s)
    scheduled = await _scheduled_round(session, s)
    stand_ins = await _stand_ins(session, s)
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
        **stand_ins,
        Role.UNKNOWN: stranger,
        Role.OTHER_TENANT: s.owner,
    }
    world = World(bot, session, s, actors, scheduled=scheduled)
    world.cards = await _status_cards(world)
    world.cards["review"] = await _review_card(session, s, lena)
    return world


async def _review_card(session: AsyncSession, s: RoundSetup, lena: Person) -> dict[str, Any]:
    """Anna's complete answers, submitted for review to Lena, as Lena's card shows them."""
    s.round.review = ReviewMode.LINE_MANAGER
    submitted = Review(
        round_id=s.round.id, owner_id=s.owner.id, reviewer_id=lena.id,
        event=ReviewEvent.SUBMITTED, actor_id=s.owner.id,
        revisions={str(i.id): 1 for i in (s.goal, s.indicator, s.risk)}, at=NOW,
    )  # fmt: skip
    session.add(submitted)
    await session.commit()
    view = await review_delivery.review_view(session, submitted, lena, "sv")
    return create_review_card(view)


async def _answered_and_waiting(session: AsyncSession, s: RoundSetup) -> None:
    """Anna has answered all three items (with a comment on her goal), and Cecilia's card
    failed to go out, so "Försök igen" is on the admin's round list."""
    answers = [
        (s.goal, "on_track", None, None, SECRET_COMMENT),
        (s.indicator, "deviation", None, None, None),
        (s.risk, "at_risk", 3, 4, None),
    ]
    for item, status, likelihood, consequence, comment in answers:
        session.add(
            Response(
                round_id=s.round.id,
                item_id=item.id,
                request_id=s.request.id,
                revision=1,
                status_key=status,
                likelihood=likelihood,
                consequence=consequence,
                comment=comment,
                value=72 if item is s.indicator else None,
                answered_by_id=s.owner.id,
                answered_at=NOW - timedelta(hours=1),
                source=ResponseSource.TEAMS_CARD,
            )
        )
    session.add(
        OutboxJob(
            kind=OutboxKind.REQUEST,
            dedupe_key=f"request:{s.other_request.id}",
            round_id=s.round.id,
            request_id=s.other_request.id,
            person_id=s.other.id,
            state=OutboxState.FAILED,
            last_status=403,
            last_error="Forbidden: the user blocked the bot",
        )
    )


async def _stand_ins(session: AsyncSession, s: RoundSetup) -> dict[Role, Person]:
    """Sara stands in for Anna this week, Sigge next summer; Frida owned Anna's goal in an
    earlier round (and answered it there)."""
    sara = await person(session, "Sara Ersättare")
    sigge = await person(session, "Sigge Sommarvikarie")
    frida = await person(session, "Frida Förra")
    await person(session, STAND_IN)
    for who, starts, ends in (
        (sara, date(2026, 11, 20), date(2026, 12, 10)),
        (sigge, date(2027, 7, 1), date(2027, 8, 15)),
    ):
        session.add(
            Substitute(
                owner_id=s.owner.id,
                substitute_id=who.id,
                starts_on=starts,
                ends_on=ends,
                created_by="test",
            )
        )
    earlier = ReportingRound(
        key=f"{s.round.key}-t1",
        name="Tertial 1 2026",
        plan_id=s.round.plan_id,
        state=RoundState.CLOSED,
        opens_at=NOW - timedelta(days=200),
        deadline_at=NOW - timedelta(days=190),
        closed_at=NOW - timedelta(days=180),
        status_scale_id=s.round.status_scale_id,
    )
    session.add(earlier)
    await session.flush()
    session.add(RoundItem(round_id=earlier.id, item_id=s.goal.id, owner_id=frida.id))
    return {Role.SUBSTITUTE: sara, Role.SUBSTITUTE_LATER: sigge, Role.FORMER_OWNER: frida}


async def _scheduled_round(session: AsyncSession, s: RoundSetup) -> ReportingRound:
    scheduled = ReportingRound(
        key="tertial-3-2026",
        name="Tertial 3 2026",
        plan_id=s.round.plan_id,
        state=RoundState.SCHEDULED,
        opens_at=NOW + timedelta(days=20),
        deadline_at=NOW + timedelta(days=34),
        status_scale_id=s.round.status_scale_id,
        risk_scale_id=s.round.risk_scale_id,
    )
    session.add(scheduled)
    await session.flush()
    return scheduled


async def _status_cards(world: World) -> dict[str, dict[str, Any]]:
    """Anna's card as it is posted to her (every item answered: Ändra), the form Ändra turns
    it into, the same card paged one item a page, and the form Bo gets for her risk."""
    s, session = world.round, world.session

    async def card(viewer: Person, *, editing: bool, page_size: Any) -> dict[str, Any]:
        view = await build_status_view(
            session,
            request=s.request,
            rnd=s.round,
            person=s.owner,
            language="sv",
            now=NOW,
            page_size=page_size,
            viewer=viewer,
        )
        return create_status_card(view, editing=editing)

    return {
        "owner": await card(s.owner, editing=False, page_size=status_card_page_size),
        "owner form": await card(s.owner, editing=True, page_size=status_card_page_size),
        "owner paged": await card(s.owner, editing=False, page_size=1),
        "delegate form": await card(s.delegate, editing=True, page_size=status_card_page_size),
    }


def _kind_of(world: World, role: Role) -> ConversationKind:
    if world.kind is not None:
        return world.kind
    return CHANNEL if role is Role.STEERING_MEMBER else PERSONAL


def _activity(world: World, role: Role, **kw: Any) -> dict[str, Any]:
    """An activity from the actor where they write (world.kind), or else where they would
    be: the steering-group member in the group's channel, everyone else in their 1:1 chat;
    the other tenant's user comes from another tenant."""
    if role is Role.OTHER_TENANT:
        return world.bot.activity(user=world.actors[role], tenant_id=new_tenant(), **kw)
    activity = world.bot.activity(user=world.actors[role], **kw)
    kind = _kind_of(world, role)
    if kind is CHANNEL:
        activity["conversation"].update(id=STEERING_CONVERSATION, conversationType="channel")
        activity["channelData"].update(
            team={"id": STEERING_TEAM}, channel={"id": STEERING_CONVERSATION}
        )
    elif kind is GROUP_CHAT:
        activity["conversation"].update(id=GROUP_CHAT_CONVERSATION, conversationType="groupChat")
    return activity


def _conversation_kind(activity: dict[str, Any]) -> ConversationKind:
    if (activity.get("channelData") or {}).get("team"):
        return CHANNEL
    if activity["conversation"].get("conversationType") == "groupChat":
        return GROUP_CHAT
    return PERSONAL


async def _post(world: World, activity: dict[str, Any]) -> Attempt:
    before = len(world.bot.connector.posted())
    calls_before = len(world.bot.connector.calls)
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
    calls = len(world.bot.connector.calls) - calls_before
    return Attempt(response.status, "\n".join(shown), cards, _conversation_kind(activity), calls)


async def _card_action(world: World, role: Role, verb: str, data: dict[str, Any]) -> Attempt:
    activity = _activity(
        world,
        role,
        type_="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )
    return await _post(world, activity)


async def _answers_by(world: World, role: Role, item_id: int) -> int:
    await world.session.commit()  # a fresh transaction sees what the bot stored meanwhile
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
    """Skicka on Bo's card for Anna's risk, with a new assessment."""
    s = world.round
    typed = {
        f"status.{s.risk.id}": "deviation",
        f"likelihood.{s.risk.id}": "2",
        f"consequence.{s.risk.id}": "3",
    }
    data = cardtools.press(world.cards["delegate form"], verbs.SUBMIT_STATUS, typed)
    before = await _answers_by(world, role, s.risk.id)
    attempt = await _card_action(world, role, verbs.SUBMIT_STATUS, data)
    return attempt, await _answers_by(world, role, s.risk.id) == before + 1


async def submit_own(world: World, role: Role) -> Outcome:
    """Skicka on Anna's card with a new status and comment for her goal."""
    s = world.round
    typed = {f"status.{s.goal.id}": "deviation", f"comment.{s.goal.id}": "Bra."}
    data = cardtools.press(world.cards["owner form"], verbs.SUBMIT_STATUS, typed)
    before = await _answers_by(world, role, s.goal.id)
    attempt = await _card_action(world, role, verbs.SUBMIT_STATUS, data)
    return attempt, await _answers_by(world, role, s.goal.id) == before + 1


async def edit(world: World, role: Role) -> Outcome:
    s = world.round
    data = cardtools.press(world.cards["owner"], verbs.EDIT_STATUS)
    attempt = await _card_action(world, role, verbs.EDIT_STATUS, data)
    fields = {key for card in attempt.cards for key in cardtools.inputs(card)}
    return attempt, f"status.{s.risk.id}" in fields


async def show_page(world: World, role: Role) -> Outcome:
    s = world.round
    data = cardtools.press(world.cards["owner paged"], verbs.SHOW_PAGE)
    attempt = await _card_action(world, role, verbs.SHOW_PAGE, data)
    return attempt, s.risk.title in attempt.shown


async def show_history(world: World, role: Role) -> Outcome:
    """Visa historik under Anna's goal on her recorded card."""
    s = world.round
    data = cardtools.press(world.cards["owner"], verbs.SHOW_HISTORY, match={"item_id": s.goal.id})
    attempt = await _card_action(world, role, verbs.SHOW_HISTORY, data)
    return attempt, _shows_the_goals_history(world, attempt)


async def review_approve(world: World, role: Role) -> Outcome:
    data = cardtools.press(world.cards["review"], verbs.REVIEW_APPROVE)
    attempt = await _card_action(world, role, verbs.REVIEW_APPROVE, data)
    return attempt, "Fastställd av Lena Chefsdotter" in attempt.shown


async def review_return(world: World, role: Role) -> Outcome:
    typed = {COMMENT_INPUT: "Komplettera risken."}
    data = cardtools.press(world.cards["review"], verbs.REVIEW_RETURN, typed)
    attempt = await _card_action(world, role, verbs.REVIEW_RETURN, data)
    return attempt, "Skickad tillbaka av Lena Chefsdotter" in attempt.shown


def _shows_the_goals_history(world: World, attempt: Attempt) -> bool:
    return f"Historik – {world.round.goal.title}" in attempt.shown


def text_command(said: str, success: Callable[[World, Attempt], bool]) -> Action:
    async def run(world: World, role: Role) -> Outcome:
        attempt = await _post(world, _activity(world, role, text=said))
        return attempt, attempt.status < 300 and success(world, attempt)

    return run


def _help_for_here(world: World, attempt: Attempt) -> bool:
    """The help of the conversation it was asked in: the 1:1 commands in the 1:1 chat, the
    channel's commands in a channel, and in a group chat that nothing is shown there."""
    tx = texts.for_language("sv")
    one_to_one = tx.t("help.command.status") in attempt.shown
    if attempt.kind is PERSONAL:
        return one_to_one
    if attempt.kind is CHANNEL:
        return not one_to_one and tx.t("shared.help.digest") in attempt.shown
    return not one_to_one and tx.t("shared.help.group_chat") in attempt.shown


def _shows_annas_risk(world: World, attempt: Attempt) -> bool:
    return world.round.risk.title in attempt.shown


def _lists_annas_round(world: World, attempt: Attempt) -> bool:
    return world.round.goal.title in attempt.shown and world.round.round.name in attempt.shown


def _shows_the_round_form(world: World, attempt: Attempt) -> bool:
    return any("name" in cardtools.inputs(card) for card in attempt.cards)


def _lists_the_rounds(world: World, attempt: Attempt) -> bool:
    return bool(attempt.cards) and world.round.round.name in attempt.shown


def _shows_the_groups_digest(world: World, attempt: Attempt) -> bool:
    return "Lägesöversikt – Regionstyrelsens styrgrupp" in attempt.shown


def _named_a_substitute(world: World, attempt: Attempt) -> bool:
    return f"{STAND_IN} är din ersättare" in attempt.shown


def _named_annas_substitute(world: World, attempt: Attempt) -> bool:
    return f"{STAND_IN} är ersättare för Anna Lindqvist" in attempt.shown


def _bound_the_channel(world: World, attempt: Attempt) -> bool:
    return "Kanalen är nu kopplad till styrgruppen" in attempt.shown


ACTIONS: dict[str, Action] = {
    f"{verbs.SUBMIT_STATUS}#delegated item": submit_delegated,
    f"{verbs.SUBMIT_STATUS}#owner's own item": submit_own,
    verbs.EDIT_STATUS: edit,
    verbs.SHOW_PAGE: show_page,
    verbs.SHOW_HISTORY: show_history,
    verbs.REVIEW_APPROVE: review_approve,
    verbs.REVIEW_RETURN: review_return,
    "text:historik M1": text_command("historik M1", _shows_the_goals_history),
    "text:hjälp": text_command("hjälp", _help_for_here),
    "text:status": text_command("status", _shows_annas_risk),
    "text:mina punkter": text_command("mina punkter", _lists_annas_round),
    "text:ny runda": text_command("ny runda", _shows_the_round_form),
    "text:rundor": text_command("rundor", _lists_the_rounds),
    "text:sammanfattning": text_command("sammanfattning", _shows_the_groups_digest),
    "text:koppla styrgrupp rs-styrgrupp": text_command(
        "koppla styrgrupp rs-styrgrupp", _bound_the_channel
    ),
    f"text:ersättare {STAND_IN} 1 juli–15 aug": text_command(
        f"ersättare {STAND_IN} 1 juli–15 aug", _named_a_substitute
    ),
    f"text:ersättare för Anna Lindqvist: {STAND_IN} 1 juli–15 aug": text_command(
        f"ersättare för Anna Lindqvist: {STAND_IN} 1 juli–15 aug", _named_annas_substitute
    ),
    **ADMIN_ACTIONS,
    **controller_rows.CONTROLLER_ACTIONS,
}

# What a refused user must not see: the titles of Anna's items and her comment.
SECRET_TITLES = ("Kortare väntetider i vården", "Brist på specialistsjuksköterskor")
SECRETS = (*SECRET_TITLES, SECRET_COMMENT)


async def stored_state(session: AsyncSession) -> dict[str, Any]:
    await session.commit()  # a fresh transaction sees what the bot stored meanwhile

    async def rows(query: Any) -> list[Any]:
        return [tuple(row) for row in (await session.execute(query)).all()]

    return {
        "responses": await rows(select(Response.id, Response.revision).order_by(Response.id)),
        "requests": await rows(select(ReportRequest.id, ReportRequest.person_id)),
        "rounds": await rows(select(ReportingRound.id, ReportingRound.state)),
        "audit": await rows(select(AuditEntry.id, AuditEntry.action)),
        "substitutes": await rows(select(Substitute.id, Substitute.ended_at)),
        "reviews": await rows(select(Review.id, Review.event)),
    }


def test_every_verb_is_classified() -> None:
    classified = {
        action.split("#", 1)[0] for action in EXPECTED if not action.startswith(("text:", "file:"))
    }
    missing = set(all_action_handlers()) - classified
    assert not missing, f"verbs without a row in the authorization matrix: {sorted(missing)}"
    assert set(EXPECTED) == set(ACTIONS)
    assert set(IN_CONVERSATION) == set(ACTIONS), "classify every action per conversation kind"
    assert classified <= set(all_action_handlers()), "a row for a verb that no longer exists"


def test_every_command_word_is_classified() -> None:
    """Every command the bot documents (help, the admin's and the channel's) has a row."""
    tx = texts.for_language("sv")
    words = {tx.t(f"command.{command.value}") for command in Command} | {
        tx.t(msgid)
        for msgid in (
            "admin.help.new_round.command",
            "admin.help.rounds.command",
            "command.history",
            "command.substitute",
            "digest.command.digest",
            "digest.command.bind",
            "admin.help.new_group.command",
            "admin.help.groups.command",
            "admin.help.admins.command",
        )
    }
    rows = {action.removeprefix("text:") for action in EXPECTED if action.startswith("text:")}
    missing = [w for w in words if not any(r == w or r.startswith(w + " ") for r in rows)]
    assert not missing, f"commands without a row in the authorization matrix: {sorted(missing)}"


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
        assert attempt.connector_calls == 0
    else:
        assert attempt.status in (200, 202), attempt.shown
        assert attempt.shown.strip(), "a refusal must say something, not fail silently"
    for secret in SECRETS:
        assert secret not in attempt.shown, f"{role} was shown Anna's {secret!r}"
    assert after == before, "a refused action changed what is stored"


KIND_CELLS = [(action, kind) for action in IN_CONVERSATION for kind in ConversationKind]


@pytest.mark.parametrize(
    ("action", "kind"), KIND_CELLS, ids=[f"{a}|{k.value}" for a, k in KIND_CELLS]
)
async def test_in_a_shared_conversation_nothing_personal_is_shown(
    bot: BotHarness, session: AsyncSession, action: str, kind: ConversationKind
) -> None:
    world = replace(await build_world(bot, session), kind=kind)
    role, allowed = IN_CONVERSATION[action]
    before = await stored_state(session)
    attempt, succeeded = await ACTIONS[action](world, role)
    after = await stored_state(session)

    assert attempt.status in (200, 202), attempt.shown
    assert attempt.shown.strip(), "every answer says something"
    if kind is not PERSONAL and action not in SHOWS_THE_GROUPS_DIGEST:
        for secret in SECRETS:
            assert secret not in attempt.shown, f"{action} in a {kind} showed {secret!r}"
    if kind in allowed:
        assert succeeded, f"{action} should work in a {kind}; was shown: {attempt.shown!r}"
        return
    assert not succeeded, f"{action} must not work in a {kind}"
    assert after == before, f"{action} in a {kind} changed what is stored"
