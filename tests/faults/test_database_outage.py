"""PostgreSQL restarted under a running `lagesbot serve`.

The shared cluster other tests use is left alone: this test starts a private throwaway
cluster in a temporary directory on a free port, points the server at it, and stops and
starts that cluster while managers keep submitting. During the outage the endpoint must
answer 503 (Teams retries) rather than 500, /healthz must say so, nothing may be stored
half or twice, and the same process must serve again once the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from bench.submit_bench import Manager, seed
from storage import migrate
from storage.db import create_engine
from tests.faults.conftest import (
    NO_ANSWER,
    Bot,
    Server,
    Submit,
    acknowledged,
    check_stored,
    free_port,
    make_submit,
    stored_answers,
)

pytestmark = pytest.mark.postgres

OUTAGE_SECONDS = 2.5
SUBMITTERS = 8


@dataclass
class Cluster:
    bin_dir: Path
    data: Path
    port: int
    as_user: list[str]

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.data.parent / "postgres.log"), "-w", "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


def _postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [
        p for p in [shutil.which("initdb")] if p
    ]
    return Path(found[-1]).parent if found else None


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bin_dir = _postgres_binaries()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("initdb/pg_ctl not found; CI must run the PostgreSQL outage test")
        pytest.skip("initdb/pg_ctl not found: cannot start a private PostgreSQL to restart")
    root = Path(tempfile.mkdtemp(prefix="lagesbot-pg-outage-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the throwaway cluster belongs to postgres.
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    running = Cluster(bin_dir, data, free_port(), as_user)
    running.start()
    try:
        yield running
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            running.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Seen:
    at: float
    status: int


async def test_a_postgresql_restart_answers_503_and_the_same_process_recovers(
    cluster: Cluster, bot: Bot, figures: Callable[[str], None]
) -> None:
    admin = await asyncpg.connect(cluster.url("postgres").replace("+asyncpg", ""))
    try:
        await admin.execute("CREATE DATABASE lagesbot")
    finally:
        await admin.close()
    database_url = cluster.url("lagesbot")
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    await engine.dispose()
    managers = await seed(database_url, managers=SUBMITTERS, items_each=3)

    sent: list[Submit] = []
    acked: set[str] = set()
    answers: list[Seen] = []
    health: list[Seen] = []
    stop = asyncio.Event()

    async def manager_presses(server: Server, manager: Manager) -> None:
        number = 1
        submit = make_submit(manager, number, "outage")
        sent.append(submit)
        while not stop.is_set():
            status, body = await bot.invoke(server, submit.activity(bot), within=15)
            answers.append(Seen(time.monotonic(), status))
            if acknowledged(status, body):
                acked.add(submit.activity_id)
                number += 1
                submit = make_submit(manager, number, "outage")
                sent.append(submit)
            else:
                await asyncio.sleep(0.05)  # Teams retries the same activity

    async def watch_health(server: Server) -> None:
        while not stop.is_set():
            health.append(Seen(time.monotonic(), await bot.health(server)))
            await asyncio.sleep(0.1)

    async with bot.serve(database_url, "outage") as server:
        pid = server.process.pid
        tasks = [asyncio.create_task(manager_presses(server, m)) for m in managers]
        tasks.append(asyncio.create_task(watch_health(server)))
        await asyncio.sleep(1.5)
        down_at = time.monotonic()
        await asyncio.to_thread(cluster.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(OUTAGE_SECONDS)
        up_from = time.monotonic()
        await asyncio.to_thread(cluster.start)
        up_at = time.monotonic()
        # Keep going until every manager has had answers acknowledged after the restart.
        deadline = up_at + 30
        while time.monotonic() < deadline:
            recovered = [s for s in answers if s.at > up_at and s.status == 200]
            if len(recovered) >= 3 * SUBMITTERS and any(
                h.at > up_at and h.status == 200 for h in health
            ):
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*tasks)
        same_process = server.alive() and server.process.pid == pid

    during = [s for s in answers if stopped_at <= s.at <= up_from]
    codes = Counter(s.status for s in answers)
    during_codes = Counter(s.status for s in during)
    first_ok = min((s.at for s in answers if s.at > up_at and s.status == 200), default=None)
    health_codes = [h.status for h in health]
    health_down = [h.status for h in health if stopped_at <= h.at <= up_from]
    health_after = [h.status for h in health if h.at > up_at]
    stored, problems = check_stored(await stored_answers(database_url), sent, acked)
    recovery = "never" if first_ok is None else f"{first_ok - up_at:.2f} s"
    figures(
        f"{len(answers)} submit requests, {len(during)} while PostgreSQL was down "
        f"({OUTAGE_SECONDS} s, stop took {stopped_at - down_at:.2f} s, start "
        f"{up_at - up_from:.2f} s): {during_codes[503]} answered 503, {during_codes[500]} "
        f"answered 500; all answers {dict(codes)}; first 200 {recovery} after the database was "
        f"back; /healthz {health_down.count(503)}x 503 while down, then 200; "
        f"{len(acked)} acknowledged, {stored['stored']} stored, {stored['lost']} lost, "
        f"{stored['duplicates']} duplicates"
    )
    assert same_process, "the server had to be restarted"
    # Clear, retryable errors during the outage; never a 500 nor a dropped connection.
    assert during_codes[503] > 0
    assert set(codes) <= {200, 503}, codes
    assert NO_ANSWER not in codes
    # Health reported the outage and the recovery.
    assert 503 in health_down
    assert health_after and health_after[-1] == 200
    assert health_codes[0] == 200
    # The process recovered by itself and nothing is lost, half-stored or doubled.
    assert first_ok is not None
    assert problems == []
    assert (stored["lost"], stored["half_stored"], stored["duplicates"]) == (0, 0, 0)
