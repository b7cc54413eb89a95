"""The demo's Teams: what the store keeps about the Agents Playground's chats and channel, the
Playground's config, and the connector that stands in for the people it cannot show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cli.demo_command import PLAYGROUND_USERS, DemoData, DemoPerson, playground_config
from demo import demo_teams
from demo.demo_rounds import ensure_demo_rounds
from demo.sample_region import PLAN_KEY, load_sample_region
from demo.teams_standin import ELSEWHERE, DemoConnector
from storage import audit, conversations, steering
from storage.models import ConversationKind, ConversationReference, SteeringGroup
from tests.factories import NOW

PLAYGROUND = demo_teams.connector_url(56150)
TEAMS = "https://smba.trafficmanager.net/emea/"


def _chat(conversation_id: str, service_url: str) -> ConversationReference:
    return ConversationReference(
        conversation_id=conversation_id,
        kind=ConversationKind.PERSONAL,
        service_url=service_url,
        reference={},
    )


async def test_the_demo_keeps_the_playgrounds_fixed_chats_and_forgets_the_made_up_ones(
    session: AsyncSession,
) -> None:
    async with session.begin():
        await load_sample_region(session)
        demo = await ensure_demo_rounds(session, plan_key=PLAN_KEY, now=NOW)
        # A chat an earlier Playground made up, and one in real Teams.
        session.add_all([_chat("a1b2@test.user", PLAYGROUND), _chat("a:1teams", TEAMS)])
        group = await demo_teams.connect_demo_teams(
            session, manager=demo.manager, service_url=PLAYGROUND, now=NOW
        )
    assert await conversations.by_conversation_id(session, "a1b2@test.user") is None
    assert await conversations.by_conversation_id(session, "a:1teams") is not None

    personal = await conversations.personal_reference(session, demo.manager.id)
    assert personal is not None
    assert (personal.conversation_id, personal.service_url) == (
        demo_teams.PERSONAL_CHAT_ID,
        PLAYGROUND,
    )
    # Stored as installed the day before, so the first visit is greeted.
    assert personal.updated_at.replace(tzinfo=None) == (NOW - timedelta(days=1)).replace(
        tzinfo=None
    )
    assert personal.reference["user"]["aadObjectId"] == demo.manager.entra_object_id

    # The channel is the steering group's: the whole plan, no weekly digest.
    assert group.key == demo_teams.STEERING_GROUP_KEY
    channel = await steering.channel_of(session, group)
    assert channel is not None and channel.conversation_id == demo_teams.CHANNEL_ID
    assert (channel.team_id, channel.channel_id) == (demo_teams.TEAM_ID, demo_teams.CHANNEL_ID)
    assert group.scope == {"org_units": ["RS"], "plan_items": []}
    assert group.digest_weekday is None
    assert await steering.groups_for_channel(session, demo_teams.CHANNEL_ID) == [group]


async def test_a_second_start_on_another_port_moves_the_fixed_chats_and_keeps_the_group(
    session: AsyncSession,
) -> None:
    async with session.begin():
        await load_sample_region(session)
        demo = await ensure_demo_rounds(session, plan_key=PLAN_KEY, now=NOW)
        first = await demo_teams.connect_demo_teams(
            session, manager=demo.manager, service_url=PLAYGROUND, now=NOW
        )
    moved = demo_teams.connector_url(56151)
    async with session.begin():
        second = await demo_teams.connect_demo_teams(
            session, manager=demo.manager, service_url=moved, now=NOW + timedelta(hours=2)
        )
    assert second.id == first.id
    assert (await session.execute(select(func.count(SteeringGroup.id)))).scalar_one() == 1
    assert len(await audit.entries(session, action="steering_group.create")) == 1
    for conversation_id in (demo_teams.PERSONAL_CHAT_ID, demo_teams.CHANNEL_ID):
        row = await conversations.by_conversation_id(session, conversation_id)
        assert row is not None
        await session.refresh(row)
        assert row.service_url == moved and row.reference["serviceUrl"] == moved
        # Not taken for a fresh installation: the greeting still comes on the next visit.
        assert row.updated_at.replace(tzinfo=None) == (NOW - timedelta(days=1)).replace(tzinfo=None)


def test_the_playground_config_lists_five_colleagues_by_their_object_ids() -> None:
    people = tuple(
        DemoPerson(f'Anna "A{n}" Berg', f"anna{n}@region-exempel.se", f"oid-{n}")
        for n in range(1, 8)
    )
    demo = DemoData("Ingrid Dahl", "ingrid.dahl@region-exempel.se", "oid-ingrid", "T3", 11, people)
    config = yaml.safe_load(playground_config(demo))
    assert config["currentUser"]["id"] == config["currentUser"]["aadObjectId"] == "oid-ingrid"
    users = config["users"]
    assert len(users) == PLAYGROUND_USERS == 5  # the Playground takes exactly five
    assert [u["name"] for u in users] == [p.name for p in people[:5]]
    assert all(u["id"] == u["aadObjectId"] for u in users)
    assert config["team"]["channels"] == [
        {"id": demo_teams.CHANNEL_ID, "name": demo_teams.CHANNEL_NAME}
    ]
    # Fewer people than that: made-up colleagues fill the list.
    few = yaml.safe_load(playground_config(DemoData("Ingrid Dahl", "i@x.se", "oid", "T3", 1)))
    assert len(few["users"]) == 5


class RecordingConnector:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def create_conversation(
        self, service_url: str, *, tenant_id: str, member_id: str, bot_id: str
    ) -> str:
        self.calls.append(("create", member_id))
        return demo_teams.PERSONAL_CHAT_ID

    async def send_activity(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> str:
        self.calls.append(("send", conversation_id))
        return "1"

    async def update_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        self.calls.append(("update", conversation_id))


async def test_the_demo_connector_posts_the_managers_cards_to_the_playground_only() -> None:
    playground = RecordingConnector()
    connector = DemoConnector(playground, playground_members={"oid-ingrid"})
    card = {"type": "message", "text": "kort"}

    mine = await connector.create_conversation(
        PLAYGROUND, tenant_id="t", member_id="oid-ingrid", bot_id="28:b"
    )
    assert await connector.send_activity(PLAYGROUND, mine, card) == "1"
    await connector.update_activity(PLAYGROUND, demo_teams.CHANNEL_ID, "7", card)

    theirs = await connector.create_conversation(
        PLAYGROUND, tenant_id="t", member_id="oid-erik", bot_id="28:b"
    )
    assert theirs == f"{ELSEWHERE}oid-erik"
    posted = await connector.send_activity(PLAYGROUND, theirs, card)
    await connector.update_activity(PLAYGROUND, theirs, posted, card)

    assert playground.calls == [
        ("create", "oid-ingrid"),
        ("send", demo_teams.PERSONAL_CHAT_ID),
        ("update", demo_teams.CHANNEL_ID),
    ]
    assert posted and [(d.conversation_id, d.activity_id) for d in connector.delivered] == [
        (theirs, posted),
        (theirs, posted),
    ]
