"""An OData v4 client that is not ours (python-odata) reads the feed the way a BI tool
does: it learns the sets and types from $metadata, then follows @odata.nextLink to the end.

(pyodata, the other well-known Python client, speaks OData v2 only: it reads ``d.results``
and ``__next`` and v2 CSDL, so it cannot read a v4 feed such as this one or Power BI's.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import requests
from odata import ODataService
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.generate_region import RegionSpec, generate
from storage.models import Response
from tests.fakes.entra_issuer import EntraIssuer
from tests.feed.conftest import feed_settings, follow_up, serve

PAGE = 50


def _client(root: str, token: str, fetched: list[str]) -> Any:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.hooks["response"].append(lambda response, *_a, **_k: fetched.append(response.url))
    return ODataService(root, session=session, reflect_entities=True, quiet_progress=True)


def _read_history(root: str, token: str) -> dict[str, Any]:
    fetched: list[str] = []
    service = _client(root, token, fetched)
    history = service.entities["AnswerHistory"]
    rows = [(r.Id, r.RoundKey, r.Revision, r.AnsweredAt) for r in service.query(history)]
    first_round = rows[0][1]
    of_round = [
        (r["Id"], r["StatusKey"])  # with $select the client hands back plain dicts
        for r in service.query(history)
        .filter(history.RoundKey == first_round)
        .select(history.Id, history.StatusKey)
    ]
    return {"rows": rows, "of_round": of_round, "first_round": first_round, "fetched": fetched}


async def test_an_independent_client_reads_the_whole_history_page_by_page(
    database_url: str, issuer: EntraIssuer, engine: AsyncEngine, session: AsyncSession
) -> None:
    logging.getLogger("odata").setLevel(logging.WARNING)
    spec = RegionSpec(items=60, rounds=3, goals=4, departments=2, units_per_department=2)
    async with engine.begin() as conn:
        region = await generate(conn, spec)
    stored = (await session.execute(select(Response.id).order_by(Response.id))).scalars().all()
    assert len(stored) == region.responses > 2 * PAGE

    settings = feed_settings(database_url, issuer, feed_page_size=PAGE)
    async with serve(settings, issuer) as feed:
        read = await asyncio.to_thread(_read_history, feed.root, feed.token())

    assert [row[0] for row in read["rows"]] == list(stored)  # every revision, once, in order
    pages = [url for url in read["fetched"] if "/AnswerHistory" in url]
    full_pages = -(-len(stored) // PAGE)
    assert sum("$skiptoken" in url or "%24skiptoken" in url for url in pages) >= full_pages - 1
    assert all(row[3].tzinfo is not None for row in read["rows"])  # DateTimeOffset parsed
    of_round = (
        await session.execute(
            select(func.count(Response.id)).where(
                Response.round_id == region.round_ids[region.round_keys.index(read["first_round"])]
            )
        )
    ).scalar_one()
    assert len(read["of_round"]) == of_round


async def test_the_client_sees_current_answers_and_the_plan_tree(
    database_url: str, issuer: EntraIssuer, session: AsyncSession
) -> None:
    stored = await follow_up(session)

    def read(root: str, token: str) -> tuple[dict[int, Any], dict[int, Any]]:
        service = _client(root, token, [])
        items = {i.Id: i.ParentId for i in service.query(service.entities["Items"])}
        answers = {a.ItemId: a.Revision for a in service.query(service.entities["Answers"])}
        return items, answers

    async with serve(feed_settings(database_url, issuer, feed_page_size=2), issuer) as feed:
        items, answers = await asyncio.to_thread(read, feed.root, feed.token())
    setup = stored.setup
    assert items[setup.goal.id] == setup.strategy.id and items[setup.strategy.id] is None
    assert answers[setup.goal.id] == 2 and answers[setup.indicator.id] == 1
