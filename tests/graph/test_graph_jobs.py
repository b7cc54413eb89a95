"""The scheduler's Graph steps against the Graph fake and a real store (SQLite and PostgreSQL):
a closed round is published on the intranet without anyone running `lagesbot publish`, a Graph
outage neither blocks closing nor loses the publication, and the people sync runs on its
schedule."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery.render import render_request
from services.delivery.scheduler import Scheduler, TickResult
from services.delivery.workers import build_workers
from services.followup import round_admin
from services.graph.jobs import (
    PEOPLE_SYNC_KEY,
    GraphJobs,
    GraphJobSettings,
    publish_retry_delay,
    publish_state_key,
)
from services.graph.people_sync import SyncScope
from services.platform.config import Settings
from services.platform.worker_settings import WorkerSettings
from storage import people as people_store
from storage.models import OutboxJob, OutboxKind, OutboxOperation, RoundSummary, SyncState
from tests import cardtools
from tests.admin.test_round_cli import in_store, run
from tests.digest.helpers import steering_group
from tests.digest.test_posting import deliver
from tests.factories import NOW, RoundSetup, open_round
from tests.graph.conftest import GROUP_ID, SITE_ID, GraphSetup, settings_for
from tests.graph.test_people_sync import ANDERS, JOHAN, KARIN, directory
from tests.rounds.builders import remember_chat

CLOSED = NOW + timedelta(days=8)
GROUP = SyncScope(group_ids=(GROUP_ID,))
PUBLISH = GraphJobSettings(site_id=SITE_ID, library_path="Lägesbot")
SYNC = GraphJobSettings(sync_scope=GROUP, people_sync_interval=timedelta(hours=24))


def scheduler_at(
    sessions: async_sessionmaker[AsyncSession],
    graph: GraphSetup,
    at: datetime,
    settings: GraphJobSettings = PUBLISH,
) -> Scheduler:
    jobs = GraphJobs(sessions, graph.client, settings)
    return Scheduler(sessions, WorkerSettings(), clock=lambda: at, graph_jobs=jobs)


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    graph: GraphSetup,
    at: datetime,
    settings: GraphJobSettings = PUBLISH,
) -> TickResult:
    return await scheduler_at(sessions, graph, at, settings).tick()


async def close_posted_round(session: AsyncSession, at: datetime = CLOSED) -> RoundSetup:
    """Anna's card was posted; an admin closes the round (Teams or `lagesbot round close`)."""
    setup = await open_round(session)
    setup.request.conversation_id = "a:anna-1on1"
    setup.request.card_activity_id = "1700000000001"
    await session.commit()
    await round_admin.close_round(session, setup.round, at, "admin:karin")
    await session.commit()
    return setup


async def summary_of(sessions: async_sessionmaker[AsyncSession], setup: RoundSetup) -> RoundSummary:
    async with sessions() as session:
        query = select(RoundSummary).where(RoundSummary.round_id == setup.round.id)
        return (await session.execute(query)).scalar_one()


