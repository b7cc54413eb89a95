"""`lagesbot round ...` against a real database on both backends: a round file creates a
round once, and the admin commands open, extend, close and copy it with audit entries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cli.main import app
from services.followup.round_admin import local_zone
from storage import rounds as round_store
from storage.db import create_engine, create_session_factory
from storage.models import AuditEntry, OutboxKind, ReportingRound, RoundState, RoundSummary
from tests.admin.helpers import Region, outbox_jobs, region
from tests.factories import NOW

runner = CliRunner()
T = TypeVar("T")


def run(database_url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"DATABASE_URL": database_url}, input=input)
    return result.exit_code, result.output


def in_store(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture(autouse=True)
def cli_clock() -> Iterator[None]:
    """The CLI is where "now" enters (it reads the system clock), so the tests set that
    clock: rounds lie at fixed moments after NOW whatever today's date is."""
    with time_machine.travel(NOW, tick=True):
        yield


def local(moment: datetime) -> str:
    """As an admin would type it: Swedish local time to the minute."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def soon(days: int) -> datetime:
    return NOW + timedelta(days=days)


def round_file(tmp_path: Path, **extra: str) -> Path:
    path = tmp_path / "round.toml"
    lines = [
        'name = "Tertial 1 2027"',
        'plan = "rs-vp-2027"',
        'org_units = ["HSN"]',
        f'opens = "{local(soon(10))}"',
        f'deadline = "{local(soon(20))}"',
        *(f'{key} = "{value}"' for key, value in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_round(database_url: str, key: str) -> ReportingRound:
    async def get(session: AsyncSession) -> ReportingRound:
        rnd = await round_store.get_round_by_key(session, key)
        assert rnd is not None
        return rnd

    return in_store(database_url, get)


def actions(database_url: str) -> list[tuple[str, str]]:
    async def get(session: AsyncSession) -> list[tuple[str, str]]:
        rows = await session.execute(select(AuditEntry.actor, AuditEntry.action))
        return [(actor, action) for actor, action in rows.all()]

    return in_store(database_url, get)


def test_a_round_file_creates_the_round_once(database_url: str, tmp_path: Path) -> None:
    in_store(database_url, region)
    path = round_file(tmp_path)
    code, out = run(database_url, "round", "create", "--file", str(path), "--actor", "agneta")
    assert code == 0, out
    assert "Omgången tertial-1-2027 är skapad (Schemalagd)." in out
    assert "2 personer tillfrågas om 4 punkter." in out
    code, out = run(database_url, "round", "create", "--file", str(path), "--lang", "en")
    assert code == 0, out
    assert "exists already (Scheduled); nothing changed" in out
    rnd = stored_round(database_url, "tertial-1-2027")
    assert rnd.state == RoundState.SCHEDULED
    assert rnd.opens_at == soon(10)
    assert actions(database_url) == [("agneta", "round.create"), ("agneta", "round.schedule")]


def test_a_bad_round_file_stores_nothing_and_names_the_line(
    database_url: str, tmp_path: Path
) -> None:
    in_store(database_url, region)
    path = round_file(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace('["HSN"]', '["HSN", "NOPE"]'), encoding="utf-8"
    )
    code, out = run(database_url, "round", "create", "--file", str(path))
    assert code == 1
    assert "Ingenting sparades" in out
    assert "Rad 3: org_units: Okända enheter: NOPE." in out
    code, out = run(database_url, "round", "list")
    assert "Det finns inga omgångar än" in out


def test_open_extend_progress_close_and_copy(database_url: str, tmp_path: Path) -> None:
    r: Region = in_store(database_url, region)
    path = round_file(tmp_path, start="draft")
    assert run(database_url, "round", "create", "--file", str(path))[0] == 0

    code, out = run(database_url, "round", "preview", "tertial-1-2027")
    assert code == 0, out
    assert "Anna Lindqvist <anna.lindqvist@region-exempel.se>: 3 punkter" in out
    assert "Bo Ek <bo.ek@region-exempel.se>: 1 punkt" in out
    assert "Cecilia" not in out

    code, out = run(database_url, "round", "open", "tertial-1-2027", "--actor", "agneta")
    assert code == 0, out
    assert "2 personer tillfrågas om 4 punkter" in out
    rnd = stored_round(database_url, "tertial-1-2027")
    assert rnd.state == RoundState.OPEN

    async def jobs(session: AsyncSession) -> list[int | None]:
        found = await outbox_jobs(session, rnd.id)
        return [j.person_id for j in found if j.kind == OutboxKind.REQUEST]

    asked = in_store(database_url, jobs)
    assert len(asked) == 2 and set(asked) == {r.anna.id, r.bo.id}
    assert run(database_url, "round", "open", "tertial-1-2027")[0] == 0  # a no-op
    assert len(in_store(database_url, jobs)) == 2

    new_deadline = soon(27)
    code, out = run(
        database_url, "round", "extend", "tertial-1-2027", "--deadline", local(new_deadline)
    )
    assert code == 0, out
    assert stored_round(database_url, "tertial-1-2027").deadline_at == new_deadline
    code, out = run(database_url, "round", "extend", "tertial-1-2027", "--deadline", "snart")
    assert code != 0
    assert "Ange datum och tid" in out

    code, out = run(database_url, "round", "progress", "tertial-1-2027", "--lang", "en")
    assert code == 0, out
    assert "Answers: 0 of 4 items, 0 of 2 people done." in out
    assert "Cards: 0 sent, 0 failed, 2 pending." in out

    code, out = run(database_url, "round", "close", "tertial-1-2027", input="n\n")
    assert code == 1
    assert stored_round(database_url, "tertial-1-2027").state == RoundState.OPEN
    code, out = run(database_url, "round", "close", "tertial-1-2027", "--yes")
    assert code == 0, out
    assert "Omgången Tertial 1 2027 är stängd." in out

    async def summary(session: AsyncSession) -> dict[str, object]:
        row = (await session.execute(select(RoundSummary))).scalar_one()
        return dict(row.summary)

    assert in_store(database_url, summary)["items"] == 4
    code, out = run(
        database_url, "round", "extend", "tertial-1-2027", "--deadline", local(soon(40))
    )
    assert code == 1
    assert "är stängd och kan inte ändras" in out

    code, out = run(
        database_url, "round", "copy", "tertial-1-2027", "--name", "Tertial 2 2027",
        "--opens", local(soon(60)), "--deadline", local(soon(70)),
    )  # fmt: skip
    assert code == 0, out
    assert "Omgången tertial-2-2027 är skapad (Schemalagd)." in out
    copy = stored_round(database_url, "tertial-2-2027")
    assert copy.previous_round_id == rnd.id
    assert copy.scope == {"org_units": ["HSN"]}

    code, out = run(database_url, "round", "list")
    assert code == 0, out
    assert out.index("tertial-2-2027") < out.index("tertial-1-2027")  # closed rounds last
    assert [a for _, a in actions(database_url)] == [
        "round.create",
        "round.open",
        "round.extend",
        "round.close",
        "round.copy",
        "round.schedule",
    ]


def test_unknown_rounds_are_named(database_url: str) -> None:
    code, out = run(database_url, "round", "open", "no-such-round", "--lang", "en")
    assert code == 1
    assert "The round no-such-round does not exist." in out
