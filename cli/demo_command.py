"""`lagesbot demo`: the bot with SQLite and the sample region, an open demo round, and
Microsoft 365 Agents Playground (the local Teams emulator) pointed at it.

Unless Microsoft Graph is configured in the environment, the demo also starts the local Graph
fake (``tests/fakes/graph.py``: the demo region's directory, an intranet site, its own HTTPS
token endpoint) and points the bot's Graph settings at it, and the closed "Tertial 2" is
published on that intranet at start (``demo.demo_rounds.publish_demo_round``), so its
closed cards and the round list link to the summary page. With real Graph settings nothing
is published automatically (`lagesbot publish demo-t2-2026` does it on purpose).

The pieces (prepare the data, start the Graph fake, write the Playground's config, start the
Playground) are functions of their own so the end-to-end tests start exactly what a newcomer
starts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import typer
from aiohttp import web
from platformdirs import user_data_dir

from bot.app import create_app, utc_now
from cli.language import printed
from demo.demo_rounds import ensure_demo_rounds, publish_demo_round
from demo.sample_region import PLAN_KEY, load_sample_region
from services.platform.config import Settings, normalise_database_url
from storage import migrate
from storage.db import create_engine, create_session_factory

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PLAYGROUND_CONFIG = ".m365agentsplayground.yml"
DEMO_TENANT = "11111111-2222-4333-8444-555555555555"
READY_PREFIX = "Listening on"
# The closed round demo.demo_rounds creates and publishes (a name, not a text to translate).
CLOSED_ROUND = "Tertial 2 2026"
GRAPH_FAKE = (ROOT / "tests" / "fakes" / "graph").with_suffix(".py")  # not a message id
# The Graph part of the settings, taken over from the fake's (or the user's) environment.
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


@dataclass(frozen=True)
class DemoData:
    """Who the Playground user plays and what they are asked about."""

    manager_name: str
    manager_upn: str
    manager_object_id: str
    round_name: str
    items: int


def playground_config(demo: DemoData) -> str:
    others = "\n".join(
        f"  - {{id: u{n}, name: Kollega {n}, userPrincipleName: kollega{n}@region-exempel.se, "
        f"aadObjectId: 00000000-0000-4000-8000-00000000010{n}, givenName: Kollega, "
        f"surname: '{n}', email: kollega{n}@region-exempel.se}}"
        for n in range(1, 6)
    )
    given, _, surname = demo.manager_name.partition(" ")
    upn = demo.manager_upn
    return f"""version: "0.1.1"
tenantId: {DEMO_TENANT}
bot:
  id: 28:lagesbot-demo
  name: Lägesbot
currentUser:
  id: 29:demo-manager
  name: {demo.manager_name}
  userPrincipleName: {upn}
  aadObjectId: {demo.manager_object_id}
  givenName: {given}
  surname: {surname}
  email: {upn}
users:
{others}
personalChat:
  id: personal-chat-1
groupChat:
  id: group-chat-1
  name: Ledningsgrupp
team:
  id: team-1
  name: Regionstyrelsens styrgrupp
  aadGroupId: 00000000-0000-4000-8000-000000000031
  channels:
    - id: channel-1
      name: Uppföljning