async def test_a_closed_round_is_published_by_the_next_tick_and_the_closed_card_links_to_it(
    graph: GraphSetup, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    setup = await close_posted_round(session)
    key = setup.round.key

    result = await tick(session_factory, graph, CLOSED + timedelta(seconds=30))

    assert result.published == 1 and result.errors == []
    page = graph.fake.page_named(f"lagesbot-{key}.aspx")
    assert page is not None and page.published
    assert "Sammanställning av Tertial 2 2026" in page.text()
    assert (SITE_ID, f"Lägesbot/{key}/{key}.xlsx") in graph.fake.files
    assert (SITE_ID, f"Lägesbot/{key}/{key}.docx") in graph.fake.files
    summary = await summary_of(session_factory, setup)
    assert summary.intranet_page_url == page.web_url and summary.intranet_export_url
    assert summary.intranet_report_url and summary.intranet_report_url.endswith(".docx")
    assert summary.published_at is not None and summary.publish_error is None

    # Anna's posted card is replaced once more, now with the links to the summary and the
    # Word report.
    async with session_factory() as check:
        jobs = list(
            (
                await check.execute(
                    select(OutboxJob)
                    .where(OutboxJob.kind == OutboxKind.ROUND_CLOSED)
                    .where(OutboxJob.request_id == setup.request.id)
                    .order_by(OutboxJob.id)
                )
            ).scalars()
        )
        assert [job.dedupe_key.endswith(":published") for job in jobs] == [False, True]
        rendered = await render_request(check, jobs[1], CLOSED + timedelta(minutes=1))
    assert rendered.card is not None
    links = [a for a in cardtools.actions(rendered.card) if a["type"] == "Action.OpenUrl"]
    assert [(a["title"], a["url"]) for a in links] == [
        ("Öppna sammanställningen på intranätet", page.web_url),
        ("Rapporten (Word)", summary.intranet_report_url),
    ]

    # Published once: later ticks leave the intranet alone.
    before = len(graph.fake.requests)
    again = await tick(session_factory, graph, CLOSED + timedelta(minutes=5))
    assert again.published == 0 and len(graph.fake.requests) == before
    assert page.versions == 1


async def test_a_graph_outage_does_not_block_closing_and_the_round_is_published_later(
    graph: GraphSetup, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    graph.fake.fail_next("/pages", 503, retry_after="1", times=1000)
    setup = await close_posted_round(session)
    assert setup.round.closed_at == CLOSED  # closing never talks to Graph

    first = await tick(session_factory, graph, CLOSED + timedelta(seconds=30))

    assert first.published == 0 and first.errors == []
    failed = await summary_of(session_factory, setup)
    assert failed.publish_error is not None and "503" in failed.publish_error
    assert failed.published_at is None and failed.intranet_page_url is None
    assert graph.fake.page_named(f"lagesbot-{setup.round.key}.aspx") is None

    # Not hammered: the next ticks within the backoff do not call Graph.
    before = len(graph.fake.requests)
    await tick(session_factory, graph, CLOSED + timedelta(minutes=2))
    assert len(graph.fake.requests) == before

    # Graph is back; after the backoff the round is published and the error is gone.
    graph.fake.faults.clear()
    later = CLOSED + timedelta(seconds=30) + publish_retry_delay(1)
    result = await tick(session_factory, graph, later)
    assert result.published == 1
    published = await summary_of(session_factory, setup)
    assert published.publish_error is None and published.published_at is not None
    page = graph.fake.page_named(f"lagesbot-{setup.round.key}.aspx")
    assert page is not None and page.published
    assert published.intranet_page_url == page.web_url
    async with session_factory() as check:
        assert await check.get(SyncState, publish_state_key(setup.round.id)) is None


async def test_failed_attempts_back_off_up_to_six_hours() -> None:
    assert [publish_retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
    ]
    assert publish_retry_delay(50) == timedelta(hours=6)


async def test_only_recently_closed_rounds_are_published_automatically(
    graph: GraphSetup, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await close_posted_round(session, at=CLOSED)

    result = await tick(session_factory, graph, CLOSED + timedelta(days=20))

    assert result.published == 0 and graph.fake.pages == {}


async def test_the_people_sync_runs_on_its_schedule(
    graph: GraphSetup, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    directory(graph)

    first = await tick(session_factory, graph, NOW, SYNC)

    assert first.people_synced and first.errors == []
    async with session_factory() as session:
        assert await people_store.get_by_entra_id(session, KARIN) is not None
        anders = await people_store.get_by_entra_id(session, ANDERS)
        assert anders is not None and anders.preferred_language == "en"

    # Johan joins; within the day nothing is read from Graph.
    graph.fake.add_user(JOHAN, "johan.ek@region-exempel.se", "Johan Ek", manager=KARIN)
    graph.fake.groups[GROUP_ID].append(JOHAN)
    before = len(graph.fake.requests)
    soon = await tick(session_factory, graph, NOW + timedelta(hours=3), SYNC)
    assert not soon.people_synced and len(graph.fake.requests) == before

    next_day = await tick(session_factory, graph, NOW + timedelta(hours=24), SYNC)
    assert next_day.people_synced
    async with session_factory() as session:
        johan = await people_store.get_by_entra_id(session, JOHAN)
        assert johan is not None and johan.active


async def test_a_failed_people_sync_is_retried_after_an_hour(
    graph: GraphSetup, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    directory(graph)
    graph.fake.fail_next("/users/delta", 503, retry_after="1", times=1000)

    failed = await tick(session_factory, graph, NOW, SYNC)

    assert not failed.people_synced
    async with session_factory() as session:
        assert await people_store.get_by_entra_id(session, KARIN) is None
        state = await session.get(SyncState, PEOPLE_SYNC_KEY)
        assert state is not None and "503" in state.value

    graph.fake.faults.clear()
    assert not (await tick(session_factory, graph, NOW + timedelta(minutes=30), SYNC)).people_synced
    retried = await tick(session_factory, graph, NOW + timedelta(hours=1), SYNC)
    assert retried.people_synced
    async with session_factory() as session:
        assert await people_store.get_by_entra_id(session, KARIN) is not None


async def test_the_graph_steps_follow_the_settings(
    graph: GraphSetup, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    jobs = GraphJobSettings.from_settings(graph.settings)
    assert jobs is not None and jobs.publishes and jobs.syncs_people
    assert jobs.people_sync_interval == timedelta(hours=24)
    no_sync = GraphJobSettings.from_settings(replace(graph.settings, people_sync_hours=0))
    assert no_sync is not None and no_sync.publishes and not no_sync.syncs_people
    nothing = replace(graph.settings, people_sync_hours=0, sharepoint_site_id="")
    assert GraphJobSettings.from_settings(nothing) is None
    unconfigured = replace(graph.settings, graph_client_id="", app_id="")
    assert GraphJobSettings.from_settings(unconfigured) is None

    assert settings_for(graph.running).people_sync_hours == 24
    every_six = Settings.from_env({"DATABASE_URL": "sqlite://", "LAGESBOT_PEOPLE_SYNC_HOURS": "6"})
    assert every_six.people_sync_hours == 6

    async with aiohttp.ClientSession() as http:
        workers = build_workers(graph.settings, session_factory, http)
        try:
            assert workers.scheduler.graph_jobs is not None
            assert workers.scheduler.graph_jobs.settings.site_id == SITE_ID
        finally:
            for resource in workers.resources:
                await resource.aclose()
        plain = build_workers(nothing, session_factory, http)
        assert plain.scheduler.graph_jobs is None
        for resource in plain.resources:
            await resource.aclose()


async def digest_jobs(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxJob]:
    async with sessions() as session:
        query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.DIGEST).order_by(OutboxJob.id)
        return list((await session.execute(query)).scalars())


def intranet_links(card: dict[str, object]) -> list[tuple[str, str]]:
    return [
        (str(a["title"]), str(a["url"]))
        for a in cardtools.actions(card)
        if a["type"] == "Action.OpenUrl"
    ]


async def test_the_close_digest_carries_the_intranet_links(
    graph: GraphSetup, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    setup = await close_posted_round(session)
    await steering_group(session)

    await tick(session_factory, graph, CLOSED + timedelta(seconds=30))

    [close] = await digest_jobs(session_factory)
    assert close.dedupe_key.endswith(":close")
    summary = await summary_of(session_factory, setup)
    assert summary.intranet_page_url is not None
    assert ("Sammanfattning på intranätet", summary.intranet_page_url) in intranet_links(
        close.payload["card"]
    )


async def test_a_close_digest_posted_before_publishing_is_replaced_with_the_links(
    graph: GraphSetup, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    graph.fake.fail_next("/pages", 503, retry_after="1", times=1000)
    setup = await close_posted_round(session)
    await steering_group(session)

    await tick(session_factory, graph, CLOSED + timedelta(seconds=30))
    [close] = await digest_jobs(session_factory)
    assert intranet_links(close.payload["card"]) == []
    async with session_factory() as s:
        job = await s.get(OutboxJob, close.id)
        assert job is not None
        await deliver(s, job, "activity-close")

    graph.fake.faults.clear()
    await tick(session_factory, graph, CLOSED + timedelta(minutes=10))

    close_again, published = await digest_jobs(session_factory)
    assert close_again.id == close.id
    assert published.dedupe_key.endswith(":close-published")
    assert (published.operation, published.activity_id) == (
        OutboxOperation.UPDATE,
        "activity-close",
    )
    summary = await summary_of(session_factory, setup)
    assert ("Sammanfattning på intranätet", summary.intranet_page_url) in intranet_links(
        published.payload["card"]
    )
    assert "stängd" in cardtools.all_text(published.payload["card"])


def test_round_progress_shows_where_the_round_is_on_the_intranet(database_url: str) -> None:
    page_url = "https://region-exempel.sharepoint.com/sites/intranat/SitePages/lagesbot-t2.aspx"

    async def closed(session: AsyncSession) -> str:
        setup = await close_posted_round(session)
        summary = (
            await session.execute(
                select(RoundSummary).where(RoundSummary.round_id == setup.round.id)
            )
        ).scalar_one()
        summary.publish_error = "Graph 503 serviceNotAvailable: Scripted fault."
        await session.commit()
        return setup.round.key

    key = in_store(database_url, closed)
    code, out = run(database_url, "round", "progress", key, "--lang", "en")
    assert code == 0, out
    assert "Not published on the intranet yet: Graph 503" in out

    async def published(session: AsyncSession) -> None:
        summary = (await session.execute(select(RoundSummary))).scalar_one()
        summary.publish_error = None
        summary.intranet_page_url = page_url
        await session.commit()

    in_store(database_url, published)
    code, out = run(database_url, "round", "progress", key)
    assert code == 0, out
    assert f"Publicerad på intranätet: {page_url}" in out and "Inte publicerad" not in out


async def test_two_instances_ticking_at_once_publish_a_round_once(
    graph: GraphSetup,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    backend: str,
) -> None:
    if backend != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's; SQLite runs one writer")
    setup = await close_posted_round(session)
    at = CLOSED + timedelta(seconds=30)

    first, second = await asyncio.gather(
        tick(session_factory, graph, at), tick(session_factory, graph, at)
    )

    assert first.published + second.published == 1
    page = graph.fake.page_named(f"lagesbot-{setup.round.key}.aspx")
    assert page is not None and page.versions == 1
    assert len(graph.fake.requests_to("/pages$", "POST")) == 1
    assert {f.versions for f in graph.fake.files.values()} == {1}


async def test_a_refused_page_still_publishes_the_files_and_tells_the_admins_once(
    graph: GraphSetup, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """A tenant that grants only Sites.Selected: Graph refuses the page (403), the rounds
    count as published with their files, and each admin hears it once, not every round."""
    graph.running.token_endpoint.roles = ["Sites.Selected"]
    graph.fake.grant_site(SITE_ID, "write")
    first = await close_posted_round(session)
    admin = first.other
    await remember_chat(session, admin, "https://smba.example/")
    await session.commit()
    admins = replace(PUBLISH, admins=(admin.upn,))

    result = await tick(session_factory, graph, CLOSED + timedelta(seconds=30), admins)

    assert result.published == 1 and result.errors == []
    assert graph.fake.pages == {}
    summary = await summary_of(session_factory, first)
    assert summary.published_at is not None and summary.intranet_page_url is None
    assert (SITE_ID, f"Lägesbot/{first.round.key}/{first.round.key}.xlsx") in graph.fake.files
    (notice,) = await notices(session_factory)
    assert notice.conversation_id == f"a:chat-{admin.entra_object_id}"
    texts = " ".join(cardtools.texts(notice.payload["card"]))
    assert "Sites.ReadWrite.All" in texts and first.round.name in texts
    assert f"lagesbot publish {first.round.key}" in texts
    assert [a["url"] for a in cardtools.actions(notice.payload["card"])] == [
        summary.intranet_export_url
    ]

    # Published again while the permission is still missing (the round is marked
    # unpublished, as for a second round): the files again, nobody is told again.
    async with session_factory() as again, again.begin():
        row = await again.get(RoundSummary, summary.id)
        assert row is not None
        row.published_at = None
    later = await tick(session_factory, graph, CLOSED + timedelta(hours=1), admins)
    assert later.published == 1 and graph.fake.pages == {}
    assert {f.versions for f in graph.fake.files.values()} == {2}
    assert len(await notices(session_factory)) == 1


async def notices(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxJob]:
    async with sessions() as session:
        query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.NOTICE)
        return list((await session.execute(query.order_by(OutboxJob.id))).scalars())
