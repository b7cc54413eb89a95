"""Card submit latency: Action.Execute invokes through the real HTTP endpoint, JWT validation
on, against `lagesbot serve` running as its own process on SQLite and on PostgreSQL.

Each simulated manager owns a few goals in an open round; a submitter opens the card for
editing (not timed), then submits a changed status for every item (timed) — the work Teams
waits on when a manager presses "Skicka". Run: `python -m bench.submit_bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from bench.common import (
    free_port,
    peak_rss_mb,
    percentile,
    print_table,
    scratch_database,
    serve_process,
    write_results,
)
from cards import verbs
from demo import entra_standin as entra
from demo.entra_standin import EntraTokenEndpoint
from storage.db import create_engine, create_session_factory
from storage.models import (
    ItemKind,
    OrgUnit,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    ReportRequest,
    RoundItem,
    RoundState,
    StatusScale,
    utcnow,
)
from tests.fakes import botframework_issuer
from tests.fakes.botframework_issuer import BotFrameworkIssuer

APP_ID = "00000000-0000-4000-8000-0000000be4c4"
APP_SECRET = "bench-secret-not-real"
TENANT_ID = "72f988bf-0000-4000-8000-0000000be4c4"
STATUSES = ("on_track", "deviation")
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


@dataclass
class Manager:
    object_id: str
    name: str
    round_id: int
    request_id: int
    item_ids: list[int]
    # The submit this manager will send next, taken from the card Ändra returned.
    ready: dict[str, Any] | None = None


async def seed(database_url: str, managers: int, items_each: int) -> list[Manager]:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        unit = OrgUnit(key="BENCH", name="Bänkförvaltningen")
        plan = Plan(key="bench-plan", name="Bänkplan")
        session.add_all([unit, plan])
        await session.flush()
        scale = (await session.execute(select(StatusScale))).scalars().first()
        assert scale is not None
        now = utcnow()
        rnd = ReportingRound(
            key="bench-round",
            name="Bänkrunda",
            plan_id=plan.id,
            state=RoundState.OPEN,
            opens_at=now - timedelta(days=1),
            deadline_at=now + timedelta(days=30),
            status_scale_id=scale.id,
            risk_scale_id=None,
        )
        session.add(rnd)
        people = [
            Person(
                entra_object_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"bench-{n}")),
                upn=f"chef{n}@bench.example",
                display_name=f"Chef {n}",
                org_unit_id=unit.id,
            )
            for n in range(managers)
        ]
        session.add_all(people)
        await session.flush()
        items = {
            person.id: [
                PlanItem(
                    plan_id=plan.id,
                    key=f"G{n}-{k}",
                    kind=ItemKind.GOAL,
                    title=f"Mål {k} för enhet {n}",
                    owner_id=person.id,
                    org_unit_id=unit.id,
                    position=k,
                )
                for k in range(items_each)
            ]
            for n, person in enumerate(people)
        }
        session.add_all(item for own in items.values() for item in own)
        requests = {
            person.id: ReportRequest(round_id=rnd.id, person_id=person.id) for person in people
        }
        session.add_all(requests.values())
        await session.flush()
        session.add_all(
            RoundItem(round_id=rnd.id, item_id=item.id, owner_id=person_id)
            for person_id, own in items.items()
            for item in own
        )
        seeded = [
            Manager(
                str(person.entra_object_id),
                person.display_name,
                rnd.id,
                requests[person.id].id,
                [item.id for item in items[person.id]],
            )
            for person in people
        ]
    await engine.dispose()
    return seeded


def invoke_activity(
    manager: Manager, activity_id: str, verb: str, data: dict[str, Any], *, service_url: str
) -> dict[str, Any]:
    """The invoke Teams sends when ``manager`` presses an Action.Execute button in their 1:1
    chat with the bot."""
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": activity_id,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {
            "id": f"29:{manager.object_id}",
            "name": manager.name,
            "aadObjectId": manager.object_id,
        },
        "conversation": {
            "id": f"a:personal-{manager.object_id}",
            "conversationType": "personal",
            "tenantId": TENANT_ID,
        },
        "recipient": {"id": f"28:{APP_ID}", "name": "Lägesbot"},
        "channelData": {"tenant": {"id": TENANT_ID}},
        "locale": "sv-SE",
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    }


class Submitter:
    """The load generator: posts invokes as Teams does, with a Bot Framework token.

    The token is minted once a minute and reused, as the Bot Connector reuses its token (an
    hour long) across requests; the server checks it in full on every request. The baseline
    bot gets the same requests without a token (it is anonymous)."""

    def __init__(
        self, http: aiohttp.ClientSession, url: str, issuer: BotFrameworkIssuer | None
    ) -> None:
        self.http = http
        self.url = url
        self.issuer = issuer
        self.ids = itertools.count(1)
        self.service_url = "http://127.0.0.1:9/"  # never called: invoke answers travel in the body
        self._token: tuple[float, str] | None = None

    def _headers(self) -> dict[str, str]:
        if self.issuer is None:
            return {}
        if self._token is None or time.monotonic() - self._token[0] > 60:
            token = self.issuer.token(audience=APP_ID, service_url=self.service_url)
            self._token = (time.monotonic(), token)
        return {"Authorization": f"Bearer {self._token[1]}"}

    async def invoke(self, manager: Manager, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        activity = invoke_activity(
            manager, f"bench-{next(self.ids)}", verb, data, service_url=self.service_url
        )
        async with self.http.post(
            f"{self.url}/api/messages", json=activity, headers=self._headers()
        ) as response:
            raw = await response.read()
            body = json.loads(raw) if response.content_type == "application/json" else {}
            if response.status != 200 or body.get("type") != CARD_TYPE:
                raise RuntimeError(f"{verb}: HTTP {response.status} {raw[:200]!r}")
            return dict(body["value"])


def _submit_data(card: dict[str, Any]) -> dict[str, Any] | None:
    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verbs.SUBMIT_STATUS:
                return dict(node["data"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


class Target:
    """What is measured: Lägesbot (Ändra, then Skicka) or the baseline bot (the same invoke)."""

    def __init__(self, submitter: Submitter, *, baseline: bool) -> None:
        self.submitter = submitter
        self.baseline = baseline
        self.statuses = itertools.cycle(STATUSES)

    async def prepare(self, manager: Manager) -> None:
        """Press Ändra (not timed) and fill in the card, so the next submit is ready."""
        data: dict[str, Any] = {"round_id": manager.round_id, "request_id": manager.request_id}
        if not self.baseline:
            card = await self.submitter.invoke(manager, verbs.EDIT_STATUS, data)
            found = _submit_data(card)
            if found is None:
                raise RuntimeError("the edit card has no submit action")
            data = found
        status = next(self.statuses)
        for item_id in manager.item_ids:
            data[f"status.{item_id}"] = status
            data[f"comment.{item_id}"] = f"Läget {status} ({time.time_ns()})"
        manager.ready = data

    async def submit(self, manager: Manager) -> None:
        """Press Skicka (timed); a card that still asks for the answers is an error."""
        assert manager.ready is not None
        data, manager.ready = manager.ready, None
        card = await self.submitter.invoke(manager, verbs.SUBMIT_STATUS, data)
        if not self.baseline and _submit_data(card) is not None:
            raise RuntimeError("the submit was not recorded (the card asks again)")


async def _prepare_all(target: Target, managers: list[Manager], concurrency: int) -> int:
    """Ändra for every manager that has no submit ready; returns the failures."""
    queue = [m for m in managers if m.ready is None]
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while queue:
            manager = queue.pop()
            try:
                await target.prepare(manager)
            except RuntimeError as error:
                failures += 1
                if failures <= 3:
                    print(f"  prepare error: {error}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


def _latency_row(latencies: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies]
    return {
        "submits": len(latencies),
        "errors": errors,
        "submits_per_s": len(latencies) / elapsed if elapsed else float("nan"),
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
        "p99_ms": percentile(ms, 0.99),
    }


async def closed_loop(
    target: Target, managers: list[Manager], concurrency: int, submits: int
) -> dict[str, Any]:
    """``concurrency`` submitters, each sending again as soon as it is answered, ``submits``
    in all. Submits go in passes over the managers: every manager presses Ändra (not timed),
    then the timed pass presses Skicka once for each. Only the passes count, so submits/s is
    the rate of the invokes Teams waits on, comparable with the baseline's invokes/s."""
    latencies: list[float] = []
    errors = 0
    elapsed = 0.0
    pass_rates: list[float] = []
    while len(latencies) < submits and errors <= max(20, submits // 10):
        errors += await _prepare_all(target, managers, concurrency)
        pending = [m for m in managers if m.ready is not None][: submits - len(latencies)]
        before = len(latencies)

        async def worker(pending: list[Manager]) -> None:
            nonlocal errors
            while pending:
                manager = pending.pop()
                started = time.perf_counter()
                try:
                    await target.submit(manager)
                    latencies.append(time.perf_counter() - started)
                except RuntimeError as error:
                    errors += 1
                    if errors <= 3:
                        print(f"  error: {error}")

        started = time.perf_counter()
        await asyncio.gather(*(worker(pending) for _ in range(concurrency)))
        took = time.perf_counter() - started
        elapsed += took
        pass_rates.append((len(latencies) - before) / took)
    return {
        "mode": "closed",
        "concurrency": concurrency,
        **_latency_row(latencies, errors, elapsed),
        # Submits/s of the first and the last pass: whether a submit costs more as answers pile up.
        "first_pass_per_s": pass_rates[0] if pass_rates else float("nan"),
        "last_pass_per_s": pass_rates[-1] if pass_rates else float("nan"),
    }


async def open_loop(
    target: Target, managers: list[Manager], rate: float, seconds: float, *, seed: int = 20
) -> dict[str, Any]:
    """Submits arriving at random moments (Poisson, ``rate`` a second on average) for
    ``seconds``, whether or not earlier ones have been answered - as managers press Skicka.
    Each manager's Ändra is done beforehand; latency counts from the planned arrival, so a
    generator that falls behind shows as latency, not as a lower load."""
    randomness = random.Random(seed)
    await _prepare_all(target, managers, 20)
    ready = [m for m in managers if m.ready is not None]
    latencies: list[float] = []
    errors = 0
    starved = 0

    async def one(manager: Manager, planned: float) -> None:
        nonlocal errors
        try:
            await target.submit(manager)
            latencies.append(time.perf_counter() - planned)
        except RuntimeError as error:
            errors += 1
            if errors <= 3:
                print(f"  error: {error}")

    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    planned = started
    while True:
        planned += randomness.expovariate(rate)
        if planned - started > seconds:
            break
        await asyncio.sleep(max(0.0, planned - time.perf_counter()))
        if not ready:
            starved += 1
            continue
        tasks.append(asyncio.create_task(one(ready.pop(), planned)))
    await asyncio.gather(*tasks)
    row = _latency_row(latencies, errors + starved, seconds)
    return {"mode": "open", "rate": rate, "seconds": seconds, **row, "starved": starved}


@asynccontextmanager
async def lagesbot_server(
    backend: str, managers: int
) -> AsyncIterator[tuple[Submitter, Any, list[Manager]]]:
    """`lagesbot serve` on a scratch database of the backend, JWT validation on."""
    async with scratch_database(backend) as database_url:
        seeded = await seed(database_url, managers=managers, items_each=4)
        issuer = BotFrameworkIssuer()
        issuer_server = await botframework_issuer.start(issuer)
        # The SDK asks Entra ID for a token on every turn (cached), so the bench serves one.
        token_endpoint = EntraTokenEndpoint(
            tenant_id=TENANT_ID, client_id=APP_ID, client_secret=APP_SECRET
        )
        tls_dir = Path(tempfile.mkdtemp(prefix="lagesbot-bench-tls-"))
        entra_server, ca_path = await entra.start(token_endpoint, tls_dir)
        port = free_port()
        env = {
            "DATABASE_URL": database_url,
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": APP_SECRET,
            "LAGESBOT_AUTHORITY": token_endpoint.authority,
            "LAGESBOT_CA_BUNDLE": str(ca_path),
            "MICROSOFT_APP_TENANT_ID": TENANT_ID,
            "LAGESBOT_ALLOWED_TENANTS": TENANT_ID,
            "LAGESBOT_OPENID_METADATA_URL": issuer.metadata_url,
            "LAGESBOT_WORKERS": "0",
            "LAGESBOT_LOG_LEVEL": "WARNING",
        }
        try:
            async with (
                serve_process(env, port, log_name=f"submit-{backend}") as process,
                _client() as http,
            ):
                yield Submitter(http, f"http://127.0.0.1:{port}", issuer), process, seeded
        finally:
            await issuer_server.close()
            await entra_server.close()
            shutil.rmtree(tls_dir, ignore_errors=True)


@asynccontextmanager
async def baseline_server(managers: int) -> AsyncIterator[tuple[Submitter, Any, list[Manager]]]:
    """The bare Agents SDK bot (bench/baseline_bot.py) as its own process."""
    port = free_port()
    command = [sys.executable, "-m", "bench.baseline_bot", "--port", str(port)]
    fake = [
        Manager(
            str(uuid.uuid5(uuid.NAMESPACE_DNS, f"bench-{n}")),
            f"Chef {n}",
            1,
            n + 1,
            [4 * n + k for k in range(4)],
        )
        for n in range(managers)
    ]
    async with (
        serve_process({}, port, log_name="submit-baseline", command=command) as process,
        _client() as http,
    ):
        yield Submitter(http, f"http://127.0.0.1:{port}", None), process, fake


@contextmanager
def profiling(folder: Path | None, name: str, pid: int) -> Iterator[None]:
    """py-spy sampling the server while the block runs (``--profile DIR``): a raw
    (collapsed-stack) file per level, for flame graphs or ``sort | uniq`` reading."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        "200",
    ]
    command += ["--output", str(folder / f"{name}.txt"), "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)


def _client() -> aiohttp.ClientSession:
    # One connection per request in flight, as many as the open loop may have.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500))


async def measure(name: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every closed-loop level, then the open loop, on one server process."""
    rows: list[dict[str, Any]] = []
    # Each open-loop submit needs a manager whose Ändra was pressed beforehand.
    opening = int(args.open_rate * args.open_seconds * 1.2) + 50 if args.open_rate > 0 else 0
    managers_needed = args.managers + opening
    server = (
        baseline_server(managers_needed)
        if name == "baseline"
        else lagesbot_server(name, managers_needed)
    )
    async with server as (submitter, process, managers):
        target = Target(submitter, baseline=name == "baseline")
        await closed_loop(target, managers[:20], concurrency=5, submits=40)  # warm-up
        closed = managers[: args.managers]
        for concurrency in args.concurrency:
            with profiling(args.profile, f"{name}-c{concurrency}", process.pid):
                row = await closed_loop(target, closed, concurrency, args.submits)
            rows.append({"server": name, **row, "server_peak_rss_mb": peak_rss_mb(process.pid)})
        if args.open_rate > 0:
            row = await open_loop(
                target, managers[args.managers :], args.open_rate, args.open_seconds
            )
            rows.append({"server": name, **row, "server_peak_rss_mb": peak_rss_mb(process.pid)})
    return rows


def fractions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each Lägesbot closed-loop level's submits/s as a fraction of the baseline's invokes/s
    at the same concurrency (the mean of the baseline runs before and after)."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if row["server"] == "baseline" or row["mode"] != "closed":
            continue
        base = [
            r["submits_per_s"]
            for r in rows
            if r["server"] == "baseline"
            and r["mode"] == "closed"
            and r["concurrency"] == row["concurrency"]
        ]
        reference = sum(base) / len(base) if base else float("nan")
        out.append(
            {
                "backend": row["server"],
                "concurrency": row["concurrency"],
                "submits_per_s": row["submits_per_s"],
                "baseline_invokes_per_s": reference,
                "fraction": row["submits_per_s"] / reference if base else float("nan"),
            }
        )
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    # The baseline before and after Lägesbot: the machine is shared, so the mean of the two
    # is the fairer reference, and their spread says how much the load moved meanwhile.
    order = ["baseline", *args.backends, "baseline"] if args.baseline else list(args.backends)
    for name in order:
        rows += await measure(name, args)
    print_table("Closed loop (JWT on for Lägesbot)", [r for r in rows if r["mode"] == "closed"])
    print_table("Open loop, Poisson arrivals", [r for r in rows if r["mode"] == "open"])
    shares = fractions(rows)
    print_table("Lägesbot submits/s as a fraction of the bare SDK's invokes/s", shares)
    return {
        "submit": rows,
        "fraction": shares,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "target": {"fraction_postgresql": 0.35, "fraction_sqlite": 0.25, "open_p99_ms": 150},
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[10, 50])
    parser.add_argument("--submits", type=int, default=1000, help="timed submits per level")
    parser.add_argument("--managers", type=int, default=500)
    parser.add_argument("--open-rate", type=float, default=50, help="open-loop submits/s; 0: none")
    parser.add_argument("--open-seconds", type=float, default=60)
    parser.add_argument("--profile", type=Path, help="py-spy the server into this folder")
    parser.add_argument(
        "--no-baseline", dest="baseline", action="store_false", help="skip the bare SDK bot"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    results = asyncio.run(main_async(parse_args(argv)))
    print(f"\nwrote {write_results('submit', results)}")


if __name__ == "__main__":
    main()
