"""`lagesbot demo`: the bot with SQLite and the sample region, an open demo round, and
Microsoft 365 Agents Playground (the local Teams emulator) pointed at it.

The bot runs its outbox sender and scheduler (the workers of `lagesbot serve`) against the
Playground, which serves the Bot Connector API (``v3/conversations``) itself: a round opened
in the chat sends its cards there, and the demo manager's arrives in the Playground within
seconds (``demo/demo_teams.py`` explains the ids). The Playground's channel
"Uppföljning" belongs to the steering group ``rs``, so ``sammanfattning`` works there.

Unless Microsoft Graph is configured in the environment, the demo also starts the local Graph
stand-in (``demo/graph_standin.py``: the demo region's directory, an intranet site, its own
HTTPS token endpoint) and points the bot's Graph settings at it, and the closed "Tertial 2" is
published on that intranet at start (``demo.demo_rounds.publish_demo_round``), so its
closed cards and the round list link to the summary page. With real Graph settings nothing
is published automatically (`lagesbot publish demo-t2-2026` does it on purpose).

The pieces (prepare the data, start the Graph stand-in, start the Playground and the bot) are
functions of their own so the end-to-end tests start exactly what a newcomer starts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shlex
import signal
import subprocess
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import aiohttp
import typer
from aiohttp import web
from platformdirs import user_data_dir
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_app, utc_now
from catalogue import texts
from demo import demo_teams
from demo.demo_rounds import CURRENT_KEY, ensure_demo_rounds, publish_demo_round
from demo.sample_region import PLAN_KEY, load_sample_region
from demo.teams_standin import DemoConnector
from services.delivery.connector import AiohttpBotConnector, BotConnectorApi
from services.platform.config import Settings, normalise_database_url
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Person

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PLAYGROUND_CONFIG = ".m365agentsplayground.yml"
DEFAULT_PLAYGROUND_PORT = 56150
# The Playground's config lists exactly this many users besides the current one.
PLAYGROUND_USERS = 5
DEMO_TENANT = demo_teams.TENANT_ID
READY_PREFIX = "Listening on"
# The Graph part of the settings, taken over from the stand-in's (or the user's) environment.
GRAPH_FIELDS = (
    "graph_url",
    "graph_certificate_path",
    "tls_ca_bundle",
    "teams_app_catalog_id",
    "sync_group_ids",
    "sync_departments",
    "sharepoint_site_id",
    "sharepoint_library_path",
    "sharepoint_hosts",
    "people_sync_hours",
)
# The demo's messages are Swedish, as the region's are.
TX = texts.for_language("sv")


@dataclass(frozen=True)
class DemoPerson:
    """Someone of the sample region, as the Playground's config lists them."""

    name: str
    upn: str
    object_id: str


@dataclass(frozen=True)
class DemoData:
    """Who the Playground user plays, what they are asked about, and everyone else the bot
    may write to."""

    manager_name: str
    manager_upn: str
    manager_object_id: str
    round_name: str
    items: int
    people: tuple[DemoPerson, ...] = ()
    round_key: str = CURRENT_KEY


def _q(value: str) -> str:
    # JSON strings are YAML scalars: names with any character stay what they are.
    return json.dumps(value, ensure_ascii=False)


def _user_yaml(person: DemoPerson) -> str:
    given, _, surname = person.name.partition(" ")
    return (
        f"  - {{id: {_q(person.object_id)}, name: {_q(person.name)}, "
        f"userPrincipleName: {_q(person.upn)}, aadObjectId: {_q(person.object_id)}, "
        f"givenName: {_q(given)}, surname: {_q(surname)}, email: {_q(person.upn)}}}"
    )


