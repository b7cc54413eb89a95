"""`lagesbot demo`: the bot with SQLite and the sample region, an open demo round, and
Microsoft 365 Agents Playground (the local Teams emulator) pointed at it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
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
DEMO_TENANT = "11111111-2222-4333-8444-555555555555"


def _playground_config(name: str, upn: str, object_id: str) -> str:
    others = "\n".join(
        f"  - {{id: u{n}, name: Kollega {n}, userPrincipleName: kollega{n}@region-exempel.se, "
        f"aadObjectId: 00000000-0000-4000-8000-00000000010{n}, givenName: Kollega, "
        f"surname: '{n}', email: kollega{n}@region-exempel.se}}"
        for n in range(1, 6)
    )
    given, _, surname = name.partition(" ")
    return f"""version: "0.1.1"
tenantId: {DEMO_TENANT}
bot:
  id: 28:lagesbot-demo
  name: Lägesbot
currentUser:
  id: 29:demo-manager
  name: {name}
  userPrincipleName: {upn}
  aadObjectId: {object_id}
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


async def _prepare(database_url: str) -> tuple[str, str, str, str, int]:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session, session.begin():
            await load_sample_region(session)
            demo = await ensure_demo_rounds(session, plan_key=PLAN_KEY, now=utc_now())
            manager = demo.manager
            return (
                manager.display_name,
                manager.upn,
                str(manager.entra_object_id),
                demo.round.name,
                demo.items,
            )
    finally:
        await engine.dispose()


async def _run(settings: Settings, playground_port: int, work_dir: Path) -> None:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    env = dict(os.environ)
    env.update(TEAMSAPPTESTER_BROWSER="none", APPLICATION_INSIGHTS_NO_STATSBEAT="true")
    process = await asyncio.create_subprocess_exec(
        "node",
        str(PLAYGROUND),
        "-e",
        f"http://{settings.host}:{settings.port}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(playground_port),
        "--disable-telemetry",
        cwd=work_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    port = playground_port
    try:
        while line := (await process.stdout.readline()).decode(errors="replace"):
            if line.startswith("Listening on"):
                port = int(line.split()[-1])
                break
        typer.echo(
            f"\nLägesbot-demon körs.\n"
            f"  Öppna http://localhost:{port} i webbläsaren (Microsoft 365 Agents Playground).\n"
            f"  Skriv 'status' för att få statuskortet, 'hjälp' för hjälp,\n"
            f"  'mina punkter' för dina punkter. Avsluta med Ctrl+C.\n"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waiter = asyncio.create_task(process.wait())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 5)
        await runner.cleanup()


def demo(
    playground_port: int = typer.Option(56150, help="Port of the Agents Playground UI."),
) -> None:
    """Run the local demo: bot + SQLite sample region + Agents Playground."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    data_dir = Path(user_data_dir("lagesbot", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'demo.sqlite3'}"
    )
    name, upn, object_id, round_name, items = asyncio.run(_prepare(database_url))
    typer.echo(f"Demodata klar: omgången '{round_name}', du är {name} med {items} punkter.")
    if not PLAYGROUND.exists():
        typer.echo("Agents Playground saknas: kör 'make demo' (den installerar npm-paketen).")
        raise typer.Exit(1)
    work_dir = data_dir / "playground"
    work_dir.mkdir(exist_ok=True)
    (work_dir / ".m365agentsplayground.yml").write_text(
        _playground_config(name, upn, object_id), encoding="utf-8"
    )
    settings = Settings(
        database_url=database_url,
        anonymous=True,
        allowed_tenants=(DEMO_TENANT,),
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "3978")),
    )
    asyncio.run(_run(settings, playground_port, work_dir))
