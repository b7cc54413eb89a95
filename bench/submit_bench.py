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
import shutil
import tempfile
import time
import uuid
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


async def seed(database_url: str, managers: int, items_each: int) -> list[Manager]:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    seeded: list[Manager] = []
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
        await session.flush()
        for n in range(managers):
            person = Person(
                entra_object_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"bench-{n}")),
                upn=f"chef{n}@bench.example",
                display_name=f"Chef {n}",
                org_unit_id=unit.id,
            )
            session.add(person)
            await session.flush()
            items = [
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
            session.add_all(items)
            await session.flush()
            session.add_all(
                RoundItem(round_id=rnd.id, item_id=i.id, owner_id=person.id) for i in items
            )
            request = ReportRequest(round_id=rnd.id, person_id=person.id)
            session.add(request)
            await session.flush()
            assert person.entra_object_id is not None
            seeded.append(
                Manager(
                    person.entra_object_id,
                    person.display_name,
                    rnd.id,
                    request.id,
                    [i.id for i in items],
                )
            )
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
    def __init__(self, http: aiohttp.ClientSession, url: str, issuer: BotFrameworkIssuer) -> None:
        self.http = http
        self.url = url
        self.issuer = issuer
        self.ids = itertools.count(1)
        self.service_url = "http://127.0.0.1:9/"  # never called: invoke answers travel in the body

    async def invoke(self, manager: Manager, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        token = self.issuer.token(audience=APP_ID, service_url=self.service_url)
        async with self.http.post(
            f"{self.url}/api/messages",
            json=invoke_activity(
                manager, f"bench-{next(self.ids)}", verb, data, service_url=self.service_url
            ),
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            raw = await response.read()
            body = json.loads(raw) if response.content_type == "application/json" else {}
            if response.status != 200 or body.get("type") != CARD_TYPE:
                raise RuntimeError(f"{verb}: HTTP {response.status} {raw[:200]!r}")
            return dict(body["value"])


def _submit_data(card: dict[str, Any]) -> dict[str, Any]:
    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verbs.SUBMIT_STATUS:
                return dict(node["data"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise RuntimeError("the card has no submit action")


async def run_level(
    submitter: Submitter, managers: list[Manager], concurrency: int, submits: int
) -> dict[str, Any]:
    queue: asyncio.Queue[Manager] = asyncio.Queue()
    for manager in managers:
        queue.put_nowait(manager)
    latencies: list[float] = []
    errors = 0
    done = 0
    rounds_of = itertools.count()

    async def worker() -> None:
        nonlocal errors, done
        while done < submits:
            manager = await queue.get()
            try:
                card = await submitter.invoke(
                    manager,
                    verbs.EDIT_STATUS,
                    {"round_id": manager.round_id, "request_id": manager.request_id},
                )
                data = _submit_data(card)
                status = STATUSES[next(rounds_of) % 2]
                for item_id in manager.item_ids:
                    data[f"status.{item_id}"] = status
                    data[f"comment.{item_id}"] = f"Läget {status} ({time.time_ns()})"
                started = time.perf_counter()
                await submitter.invoke(manager, verbs.SUBMIT_STATUS, data)
                latencies.append(time.perf_counter() - started)
                done += 1
            except RuntimeError as error:
                errors += 1
                if errors <= 3:
                    print(f"  error: {error}")
                if errors > max(20, submits // 10):
                    # A bench that only measures failures would otherwise spin forever.
                    raise RuntimeError(f"{errors} failed submits; see bench/results/") from error
            finally:
                queue.put_nowait(manager)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {
        "concurrency": concurrency,
        "submits": len(latencies),
        "errors": errors,
        # Each submit is preceded by an untimed edit invoke, so requests/s is twice this.
        "submits_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
        "p99_ms": percentile(ms, 0.99),
    }


async def bench_backend(
    backend: str, concurrencies: list[int], submits: int, managers: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
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
                aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=max(concurrencies) + 5)
                ) as http,
            ):
                submitter = Submitter(http, f"http://127.0.0.1:{port}", issuer)
                await run_level(submitter, seeded, concurrency=5, submits=50)  # warm-up
                for concurrency in concurrencies:
                    row = await run_level(submitter, seeded, concurrency, submits)
                    rows.append(
                        {"backend": backend, **row, "server_peak_rss_mb": peak_rss_mb(process.pid)}
                    )
        finally:
            await issuer_server.close()
            await entra_server.close()
            shutil.rmtree(tls_dir, ignore_errors=True)
    return rows


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for backend in args.backends:
        rows += await bench_backend(backend, args.concurrency, args.submits, args.managers)
    print_table("Card submit through the real endpoint (JWT on)", rows)
    return {"submit": rows, "target": {"p99_ms_at_50": 150}}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[10, 50])
    parser.add_argument("--submits", type=int, default=1000, help="timed submits per level")
    parser.add_argument("--managers", type=int, default=200)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    results = asyncio.run(main_async(parse_args(argv)))
    print(f"\nwrote {write_results('submit', results)}")


if __name__ == "__main__":
    main()
