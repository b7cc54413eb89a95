"""Fan-out of a round to many owners through the real sender, against a local Bot Connector
that enforces Teams' limits (per-tenant rate, per-conversation limit, 429 with Retry-After).

A round with ``--owners`` owners (one goal each, every owner with a stored 1:1 conversation
reference, so no Graph install is needed) is seeded on a scratch PostgreSQL database; one and
then two `lagesbot serve` processes run their sender against the fake connector served by this
process. Once the senders are up, the round is opened (one request job per owner) and the bench
waits until every request job is sent. Reported per configuration:

- ``rate_per_s``: delivered messages per second from the first to the last delivery, as the
  connector saw them, and ``rate_fraction`` of the configured limit (target ≥ 0.97);
- ``open_to_done_s``: from the commit that opened the round to the last job marked sent;
- ``throttled_429``: 429 answers the connector gave; ``lost``: owners never reached;
  ``duplicates``: request cards posted to a conversation more than once (target 0 and 0);
- ``peak_rss_mb``: VmHWM of each server process (target ≤ 250 MB).

Run: ``python -m bench.fanout_bench`` (``--owners``, ``--instances``, ``--rate``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.common import (
    free_port,
    peak_rss_mb,
    print_table,
    scratch_database,
    serve_process,
    write_results,
)
from services.followup import rounds
from storage.db import create_engine, create_session_factory
from storage.models import (
    ConversationKind,
    ConversationReference,
    ItemKind,
    OutboxJob,
    OutboxKind,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    RoundState,
    StatusScale,
    WorkerHeartbeat,
    utcnow,
)
from tests.fakes import bot_connector
from tests.fakes.bot_connector import BotConnector

TENANT_ID = "72f988bf-0000-4000-8000-0000000fa40a"
TEAMS_TENANT_RATE = 50  # proactive messages per second per app per tenant
TEAMS_CONVERSATION_RATE = 7  # operations per second per conversation (thread)
TARGET_FRACTION = 0.97
TARGET_RSS_MB = 250.0
BATCH = 1000


@dataclass
class TimedConnector(BotConnector):
    """The fake Bot Connector, also noting when each new message was accepted."""

    accepted_at: list[float] = field(default_factory=list)

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        if response.status < 300:
            self.accepted_at.append(time.monotonic())
        return response


async def seed(database_url: str, owners: int, service_url: str) -> int:
    """A scheduled round with one goal per owner and a 1:1 conversation per owner. Returns the
    round id."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            plan = Plan(key="fanout-plan", name="Utskicksplan")
            session.add(plan)
            await session.flush()
            scale = (await session.execute(select(StatusScale))).scalars().first()
            assert scale is not None
            now = utcnow()
            rnd = ReportingRound(
                key="fanout-round",
                name="Utskicksrunda",
                plan_id=plan.id,
                state=RoundState.SCHEDULED,
                # Far ahead, so no scheduler tick opens it before the bench does.
                opens_at=now + timedelta(days=30),
                deadline_at=now + timedelta(days=60),
                status_scale_id=scale.id,
            )
            session.add(rnd)
            await session.flush()
            for start in range(0, owners, BATCH):
                numbers = range(start, min(owners, start + BATCH))
                await session.execute(
                    insert(Person),
                    [
                        {
                            "entra_object_id": f"00000000-0000-4000-8000-{n:012d}",
                            "upn": f"chef{n}@fanout.example",
                            "display_name": f"Chef {n}",
                        }
                        for n in numbers
                    ],
                )
            people = (
                await session.execute(select(Person.id, Person.entra_object_id).order_by(Person.id))
            ).all()
            for start in range(0, len(people), BATCH):
                chunk = people[start : start + BATCH]
                await session.execute(
                    insert(PlanItem),
                    [
                        {
                            "plan_id": plan.id,
                            "key": f"G{person_id}",
                            "kind": ItemKind.GOAL,
                            "title": f"Mål för enhet {person_id}",
                            "owner_id": person_id,
                            "position": 0,
                        }
                        for person_id, _ in chunk
                    ],
                )
                await session.execute(
                    insert(ConversationReference),
                    [
                        {
                            "conversation_id": f"a:chat-{object_id}",
                            "kind": ConversationKind.PERSONAL,
                            "person_id": person_id,
                            "user_aad_object_id": object_id,
                            "tenant_id": TENANT_ID,
                            "service_url": service_url,
                            "reference": {"user": {"id": f"29:{object_id}"}},
                        }
                        for person_id, object_id in chunk
                    ],
                )
            return rnd.id
    finally:
        await engine.dispose()


async def request_counts(sessions: async_sessionmaker[AsyncSession]) -> Counter[str]:
    async with sessions() as session:
        query = (
            select(OutboxJob.state, func.count())
            .where(OutboxJob.kind == OutboxKind.REQUEST)
            .group_by(OutboxJob.state)
        )
        return Counter({str(s): int(n) for s, n in (await session.execute(query)).all()})


