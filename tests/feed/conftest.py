"""The bot's HTTP app with the BI feed, tokens from a local Entra ID (``tests.fakes.
entra_issuer``), and a small follow-up in the store: a plan tree, two rounds, answers with
revisions from the card and the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest_asyncio
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_app
from services.platform.config import Settings
from storage.models import (
    ItemKind,
    Plan,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    ResponseSource,
    RoundItem,
    RoundState,
)
from tests.factories import NOW, TENANT_ID, RoundSetup, open_round
from tests.fakes import entra_issuer
from tests.fakes.entra_issuer import EntraIssuer

APP_ID = "00000000-0000-4000-8000-0000000fee0d"
READ_ROLE = "Lagesbot.Read.All"
BI_GROUP = "5b7c0b34-0000-4000-8000-00000000b1b1"


class _NoTokens:
    async def token(self, scope: str) -> str:
        raise AssertionError("the feed tests send nothing to Teams")


@dataclass
class FeedHarness:
    url: str
    issuer: EntraIssuer
    http: aiohttp.ClientSession
    settings: Settings

    @property
    def root(self) -> str:
        return f"{self.url}/api/odata/"

    def token(self, **overrides: Any) -> str:
        options: dict[str, Any] = {
            "tenant": TENANT_ID,
            "audience": f"api://{APP_ID}",
            "roles": (READ_ROLE,),
        }
        options.update(overrides)
        return self.issuer.token(**options)

    async def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        token: str | None = "default",
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        sent = dict(headers or {})
        if token == "default":
            token = self.token()
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.root + path
        response = await self.http.get(url, headers=sent, params=dict(params or {}) or None)
        await response.read()
        return response

    async def json(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        response = await self.get(path, params)
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json(content_type=None)
        return body

    async def all_pages(
        self, path: str, params: Mapping[str, str] | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Every row of the page chain, and how many pages it took."""
        body = await self.json(path, params)
        rows, pages = list(body["value"]), 1
        while "@odata.nextLink" in body:
            link = body["@odata.nextLink"]
            assert urlsplit(link).netloc == urlsplit(self.url).netloc
            body = await self.json(link)
            rows.extend(body["value"])
            pages += 1
        return rows, pages


def feed_settings(database_url: str, issuer: EntraIssuer, **overrides: Any) -> Settings:
    settings = Settings(
        database_url=database_url,
        app_id=APP_ID,
        app_password="not-used",
        app_tenant_id=TENANT_ID,
        allowed_tenants=(TENANT_ID,),
        openid_metadata_url=f"{issuer.base_url}/botframework-not-used",
        feed_login_url=issuer.base_url,
        feed_page_size=500,
    )
    return replace(settings, **overrides)


@pytest_asyncio.fixture(loop_scope="session")
async def issuer() -> AsyncIterator[EntraIssuer]:
    issuer = EntraIssuer()
    server = await entra_issuer.start(issuer)
    yield issuer
    await server.close()


@asynccontextmanager
async def serve(settings: Settings, issuer: EntraIssuer) -> AsyncIterator[FeedHarness]:
    """The app on a free port with ``settings``, and a client for it."""
    app = create_app(settings, token_provider=_NoTokens(), clock=lambda: NOW)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield FeedHarness(str(server.make_url("")).rstrip("/"), issuer, http, settings)
    finally:
        await server.close()


@pytest_asyncio.fixture(loop_scope="session")
async def feed(database_url: str, issuer: EntraIssuer) -> AsyncIterator[FeedHarness]:
    async with serve(feed_settings(database_url, issuer), issuer) as harness:
        yield harness


@dataclass
class FollowUp:
    """What ``follow_up`` stored: the open round and a closed round of another plan."""

    setup: RoundSetup
    previous: ReportingRound
    previous_item: PlanItem
    answers: list[Response]


def _answer(
    rnd: ReportingRound, request: ReportRequest, item_id: int, revision: int, **values: Any
) -> Response:
    values.setdefault("answered_by_id", request.person_id)
    values.setdefault("source", ResponseSource.TEAMS_CARD)
    values.setdefault("answered_at", NOW - timedelta(hours=30 - revision))
    return Response(
        round_id=rnd.id, item_id=item_id, request_id=request.id, revision=revision, **values
    )


async def _closed_round_of_another_plan(
    session: AsyncSession, setup: RoundSetup
) -> tuple[ReportingRound, PlanItem, ReportRequest]:
    """Last year's plan: one goal, Cecilia's, asked in a closed round."""
    plan = Plan(key="rs-2026", name="Regionstyrelsens verksamhetsplan 2026")
    session.add(plan)
    await session.flush()
    goal = PlanItem(
        plan_id=plan.id,
        key="M1",
        kind=ItemKind.GOAL,
        title="Kortare väntetider i vården 2026",
        owner_id=setup.other.id,
        org_unit_id=setup.goal.org_unit_id,
    )
    session.add(goal)
    rnd = ReportingRound(
        key="t3-2025",
        name="Tertial 3 2025",
        plan_id=plan.id,
        state=RoundState.CLOSED,
        opens_at=NOW - timedelta(days=130),
        deadline_at=NOW - timedelta(days=110),
        closed_at=NOW - timedelta(days=100),
        status_scale_id=setup.round.status_scale_id,
    )
    session.add(rnd)
    await session.flush()
    request = ReportRequest(round_id=rnd.id, person_id=setup.other.id)
    session.add_all([request, RoundItem(round_id=rnd.id, item_id=goal.id, owner_id=setup.other.id)])
    await session.flush()
    return rnd, goal, request


async def follow_up(session: AsyncSession) -> FollowUp:
    """The open round: the goal answered twice (card, then an edit from the CLI), the
    indicator with a value, the risk by its delegate, Cecilia's activity unanswered; and
    last year's closed round of another plan with Cecilia's one answer."""
    setup = await open_round(session)
    previous, previous_goal, previous_request = await _closed_round_of_another_plan(session, setup)
    rnd, request = setup.round, setup.request
    answers = [
        _answer(previous, previous_request, previous_goal.id, 1, status_key="on_track",
                answered_at=NOW - timedelta(days=120)),
        _answer(rnd, request, setup.goal.id, 1, status_key="on_track", comment="Enligt plan."),
        _answer(rnd, request, setup.goal.id, 2, status_key="at_risk", comment="Försenat.",
                source=ResponseSource.CLI, answered_at=NOW - timedelta(hours=1)),
        _answer(rnd, request, setup.indicator.id, 1, status_key="on_track",
                value=Decimal("72.5")),
        _answer(rnd, request, setup.risk.id, 1, status_key="deviation", likelihood=3,
                consequence=4, answered_by_id=setup.delegate.id),
    ]  # fmt: skip
    session.add_all(answers)
    await session.commit()
    return FollowUp(setup, previous, previous_goal, answers)
