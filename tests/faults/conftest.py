"""Fault injection: `lagesbot serve` as its own process with JWT validation on, the local
Bot Framework issuer and Entra token endpoint, and Action.Execute submits through the real
HTTP endpoint. Every test reports its figures through `figures`, which prints them (seen
with `pytest -s`) and repeats them in a "fault injection figures" section at the end of the
pytest output, so they are visible in every run."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select

from bench.submit_bench import APP_ID, APP_SECRET, TENANT_ID, Manager, invoke_activity
from cards import verbs
from demo import entra_standin as entra
from demo.entra_standin import EntraTokenEndpoint
from storage.db import create_engine, create_session_factory
from storage.models import Response
from tests.fakes import botframework_issuer
from tests.fakes.botframework_issuer import BotFrameworkIssuer

LAGESBOT = Path(sys.executable).parent / "lagesbot"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
NO_ANSWER = 0  # the connection broke or was refused: Teams saw no acknowledgement

_FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("fault injection figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Print a line of figures now and again in the summary at the end of the run."""

    def report(line: str) -> None:
        text = f"{request.node.name}: {line}"
        print(f"\n{text}")
        _FIGURES.append(text)

    return report


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One running `lagesbot serve`."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class Bot:
    """Starts `lagesbot serve` processes against the fakes and sends them signed invokes."""

    issuer: BotFrameworkIssuer
    token_endpoint: EntraTokenEndpoint
    ca_path: Path
    logs: Path
    http: aiohttp.ClientSession
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    service_url: str = "http://127.0.0.1:9/"  # never called: invoke answers travel in the body

    @asynccontextmanager
    async def serve(self, database_url: str, name: str) -> AsyncIterator[Server]:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url.replace("postgresql+asyncpg://", "postgresql://"),
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": APP_SECRET,
            "MICROSOFT_APP_TENANT_ID": TENANT_ID,
            "LAGESBOT_AUTHORITY": self.token_endpoint.authority,
            "LAGESBOT_CA_BUNDLE": str(self.ca_path),
            "LAGESBOT_ALLOWED_TENANTS": TENANT_ID,
            "LAGESBOT_OPENID_METADATA_URL": self.issuer.metadata_url,
            "LAGESBOT_HOST": "127.0.0.1",
            "LAGESBOT_PORT": str(port),
            "LAGESBOT_WORKERS": "0",
            "LAGESBOT_LOG_LEVEL": "WARNING",
        }
        env.pop("PORT", None)
        with (self.logs / f"{name}.log").open("ab") as log:
            # Popen only starts the process; readiness is polled without blocking the loop.
            process = subprocess.Popen(  # noqa: ASYNC220
                [str(LAGESBOT), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        server = Server(process, port)
        try:
            await self.wait_healthy(server)
            yield server
        finally:
            if server.alive():
                process.terminate()
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    async def wait_healthy(self, server: Server, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not server.alive():
                raise AssertionError(f"lagesbot serve exited; see {self.logs}")
            if await self.health(server) == 200:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("lagesbot serve did not become healthy")

    async def health(self, server: Server) -> int:
        try:
            timeout = aiohttp.ClientTimeout(total=5)
            async with self.http.get(f"{server.url}/healthz", timeout=timeout) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return NO_ANSWER

    def activity(
        self, manager: Manager, activity_id: str, verb: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        return invoke_activity(manager, activity_id, verb, data, service_url=self.service_url)

    async def invoke(
        self, server: Server, activity: dict[str, Any], within: float = 30.0
    ) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON body of one invoke; NO_ANSWER when the connection broke."""
        token = self.issuer.token(audience=APP_ID, service_url=self.service_url)
        try:
            async with self.http.post(
                f"{server.url}/api/messages",
                json=activity,
                headers={"Authorization": f"Bearer {token}"},
                timeout=aiohttp.ClientTimeout(total=within),
            ) as response:
                raw = await response.read()
                body = json.loads(raw) if response.content_type == "application/json" else {}
                return response.status, body if isinstance(body, dict) else {}
        except (aiohttp.ClientError, TimeoutError):
            return NO_ANSWER, {}


@dataclass(frozen=True)
class Submit:
    """One press of "Skicka" on a status card: a new status and comment for every item."""

    manager: Manager
    activity_id: str
    data: dict[str, Any]
    comments: dict[int, str]

    def activity(self, bot: Bot) -> dict[str, Any]:
        return bot.activity(self.manager, self.activity_id, verbs.SUBMIT_STATUS, self.data)


def make_submit(manager: Manager, number: int, tag: str) -> Submit:
    """The manager's `number`-th submit (1-based): it expects revision number-1 everywhere."""
    status = ("on_track", "deviation")[number % 2]
    data: dict[str, Any] = {
        "round_id": manager.round_id,
        "request_id": manager.request_id,
        "revisions": {str(item): number - 1 for item in manager.item_ids},
    }
    comments = {}
    for item in manager.item_ids:
        comments[item] = f"{tag} {manager.name} nr {number} mål {item}"
        data[f"status.{item}"] = status
        data[f"comment.{item}"] = comments[item]
    return Submit(manager, f"{tag}-{manager.request_id}-{number}", data, comments)


def acknowledged(status: int, body: dict[str, Any]) -> bool:
    """What Teams takes as success: HTTP 200 with the refreshed card."""
    return status == 200 and body.get("type") == CARD_TYPE


async def stored_answers(database_url: str) -> list[Response]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(Response).order_by(Response.item_id, Response.revision)
            return list((await session.execute(query)).scalars())
    finally:
        await engine.dispose()


def check_stored(
    answers: list[Response], sent: list[Submit], acked: set[str]
) -> tuple[dict[str, int], list[str]]:
    """Figures and problems: lost acknowledged submits, half-stored or duplicated ones,
    rows nobody sent, gaps in an item's revisions."""
    by_key: dict[str | None, list[Response]] = {}
    for answer in answers:
        by_key.setdefault(answer.submission_key, []).append(answer)
    problems: list[str] = []
    lost = half = duplicates = stored = 0
    for submit in sent:
        rows = by_key.pop(submit.activity_id, [])
        items = len(submit.comments)
        if rows:
            stored += 1
        if submit.activity_id in acked and not rows:
            lost += 1
            problems.append(f"acknowledged submit {submit.activity_id} is not stored")
        if rows and len({r.item_id for r in rows}) != items:
            half += 1
            problems.append(f"submit {submit.activity_id} stored for {len(rows)} of {items}")
        if len(rows) > len({r.item_id for r in rows}):
            duplicates += 1
            problems.append(f"submit {submit.activity_id} stored twice")
        for row in rows:
            if row.comment != submit.comments.get(row.item_id):
                problems.append(f"submit {submit.activity_id} stored {row.comment!r}")
    if by_key:
        problems.append(f"rows from submits nobody sent: {sorted(map(str, by_key))}")
    comments = [a.comment for a in answers]
    duplicates += len(comments) - len(set(comments))
    revisions: dict[int, list[int]] = {}
    for answer in answers:
        revisions.setdefault(answer.item_id, []).append(answer.revision)
    gaps = [i for i, r in revisions.items() if r != list(range(1, len(r) + 1))]
    if gaps:
        problems.append(f"items whose revisions are not 1..n: {gaps}")
    figures = {"stored": stored, "lost": lost, "half_stored": half, "duplicates": duplicates}
    return figures, problems


@pytest_asyncio.fixture(loop_scope="session")
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    issuer = BotFrameworkIssuer()
    issuer_server = await botframework_issuer.start(issuer)
    token_endpoint = EntraTokenEndpoint(
        tenant_id=TENANT_ID, client_id=APP_ID, client_secret=APP_SECRET
    )
    tls = tmp_path / "tls"
    tls.mkdir()
    entra_server, ca_path = await entra.start(token_endpoint, tls)
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
            yield Bot(issuer, token_endpoint, ca_path, logs, http)
    finally:
        await issuer_server.close()
        await entra_server.close()