def playground_config(demo: DemoData) -> str:
    """The Playground's tenant, bot, current user (the demo manager), the region's other
    people and the team. Everyone's id is their Entra object id: the sender opens a chat
    with a person by that id, as Teams allows, and the Playground finds members by id."""
    manager = DemoPerson(demo.manager_name, demo.manager_upn, demo.manager_object_id)
    given, _, surname = manager.name.partition(" ")
    others = list(demo.people[:PLAYGROUND_USERS])
    others += [
        DemoPerson(f"Kollega {n}", f"kollega{n}@region-exempel.se", f"kollega-{n}")
        for n in range(len(others) + 1, PLAYGROUND_USERS + 1)
    ]
    users = "\n".join(_user_yaml(person) for person in others)
    return f"""version: "0.1.1"
tenantId: {demo_teams.TENANT_ID}
bot:
  id: {_q(demo_teams.BOT_ID)}
  name: {_q(demo_teams.BOT_NAME)}
currentUser:
  id: {_q(manager.object_id)}
  name: {_q(manager.name)}
  userPrincipleName: {_q(manager.upn)}
  aadObjectId: {_q(manager.object_id)}
  givenName: {_q(given)}
  surname: {_q(surname)}
  email: {_q(manager.upn)}
users:
{users}
personalChat:
  id: {demo_teams.PERSONAL_CHAT_ID}
groupChat:
  id: {demo_teams.GROUP_CHAT_ID}
  name: {_q(demo_teams.GROUP_CHAT_NAME)}
team:
  id: {demo_teams.TEAM_ID}
  name: {_q(demo_teams.TEAM_NAME)}
  aadGroupId: {demo_teams.TEAM_AAD_GROUP_ID}
  channels:
    - id: {demo_teams.CHANNEL_ID}
      name: {_q(demo_teams.CHANNEL_NAME)}
"""


def write_playground_config(work_dir: Path, demo: DemoData) -> Path:
    """The Playground reads its tenant and current user from this file in its working
    directory; the current user is the demo manager, so the bot knows who is typing."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / PLAYGROUND_CONFIG
    path.write_text(playground_config(demo), encoding="utf-8")
    return path


async def _colleagues(session: AsyncSession, manager: Person) -> tuple[DemoPerson, ...]:
    """The Playground's other users (it takes exactly five): the manager's line manager and
    the people nearest to her in the sample region."""
    query = select(Person).where(
        Person.active.is_(True), Person.entra_object_id.is_not(None), Person.id != manager.id
    )
    people = list((await session.execute(query.order_by(Person.id))).scalars())
    people.sort(
        key=lambda p: (
            p.id != manager.line_manager_id,
            p.line_manager_id != manager.line_manager_id,
            p.org_unit_id != manager.org_unit_id,
        )
    )
    return tuple(
        DemoPerson(p.display_name, p.upn, str(p.entra_object_id)) for p in people[:PLAYGROUND_USERS]
    )


async def prepare_demo_data(database_url: str, *, now: datetime | None = None) -> DemoData:
    """Migrate the store, load the sample region and open the demo round. Running it again
    on the same database changes nothing that is already there."""
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session, session.begin():
            await load_sample_region(session)
            demo = await ensure_demo_rounds(
                session, plan_key=PLAN_KEY, now=now if now is not None else utc_now()
            )
            manager = demo.manager
            return DemoData(
                manager_name=manager.display_name,
                manager_upn=manager.upn,
                manager_object_id=str(manager.entra_object_id),
                round_name=demo.round.name,
                items=demo.items,
                people=await _colleagues(session, manager),
                round_key=demo.round.key,
            )
    finally:
        await engine.dispose()


async def connect_to_playground(
    database_url: str, demo: DemoData, service_url: str, *, now: datetime | None = None
) -> str:
    """Point the store at the Playground serving ``service_url``: the manager's 1:1 chat,
    the channel and its steering group (``demo.demo_teams``). Returns the group's key."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            query = select(Person).where(Person.entra_object_id == demo.manager_object_id)
            manager = (await session.execute(query)).scalar_one()
            group = await demo_teams.connect_demo_teams(
                session,
                manager=manager,
                service_url=service_url,
                now=now if now is not None else utc_now(),
            )
            return group.key
    finally:
        await engine.dispose()


def demo_settings(
    database_url: str,
    demo: DemoData,
    *,
    host: str,
    port: int,
    graph: Settings | None = None,
) -> Settings:
    """Anonymous (the Playground sends no Bot Framework token), only the demo tenant, and the
    demo manager is also an admin so the admin commands can be tried in the same chat. With
    ``graph`` (see ``demo_graph``), its Microsoft Graph settings: the bot's own app id and
    password stay empty, so Graph gets its client id, secret and authority of its own.
    ``run_demo`` turns the workers on, pointed at the Playground it starts."""
    settings = Settings(
        database_url=database_url,
        anonymous=True,
        allowed_tenants=(demo_teams.TENANT_ID,),
        admin_object_ids=(demo.manager_object_id,),
        host=host,
        port=port,
    )
    if graph is None or not graph.graph_configured:
        return settings
    return replace(
        settings,
        graph_client_id=graph.graph_app_id,
        graph_client_secret=graph.graph_client_secret or graph.app_password,
        authority=graph.effective_authority,
        **{name: getattr(graph, name) for name in GRAPH_FIELDS},
    )


