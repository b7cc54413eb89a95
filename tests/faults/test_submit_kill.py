"""SIGKILL of `lagesbot serve` in the middle of a burst of card submits, then a restart.

Managers press "Skicka" again and again, all at once; the server is killed while many of
those invokes are in its hands. Every submit Teams saw acknowledged (HTTP 200 with the
refreshed card) must be stored exactly as sent; the others are stored whole or not at all,
and when Teams sends them again to the restarted server each lands exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import pytest

from bench.submit_bench import Manager, seed
from tests.conftest import DatabaseFactory
from tests.faults.conftest import (
    NO_ANSWER,
    Bot,
    Server,
    Submit,
    acknowledged,
    check_stored,
    make_submit,
    stored_answers,
)

MANAGERS = 40
ITEMS_EACH = 4
KILL_AFTER_ACKS = 60


async def burst_until_killed(
    bot: Bot, server: Server, managers: list[Manager]
) -> tuple[list[Submit], set[str], list[Submit], Counter[int]]:
    """Every manager submits over and over; the server is killed after KILL_AFTER_ACKS
    acknowledgements. Returns everything sent, what was acknowledged, what was not, and
    the HTTP statuses seen (NO_ANSWER for a broken connection)."""
    sent: list[Submit] = []
    acked: set[str] = set()
    unacked: list[Submit] = []
    statuses: Counter[int] = Counter()
    enough = asyncio.Event()

    async def manager_presses(manager: Manager) -> None:
        number = 1
        while True:
            submit = make_submit(manager, number, "kill")
            sent.append(submit)
            status, body = await bot.invoke(server, submit.activity(bot))
            statuses[status] += 1
            if not acknowledged(status, body):
                unacked.append(submit)
                return
            acked.add(submit.activity_id)
            if len(acked) >= KILL_AFTER_ACKS:
                enough.set()
            number += 1

    presses = [asyncio.create_task(manager_presses(m)) for m in managers]
    await asyncio.wait_for(enough.wait(), timeout=60)
    server.kill()
    await asyncio.wait_for(asyncio.gather(*presses), timeout=60)
    return sent, acked, unacked, statuses


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_acknowledged_submits_survive_a_sigkill_and_retries_land_once(
    backend: str,
    database_factories: dict[str, DatabaseFactory],
    bot: Bot,
    figures: Callable[[str], None],
) -> None:
    database_url = await database_factories[backend].migrated()
    managers = await seed(database_url, managers=MANAGERS, items_each=ITEMS_EACH)

    async with bot.serve(database_url, f"{backend}-first") as server:
        sent, acked, unacked, statuses = await burst_until_killed(bot, server, managers)
        assert not server.alive()

    # Before the restart: acknowledged answers are there, nothing is half-stored.
    at_kill, problems = check_stored(await stored_answers(database_url), sent, acked)
    assert problems == []
    in_flight_stored = at_kill["stored"] - len(acked)

    # Teams retries what it saw no answer for, with the same activity id.
    retried: Counter[int] = Counter()
    async with bot.serve(database_url, f"{backend}-restarted") as server:
        answers = await asyncio.gather(*(bot.invoke(server, s.activity(bot)) for s in unacked))
        for submit, (status, body) in zip(unacked, answers, strict=True):
            retried[status] += 1
            if acknowledged(status, body):
                acked.add(submit.activity_id)

    after, problems = check_stored(await stored_answers(database_url), sent, acked)
    figures(
        f"{backend}: {len(sent)} submits sent by {MANAGERS} managers, {len(sent) - len(unacked)}"
        f" acknowledged before SIGKILL, {len(unacked)} unacknowledged ({in_flight_stored} of "
        f"them already stored whole, none half); after restart and retry: {after['stored']} "
        f"stored, {after['lost']} lost, {after['half_stored']} half-stored, "
        f"{after['duplicates']} duplicates; statuses at kill {dict(statuses)}, "
        f"on retry {dict(retried)}"
    )
    assert problems == []
    assert (after["lost"], after["half_stored"], after["duplicates"]) == (0, 0, 0)
    # The kill hit submits in flight, and every retry was acknowledged and stored.
    assert statuses[NO_ANSWER] > 0
    assert retried == Counter({200: len(unacked)})
    assert after["stored"] == len(sent) == len(acked)
    assert 500 not in statuses
