"""`lagesbot demo`: the bot with SQLite and the sample region, an open demo round, and
Microsoft 365 Agents Playground (the local Teams emulator) pointed at it.

The pieces (prepare the data, write the Playground's config, start the Playground) are
functions of their own so the end-to-end tests start exactly what a newcomer starts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import typer
from aiohttp import web
from platformdirs import user_data_dir

from bot.app import create_app, utc_now
from services.config import Settings, normalise_database_url
from services.demo_data import PLAN_KEY, load_sample_region
from services.demo_round import ensure_demo_rounds
from storage import migrate
from storage.db import create_engine, create_session_factory

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PLAYGROUND_CONFIG = ".m365agentsplayground.yml"
DEMO_TENANT = "11111111-2222-4333-8444-555555555555"
READY_PREFIX = "Listening on"


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


def demo_settings(database_url: str, demo: DemoData, *, host: str, port: int) -> Settings:
    """Anonymous (the Playground sends no Bot Framework token), only the demo tenant, and the
    demo manager is also an admin so the admin commands can be tried in the same chat."""
    return Settings(
        database_url=database_url,
        anonymous=True,
        allowed_tenants=(DEMO_TENANT,),
        admin_object_ids=(demo.manager_object_id,),
        host=host,
        port=port,
    )


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


async def _run(settings: Settings, playground_port: int, work_dir: Path) -> None:
    runner = await start_bot(settings)
    try:
        playground = await start_playground(
            f"http://{settings.host}:{settings.port}/api/messages", playground_port, work_dir
        )
        try:
            typer.echo(
                f"\nLägesbot-demon körs.\n"
                f"  Öppna {playground.url} i webbläsaren (Microsoft 365 Agents Playground).\n"
                f"  Skriv 'status' för att få statuskortet, 'hjälp' för hjälp,\n"
                f"  'mina punkter' för dina punkter. Du är också admin.\n"
                f"  Avsluta med Ctrl+C.\n"
            )
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
    typer.echo(
        f"Demodata klar: omgången '{demo_data.round_name}', du är {demo_data.manager_name} "
        f"med {demo_data.items} punkter."
    )
    if not PLAYGROUND.exists():
        typer.echo("Agents Playground saknas: kör 'make demo' (den installerar npm-paketen).")
        raise typer.Exit(1)
    work_dir = data_dir / "playground"
    write_playground_config(work_dir, demo_data)
    settings = demo_settings(
        database_url, demo_data, host="127.0.0.1", port=int(os.environ.get("PORT", "3978"))
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(settings, playground_port, work_dir))
    except OSError as exc:
        # Almost always a port another program holds; say which and how to pick another.
        typer.echo(
            f"Kunde inte starta demon: {exc.strerror or exc}. Välj andra portar med "
            f"PORT=<port> (boten) och --playground-port <port>."
        )
        raise typer.Exit(1) from exc