@dataclass(frozen=True)
class DemoGraph:
    """The demo's Microsoft Graph: the local stand-in started by ``demo_graph``, or the
    user's own (``fake`` False) when the environment configures Graph."""

    settings: Settings
    fake: bool
    # The stand-in's environment, for `lagesbot sync people` / `publish` in another shell.
    environment: Mapping[str, str]


@contextlib.asynccontextmanager
async def demo_graph(
    directory: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[DemoGraph]:
    """The user's Graph settings if ``env`` (default: the process environment) configures
    Graph; otherwise the local Graph stand-in, started here for as long as the context
    lasts, with its TLS certificate and CA in ``directory``."""
    env = os.environ if env is None else env
    own = Settings.from_env({**env, "DATABASE_URL": "sqlite://"})
    if own.graph_configured:
        yield DemoGraph(own, fake=False, environment={})
        return
    # Imported here: the stand-in's TLS and token machinery is only needed when it runs.
    from demo.graph_standin import demo_environment, start_demo

    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    running = await start_demo(directory)
    try:
        environment = demo_environment(running)
        settings = Settings.from_env({**environment, "DATABASE_URL": "sqlite://"})
        yield DemoGraph(settings, fake=True, environment=environment)
    finally:
        await running.close()


async def publish_demo_data(settings: Settings, *, now: datetime | None = None) -> str | None:
    """Publish the closed demo round on the intranet of ``settings`` (the Graph stand-in),
    unless it already is. Returns the page's address, or None when nothing was published."""
    from services.graph.client import MsGraph

    engine = create_engine(settings.database_url)
    try:
        async with (
            MsGraph.from_settings(settings) as graph,
            create_session_factory(engine)() as session,
            session.begin(),
        ):
            summary = await publish_demo_round(
                session,
                graph,
                site_id=settings.sharepoint_site_id,
                library_path=settings.sharepoint_library_path,
                now=now if now is not None else utc_now(),
                language=settings.default_language,
            )
            if summary is None or summary.publish_error:
                return None
            return summary.intranet_page_url
    finally:
        await engine.dispose()


@dataclass
class Playground:
    process: asyncio.subprocess.Process
    port: int
    output: list[str]
    drain: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.drain is not None:
            await self.drain


async def start_playground(endpoint: str, port: int, work_dir: Path) -> Playground:
    """Start the Agents Playground (channel msteams) against ``endpoint`` and wait until it
    listens. It never opens a browser or phones home."""
    env = dict(os.environ)
    env.update(TEAMSAPPTESTER_BROWSER="none", APPLICATION_INSIGHTS_NO_STATSBEAT="true")
    process = await asyncio.create_subprocess_exec(
        "node",
        str(PLAYGROUND),
        "-e",
        endpoint,
        "-c",
        "msteams",
        "-p",
        str(port),
        "--disable-telemetry",
        cwd=work_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output: list[str] = []
    while line := (await process.stdout.readline()).decode(errors="replace"):
        output.append(line)
        if line.startswith(READY_PREFIX):
            # Keep reading so a full pipe never blocks the Playground.
            drain = asyncio.get_running_loop().create_task(_drain(process, output))
            return Playground(process, int(line.split()[-1]), output, drain)
    await process.wait()
    raise RuntimeError("Agents Playground exited before listening:\n" + "".join(output[-30:]))


async def _drain(process: asyncio.subprocess.Process, output: list[str]) -> None:
    assert process.stdout is not None
    while line := (await process.stdout.readline()).decode(errors="replace"):
        output.append(line)
        del output[:-200]


async def start_bot(settings: Settings, connector: BotConnectorApi | None = None) -> web.AppRunner:
    runner = web.AppRunner(create_app(settings, connector=connector))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


@contextlib.asynccontextmanager
async def run_demo(
    settings: Settings, demo: DemoData, playground_port: int, work_dir: Path
) -> AsyncIterator[Playground]:
    """The Playground, then the bot with its workers (the sender and scheduler of
    `lagesbot serve`). In that order: the Playground only calls the bot once a browser
    connects, while the sender starts posting at once (the open demo round's cards) to the
    Playground's Bot Connector, at the port it really listens on (it takes another when
    ``playground_port`` is busy). The sender's connector posts the demo manager's messages
    to the Playground and stands in for everyone else's Teams (``demo.teams_standin``)."""
    write_playground_config(work_dir, demo)
    endpoint = f"http://{settings.host}:{settings.port}/api/messages"
    playground = await start_playground(endpoint, playground_port, work_dir)
    try:
        service_url = demo_teams.connector_url(playground.port)
        await connect_to_playground(settings.database_url, demo, service_url)
        workers = replace(settings.workers, enabled=True, service_url=service_url)
        async with aiohttp.ClientSession() as http:
            # Anonymous: the Playground asks for no token.
            to_playground = AiohttpBotConnector(http, None, timeout_seconds=workers.timeout_seconds)
            connector = DemoConnector(to_playground, playground_members={demo.manager_object_id})
            runner = await start_bot(replace(settings, workers=workers), connector)
            try:
                yield playground
            finally:
                await runner.cleanup()
    finally:
        await playground.stop()


def _exports(database_url: str, environment: Mapping[str, str]) -> str:
    return "\n".join(
        f"    export {key}={shlex.quote(value)}"
        for key, value in {"DATABASE_URL": database_url, **environment}.items()
    )


async def _run(
    database_url: str, demo_data: DemoData, port: int, playground_port: int, data_dir: Path
) -> None:
    async with demo_graph(data_dir / "graph") as graph:
        settings = demo_settings(
            database_url,
            demo_data,
            host="127.0.0.1",
            port=port,
            graph=graph.settings,
        )
        environment: Mapping[str, str] = {}
        if graph.fake:
            # The stand-in's directory is the sample region the demo imported; syncing it
            # changes nothing (`lagesbot sync people` runs it on purpose).
            settings = replace(settings, people_sync_hours=0)
            try:
                page = await publish_demo_data(settings)
            except Exception as exc:  # the demo runs on without the intranet link
                logging.getLogger(__name__).warning("publishing the demo round failed: %s", exc)
                page = None
            typer.echo(TX.t("demo_run.graph.standin"))
            if page:
                typer.echo(TX.t("demo_run.graph.published", url=page))
            environment = graph.environment
        else:
            typer.echo(TX.t("demo_run.graph.own"))
        async with run_demo(settings, demo_data, playground_port, data_dir / "playground") as pg:
            typer.echo(
                "\n"
                + TX.t(
                    "demo_run.running",
                    url=pg.url,
                    group=demo_teams.STEERING_GROUP_KEY,
                    channel=demo_teams.CHANNEL_NAME,
                    round=demo_data.round_key,
                    exports=_exports(database_url, environment),
                )
                + "\n"
            )
            await _until_stopped(pg)


async def _until_stopped(playground: Playground) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(playground.process.wait())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (waiter, stopper):
        task.cancel()


def demo_data_dir() -> Path:
    data_dir = Path(user_data_dir("lagesbot", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


def demo(
    playground_port: int = typer.Option(
        DEFAULT_PLAYGROUND_PORT, help="Port of the Agents Playground UI."
    ),
) -> None:
    """Run the local demo: bot + SQLite sample region + Agents Playground."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    data_dir = demo_data_dir()
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'demo.sqlite3'}"
    )
    demo_data = asyncio.run(prepare_demo_data(database_url))
    typer.echo(
        TX.t(
            "demo_run.ready",
            round=demo_data.round_name,
            name=demo_data.manager_name,
            items=demo_data.items,
        )
    )
    if not PLAYGROUND.exists():
        typer.echo(TX.t("demo_run.no_playground"), err=True)
        raise typer.Exit(1)
    port = int(os.environ.get("PORT", "3978"))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(database_url, demo_data, port, playground_port, data_dir))
    except OSError as exc:
        # Almost always a port another program holds; say which and how to pick another.
        typer.echo(TX.t("demo_run.port_taken", error=exc.strerror or str(exc)), err=True)
        raise typer.Exit(1) from exc
