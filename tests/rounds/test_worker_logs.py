"""The workers' log lines name what they work on: a sender line the outbox job and its round,
a scheduler line the round it opens, as fields of the JSON line (correlation ids)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logging_setup import json_handler
from services.delivery.scheduler import Scheduler
from services.followup import rounds
from storage.models import OutboxJob, RoundState
from tests.factories import NOW, open_round
from tests.rounds.builders import remember_chat, round_with_owners
from tests.rounds.conftest import FAST, Teams


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the production JSON handler writes, from every logger at INFO and above."""
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def events(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_failed_delivery_is_logged_with_its_job_and_round(
    session: AsyncSession, teams: Teams, json_lines: io.StringIO
) -> None:
    s = await open_round(session, state=RoundState.SCHEDULED)
    blocked = await remember_chat(session, s.owner, teams.service_url)
    await rounds.open_round(session, s.round, now=NOW, actor="admin")
    await session.commit()
    job = (
        await session.execute(select(OutboxJob).where(OutboxJob.person_id == s.owner.id))
    ).scalar_one()
    teams.connector.script(blocked, 403)

    await teams.sender().run_until_idle(timeout_seconds=20)

    [failed] = [e for e in events(json_lines) if e["message"].startswith(f"outbox job {job.id}")]
    assert failed["level"] == "WARNING"
    assert failed["outbox_job_id"] == str(job.id)
    assert failed["round_id"] == str(s.round.id)
    # Lines outside a delivery carry no job id.
    assert all(
        "outbox_job_id" not in e for e in events(json_lines) if "outbox job" not in e["message"]
    )


async def test_opening_a_scheduled_round_is_logged_with_its_round(
    session: AsyncSession, teams: Teams, json_lines: io.StringIO
) -> None:
    many = await round_with_owners(session, 2)
    round_id = many.round.id
    await session.commit()

    result = await Scheduler(teams.sessions, FAST, clock=lambda: NOW).tick()

    assert result.opened == [round_id]
    opened = [e for e in events(json_lines) if e["message"] == f"scheduled round {round_id} opened"]
    assert [e.get("round_id") for e in opened] == [str(round_id)]