"""


def write_playground_config(work_dir: Path, demo: DemoData) -> Path:
    """The Playground reads its tenant and current user from this file in its working
    directory; the current user is the demo manager, so the bot knows who is typing."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / PLAYGROUND_CONFIG
    path.write_text(playground_config(demo), encoding="utf-8")
    return path


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
            )
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
    password stay empty, so Graph gets its client id, secret and authority of its own."""
    settings = Settings(
        database_url=database_url,
        anonymous=True,
        allowed_tenants=(DEMO_TENANT,),
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
    """The demo's Microsoft Graph: the local fake started by ``demo_graph``, or the user's
    own (``fake`` False) when the environment configures Graph."""

    settings: Settings
    fake: bool
    # The fake's environment, for `lagesbot sync people` / `publish` in another shell.
    environment: Mapping[str, str]


def _graph_fake_available() -> bool:
    """The fake lives with the tests, in the checkout the demo runs from (it needs the
    checkout's node_modules anyway); an installed package has neither."""
    if not GRAPH_FAKE.exists():
        return False
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return True


@contextlib.asynccontextmanager
async def demo_graph(
    directory: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[DemoGraph | None]:
    """The user's Graph settings if ``env`` (default: the process environment) configures
    Graph; otherwise the local Graph fake, started here for as long as the context lasts,
    with its TLS certificate and CA in ``directory``. None when neither is there."""
    env = os.environ if env is None else env
    own = Settings.from_env({**env, "DATABASE_URL": "sqlite://"})
    if own.graph_configured:
        yield DemoGraph(own, fake=False, environment={})
        return
    if not _graph_fake_available():
        yield None
        return
    from tests.fakes.graph import demo_environment, start_demo

    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    running = await start_demo(directory)
    try:
        environment = demo_environment(running)
        settings = Settings.from_env({**environment, "DATABASE_URL": "sqlite://"})
        yield DemoGraph(settings, fake=True, environment=environment)
    finally:
        await running.close()


async def publish_demo_data(settings: Settings, *, now: datetime | None = None) -> str | None:
    """Publish the closed demo round on the intranet of ``settings`` (the Graph fake), unless
    it already is. Returns the page's address, or None when nothing was published."""
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


async def start_bot(settings: Settings) -> web.AppRunner:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def _run(
    database_url: str, demo_data: DemoData, port: int, playground_port: int, data_dir: Path
) -> None:
    async with demo_graph(data_dir / "graph") as graph:
        settings = demo_settings(
            database_url,
            demo_data,
            host="127.0.0.1",
            port=port,
            graph=graph.settings if graph is not None else None,
        )
        if graph is not None and graph.fake:
            try:
                page = await publish_demo_data(settings)
            except Exception as exc:  # the demo runs on without the intranet link
                logging.getLogger(__name__).warning("publishing the demo round failed: %s", exc)
                page = None
            tx = printed()
            lines = [tx.t("console.demo.graph_fake")]
            if page:
                lines.append("  " + tx.t("console.demo.published", round=CLOSED_ROUND, url=page))
            lines.append("  " + tx.t("console.demo.other_shell"))
            lines += [
                f"    export {key}={shlex.quote(value)}"
                for key, value in {"DATABASE_URL": database_url, **graph.environment}.items()
            ]
            typer.echo("\n".join(lines))
        elif graph is not None:
            typer.echo(printed().t("console.demo.own_graph"))
        await _run_bot(settings, playground_port, data_dir / "playground")


async def _run_bot(settings: Settings, playground_port: int, work_dir: Path) -> None:
    runner = await start_bot(settings)
    try:
        playground = await start_playground(
            f"http://{settings.host}:{settings.port}/api/messages", playground_port, work_dir
        )
        try:
            tx = printed()
            running = tx.t(
                "console.demo.running",
                url=playground.url,
                status=tx.t("command.status"),
                help=tx.t("command.help"),
                my_items=tx.t("command.my_items"),
            )
            typer.echo(f"\n{running}\n")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            waiter = asyncio.create_task(playground.process.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in (waiter, stopper):
                task.cancel()
        finally:
            await playground.stop()
    finally:
        await runner.cleanup()


def demo_data_dir() -> Path:
    data_dir = Path(user_data_dir("lagesbot", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


def demo(
    playground_port: int = typer.Option(56150, help="Port of the Agents Playground UI."),
) -> None:
    """Run the local demo: bot + SQLite sample region + Agents Playground."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    data_dir = demo_data_dir()
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'demo.sqlite3'}"
    )
    demo_data = asyncio.run(prepare_demo_data(database_url))
    tx = printed()
    typer.echo(
        tx.t(
            "console.demo.ready",
            round=demo_data.round_name,
            name=demo_data.manager_name,
            items=tx.n("count.items", demo_data.items),
        )
    )
    if not PLAYGROUND.exists():
        typer.echo(tx.t("console.demo.no_playground"))
        raise typer.Exit(1)
    write_playground_config(data_dir / "playground", demo_data)
    port = int(os.environ.get("PORT", "3978"))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(database_url, demo_data, port, playground_port, data_dir))
    except OSError as exc:
        # Almost always a port another program holds; say which and how to pick another.
        typer.echo(tx.t("console.demo.start_failed", reason=exc.strerror or exc))
        raise typer.Exit(1) from exc
