"""Leavers flagged to admins in Teams: the people sync (scheduled or `lagesbot sync people`)
against the Graph fake marks someone as left who still owns items in an open and a scheduled
round; each admin with a 1:1 chat gets one notice card through the outbox and a local Bot
Connector, naming the leaver and their items, and a second sync sends nothing again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards.leaver_card import (
    LISTED_ITEMS_PER_LEAVER,
    LeaverItem,
    LeaverNoticeView,
    LeaverView,
    create_leaver_notice_card,
)
from cards.paging import DEFAULT_BUDGET_BYTES, card_size
from catalogue.texts import for_language
from services.followup import rounds
from services.graph.jobs import GraphJobSettings
from storage import people as people_store
from storage.models import (
    ItemKind,
    OutboxJob,
    OutboxKind,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    RoundState,
    StatusScale,
)
from tests import cardtools
from tests.factories import NOW
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector
from tests.graph.conftest import GROUP_ID, GraphSetup
from tests.graph.test_cli import run
from tests.graph.test_graph_jobs import SYNC, tick
from tests.graph.test_people_sync import ANDERS, KARIN, MARIA, directory
from tests.rounds.builders import remember_chat
from tests.rounds.conftest import Teams

SV = for_language("sv")
EN = for_language("en")
ANDERS_TITLES = [f"Mål {n}: Kortare väntetider, etapp {n}" for n in range(1, 6)]


@pytest_asyncio.fixture(loop_scope="session")
async def teams(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Teams]:
    """A local Bot Connector and senders pointed at it (as in tests/rounds)."""
    connector = BotConnector()
    server = await bot_connector.start(connector)
    try:
        async with aiohttp.ClientSession() as http:
            url = str(server.make_url("")).rstrip("/") + "/"
            yield Teams(connector, url, http, session_factory)
    finally:
        await server.close()


@dataclass
class Owned:
    anders: Person
    karin: Person
    open_round: ReportingRound


async def person(session: AsyncSession, object_id: str) -> Person:
    found = await people_store.get_by_entra_id(session, object_id)
    assert found is not None
    return found


async def anders_owns_items(session: AsyncSession) -> Owned:
    """After the first sync: Anders owns five goals, asked about in an open round and in a
    scheduled one; Karin owns one (she stays)."""
    anders, karin = await person(session, ANDERS), await person(session, KARIN)
    plan = Plan(key="rs-vp-2027", name="Regionstyrelsens verksamhetsplan 2027")
    session.add(plan)
    await session.flush()
    for n, title in enumerate(ANDERS_TITLES, start=1):
        session.add(
            PlanItem(
                plan_id=plan.id,
                key=f"M{n}",
                kind=ItemKind.GOAL,
                title=title,
                owner_id=anders.id,
                position=n,
            )
        )
    session.add(
        PlanItem(
            plan_id=plan.id,
            key="M9",
            kind=ItemKind.GOAL,
            title="Karins mål",
            owner_id=karin.id,
            position=9,
        )
    )
    scale = (await session.execute(select(StatusScale))).scalar_one()
    made: list[ReportingRound] = []
    for key, name, opens in (
        ("t3-2026", "Tertial 3 2026", NOW - timedelta(days=1)),
        ("t1-2027", "Tertial 1 2027", NOW + timedelta(days=60)),
    ):
        rnd = ReportingRound(
            key=key,
            name=name,
            plan_id=plan.id,
            state=RoundState.SCHEDULED,
            opens_at=opens,
            deadline_at=opens + timedelta(days=14),
            status_scale_id=scale.id,
        )
        session.add(rnd)
        made.append(rnd)
    await session.flush()
    await rounds.open_round(session, made[0], now=NOW, actor="admin")
    return Owned(anders, karin, made[0])


async def notices(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxJob]:
    async with sessions() as session:
        query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.NOTICE)
        return list((await session.execute(query.order_by(OutboxJob.id))).scalars())


async def test_an_admin_is_told_in_teams_who_left_and_which_items_need_a_new_owner(
    graph: GraphSetup, session_factory: async_sessionmaker[AsyncSession], teams: Teams
) -> None:
    directory(graph)
    # Karin is an admin by UPN (as written in LAGESBOT_ADMINS, any case) and has a 1:1 chat;
    # Maria is an admin by object id but never talked to the bot.
    admins = GraphJobSettings(
        sync_scope=SYNC.sync_scope,
        people_sync_interval=SYNC.people_sync_interval,
        admins=("Karin.Lindqvist@Region-Exempel.se", MARIA),
    )
    assert (await tick(session_factory, graph, NOW, admins)).people_synced
    async with session_factory() as session, session.begin():
        owned = await anders_owns_items(session)
        karin_chat = await remember_chat(session, owned.karin, teams.service_url)
    assert await teams.sender().run_until_idle()  # the round's own cards go out first
    teams.connector.delivered.clear()

    # Anders leaves the synced group; the next day's sync marks him as left.
    graph.fake.groups[GROUP_ID].remove(ANDERS)
    next_day = await tick(session_factory, graph, NOW + timedelta(hours=24), admins)
    assert next_day.people_synced and next_day.errors == []
    stats = await teams.sender().run_until_idle()

    assert stats.failed == 0
    [message] = teams.connector.messages_to(karin_chat)
    card = message.body["attachments"][0]["content"]
    text = cardtools.all_text(card)
    assert SV.t("leavers.title") in text
    assert "Anders Holmberg (anders.holmberg@region-exempel.se)" in text
    # Five goals, each in the open round and in the scheduled one.
    assert SV.t("leavers.item_count", count=5) in text
    shown = ANDERS_TITLES[:LISTED_ITEMS_PER_LEAVER]
    both = "Tertial 3 2026, Tertial 1 2027"
    for title in shown:
        assert SV.t("leavers.item", title=title, rounds=both) in text
    assert ANDERS_TITLES[-1] not in text
    assert SV.n("leavers.more_items", 5 - len(shown)) in text
    assert "Karins mål" not in text and "Maria Sundberg" not in text
    assert "lagesbot import plan" in text
    # Maria has no chat: nobody else was written to.
    assert [job.dedupe_key for job in await notices(session_factory)] == [
        f"leavers:{(NOW + timedelta(hours=24)).isoformat()}:p{owned.karin.id}"
    ]

    # The sync runs again: Anders is already inactive, nothing is sent twice.
    again = await tick(session_factory, graph, NOW + timedelta(hours=48), admins)
    assert again.people_synced
    await teams.sender().run_until_idle()
    assert len(teams.connector.messages_to(karin_chat)) == 1
    assert len(await notices(session_factory)) == 1


async def test_nobody_is_told_when_the_leaver_owns_nothing_open(
    graph: GraphSetup, session_factory: async_sessionmaker[AsyncSession], teams: Teams
) -> None:
    directory(graph)
    admins = GraphJobSettings(
        sync_scope=SYNC.sync_scope, people_sync_interval=SYNC.people_sync_interval, admins=(KARIN,)
    )
    await tick(session_factory, graph, NOW, admins)
    async with session_factory() as session, session.begin():
        await remember_chat(session, await person(session, KARIN), teams.service_url)
    graph.fake.groups[GROUP_ID].remove(ANDERS)

    assert (await tick(session_factory, graph, NOW + timedelta(hours=24), admins)).people_synced
    assert await notices(session_factory) == []


async def test_lagesbot_sync_people_tells_the_admins_too(
    graph: GraphSetup, session: AsyncSession, database_url: str, teams: Teams
) -> None:
    directory(graph)
    assert (await run(graph, database_url, "sync", "people")).exit_code == 0
    owned = await anders_owns_items(session)
    karin_chat = await remember_chat(session, owned.karin, teams.service_url)
    owned.karin.preferred_language = "en"
    await session.commit()
    graph.fake.groups[GROUP_ID].remove(ANDERS)

    result = await run(graph, database_url, "sync", "people", LAGESBOT_ADMINS=KARIN)

    assert result.exit_code == 0, result.output
    assert SV.t("leavers.admins_told", count=1) in result.output
    [job] = [j for j in await notices(teams.sessions) if j.conversation_id == karin_chat]
    text = cardtools.all_text(job.payload["card"])
    assert EN.t("leavers.title") in text  # Karin reads English
    assert "Anders Holmberg" in text
    again = await run(graph, database_url, "sync", "people", LAGESBOT_ADMINS=KARIN)
    assert again.exit_code == 0 and SV.t("leavers.admins_told", count=1) not in again.output
    assert len(await notices(teams.sessions)) == 1


def test_a_long_list_of_leavers_stays_within_the_card_size() -> None:
    many = tuple(
        LeaverView(
            name=f"Person {n} " + "x" * 150,
            upn=f"person{n}@region-exempel.se",
            items=tuple(LeaverItem("Mål " + "y" * 300, ("Tertial 3 2026",)) for _ in range(20)),
        )
        for n in range(60)
    )
    card = create_leaver_notice_card(LeaverNoticeView(many, "sv"))
    text = cardtools.all_text(card)
    assert "Person 0" in text and "Person 59" not in text
    assert "… och" in text and "personer till" in text
    assert card_size(card) <= DEFAULT_BUDGET_BYTES