async def live_senders(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(func.count()).where(WorkerHeartbeat.role == "sender")
        return int(await session.scalar(query) or 0)


async def run_configuration(
    owners: int, instances: int, rate: float, within: float
) -> dict[str, Any]:
    connector = TimedConnector(
        tenant_limit=TEAMS_TENANT_RATE, conversation_limit=TEAMS_CONVERSATION_RATE
    )
    fake = await bot_connector.start(connector)
    service_url = str(fake.make_url("")).rstrip("/") + "/"
    heartbeat = 1.0
    try:
        async with scratch_database("postgresql") as database_url, AsyncExitStack() as stack:
            round_id = await seed(database_url, owners, service_url)
            env = {
                "DATABASE_URL": database_url,
                "LAGESBOT_ANONYMOUS": "1",
                "LAGESBOT_WORKERS": "1",
                "LAGESBOT_SERVICE_URL": service_url,
                "LAGESBOT_SEND_RATE": f"{rate:g}",
                "LAGESBOT_HEARTBEAT": f"{heartbeat:g}",
                "LAGESBOT_SCHEDULER_INTERVAL": "3600",
                "LAGESBOT_LOG_LEVEL": "WARNING",
            }
            processes = [
                await stack.enter_async_context(
                    serve_process(env, free_port(), log_name=f"fanout-{instances}x-{n + 1}")
                )
                for n in range(instances)
            ]
            engine = create_engine(database_url)
            stack.push_async_callback(engine.dispose)
            sessions = create_session_factory(engine)
            # Every sender has seen the others' heartbeats (its share of the rate) before the
            # round opens, as in a deployment that has been running for a while.
            deadline = time.monotonic() + 60
            while await live_senders(sessions) < instances:
                if time.monotonic() > deadline:
                    raise RuntimeError("the senders did not start; see bench/results/*.log")
                await asyncio.sleep(0.2)
            await asyncio.sleep(2 * heartbeat + 0.5)

            async with sessions() as session, session.begin():
                rnd = await session.get(ReportingRound, round_id)
                assert rnd is not None
                await rounds.open_round(session, rnd, now=utcnow(), actor="bench")
            opened = time.monotonic()
            done_at = None
            counts: Counter[str] = Counter()
            while time.monotonic() - opened < within:
                counts = await request_counts(sessions)
                if counts["sent"] + counts["failed"] + counts["cancelled"] >= owners:
                    done_at = time.monotonic()
                    break
                await asyncio.sleep(0.25)
            rss = [peak_rss_mb(p.pid) for p in processes]
    finally:
        await fake.close()

    per_conversation = Counter(d.conversation_id for d in connector.delivered if d.method == "POST")
    duplicates = sum(n - 1 for n in per_conversation.values() if n > 1)
    lost = owners - len(per_conversation)
    times = connector.accepted_at
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    achieved = (len(times) - 1) / span if len(times) > 1 and span > 0 else float("nan")
    # The pacer spaces calls evenly, so a long gap means the sender had nothing ready to post.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    longest_gap = max(gaps, default=0.0)
    # Time in gaps of more than two slots: the sender had nothing ready, or a 429 paused it.
    stalled = sum(g for g in gaps if g > 2 / rate)
    return {
        "instances": instances,
        "owners": owners,
        "configured_per_s": rate,
        "rate_per_s": achieved,
        "rate_fraction": achieved / rate,
        "open_to_done_s": (done_at - opened) if done_at is not None else float("nan"),
        "sent": counts["sent"],
        "failed": counts["failed"],
        "throttled_429": connector.throttled,
        "peak_per_s": connector.peak_per_second(TENANT_ID),
        "longest_gap_ms": longest_gap * 1000,
        "stalled_s": stalled,
        "lost": lost,
        "duplicates": duplicates,
        "peak_rss_mb": max(rss) if rss else float("nan"),
        "rss_each_mb": [round(r, 1) for r in rss],
        "finished": done_at is not None,
        # The figures mean little on a busy machine: jitter there brings 429s and stalls.
        "load_avg_1m": os.getloadavg()[0],
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rows = [
        await run_configuration(args.owners, n, args.rate, args.timeout) for n in args.instances
    ]
    table = [{k: v for k, v in row.items() if k != "rss_each_mb"} for row in rows]
    print_table(
        f"Fan-out of {args.owners} request cards, Teams' limits "
        f"({TEAMS_TENANT_RATE}/s per tenant, {TEAMS_CONVERSATION_RATE}/s per conversation)",
        table,
    )
    return {
        "fanout": rows,
        "target": {
            "rate_fraction": TARGET_FRACTION,
            "lost": 0,
            "duplicates": 0,
            "peak_rss_mb": TARGET_RSS_MB,
        },
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--owners", type=int, default=10_000)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--rate", type=float, default=float(TEAMS_TENANT_RATE), help="LAGESBOT_SEND_RATE"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per configuration")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    results = asyncio.run(main_async(parse_args(argv)))
    print(f"\nwrote {write_results('fanout', results)}")


if __name__ == "__main__":
    main()
