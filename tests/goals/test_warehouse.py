"""The data-warehouse pull against a real second database of each backend (PostgreSQL and
SQLite as the region's warehouse): values arrive as from a file, a failure stores nothing
and is on record for admins, and the scheduler knows when a pull is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.delivery.scheduler import Scheduler
from services.goals.warehouse import WarehouseConfig, last_pull, pull, pull_due
from services.platform.worker_settings import WorkerSettings
from storage import audit
from storage.db import create_engine
from storage.models import IndicatorValue, OutboxJob, OutboxKind, SyncState
from tests import cardtools
from tests.factories import NOW
from tests.goals.test_values import _setup
from tests.rounds.builders import remember_chat


async def _warehouse(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE v_matetal (matetal VARCHAR(64), period VARCHAR(64), "
                "varde NUMERIC(10, 2), per_datum DATE)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO v_matetal VALUES ('I1', 'T1 2026', 70.5, '2026-04-30'), "
                "('I1', 'T2 2026', 72, '2026-08-31'), ('I1', 'T3 2026', 74, '2026-11-30')"
            )
        )
    await engine.dispose()


def _config(tmp_path: Path, plan: str, url: str, query: str) -> WarehouseConfig:
    path = tmp_path / "datalager.toml"
    path.write_text(f'plan = "{plan}"\nurl = "{url}"\nquery = """{query}"""\n')
    return WarehouseConfig.load(path)


async def test_one_query_loads_every_value_with_its_source_and_date(
    session: AsyncSession, empty_database_url: str, tmp_path: Path
) -> None:
    _s, plan = await _setup(session)
    await _warehouse(empty_database_url)
    config = _config(tmp_path, plan, empty_database_url, "SELECT * FROM v_matetal")
    assert await pull_due(session, config, NOW)

    summary = await pull(session, config, now=NOW, actor="lagesbot-scheduler")
    await session.commit()
    assert summary.created == 3
    stored = (await session.scalars(select(IndicatorValue).order_by(IndicatorValue.period))).all()
    assert [(v.period, v.value, v.source, str(v.as_of)) for v in stored] == [
        ("T1 2026", Decimal("70.5000"), "datalagret", "2026-04-30"),
        ("T2 2026", Decimal("72.0000"), "datalagret", "2026-08-31"),
        ("T3 2026", Decimal("74.0000"), "datalagret", "2026-11-30"),
    ]
    # Pulled today: not due again until tomorrow.
    assert not await pull_due(session, config, NOW + timedelta(hours=3))
    assert await pull_due(session, config, NOW + timedelta(days=1))


async def test_a_query_per_indicator(
    session: AsyncSession, empty_database_url: str, tmp_path: Path
) -> None:
    _s, plan = await _setup(session)
    await _warehouse(empty_database_url)
    path = tmp_path / "datalager.toml"
    path.write_text(
        f'plan = "{plan}"\nurl = "{empty_database_url}"\nsource = "Kolada"\n'
        "[indicators.I1]\n"
        "query = \"SELECT period, varde FROM v_matetal WHERE period = 'T3 2026'\"\n"
    )
    summary = await pull(session, WarehouseConfig.load(path), now=NOW, actor="a")
    assert summary.created == 1
    value = (await session.scalars(select(IndicatorValue))).one()
    assert (value.period, value.source, value.as_of) == ("T3 2026", "Kolada", None)


async def test_a_failing_pull_stores_nothing_and_is_on_record(
    session: AsyncSession, empty_database_url: str, tmp_path: Path
) -> None:
    _s, plan = await _setup(session)
    await _warehouse(empty_database_url)
    config = _config(tmp_path, plan, empty_database_url, "SELECT * FROM v_finns_inte")
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        await pull(session, config, now=NOW, actor="lagesbot-scheduler")
    assert (await session.scalars(select(IndicatorValue))).first() is None
    state = await last_pull(session, plan)
    assert state is not None and state["ok"] is False and "v_finns_inte" in state["error"]
    failed = await audit.entries(session, action="values.pull_failed")
    assert [entry.target_id for entry in failed] == [plan]


async def test_the_scheduler_pulls_when_due_and_shows_a_failure_in_the_tick(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    _s, plan = await _setup(session)
    await _warehouse(empty_database_url)
    good = _config(tmp_path, plan, empty_database_url, "SELECT * FROM v_matetal")
    scheduler = Scheduler(session_factory, WorkerSettings(), clock=lambda: NOW, warehouses=(good,))
    first = await scheduler.tick()
    assert [e for e in first.errors if e.startswith("warehouse")] == []
    assert len((await session.scalars(select(IndicatorValue))).all()) == 3

    bad = replace(good, query="SELECT * FROM v_finns_inte")
    later = Scheduler(
        session_factory, WorkerSettings(), clock=lambda: NOW + timedelta(days=1), warehouses=(bad,)
    )
    second = await later.tick()
    assert [e.split(":")[0] for e in second.errors if e.startswith("warehouse")] == [
        f"warehouse {plan}"
    ]


async def test_a_failed_pull_is_told_to_each_admin_once_a_day_per_kind(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    s, plan = await _setup(session)
    await _warehouse(empty_database_url)
    admin = s.other
    await remember_chat(session, admin, "https://smba.example/")
    await session.commit()
    bad = _config(tmp_path, plan, empty_database_url, "SELECT * FROM v_finns_inte")

    def scheduler(at: datetime) -> Scheduler:
        return Scheduler(
            session_factory,
            WorkerSettings(),
            clock=lambda: at,
            warehouses=(bad,),
            admins=(admin.upn,),
        )

    first = await scheduler(NOW).tick()
    assert any(e.startswith(f"warehouse {plan}") for e in first.errors)
    (notice,) = await _notices(session_factory)
    assert notice.conversation_id == f"a:chat-{admin.entra_object_id}"
    shown = " ".join(cardtools.texts(notice.payload["card"])).replace("\\_", "_")
    assert "datalagret" in shown and plan in shown and "v_finns_inte" in shown

    # Due again the same day (the state says it failed, so a later tick retries only
    # tomorrow); even a forced retry the same day tells nobody again.
    await scheduler(NOW + timedelta(hours=2)).tick()
    async with session_factory() as again, again.begin():
        await again.execute(delete(SyncState))
    await scheduler(NOW + timedelta(hours=3)).tick()
    assert len(await _notices(session_factory)) == 1

    # Another day, the same failure: told again, once.
    await scheduler(NOW + timedelta(days=1)).tick()
    await scheduler(NOW + timedelta(days=1, minutes=5)).tick()
    assert len(await _notices(session_factory)) == 2


async def _notices(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxJob]:
    async with sessions() as session:
        query = select(OutboxJob).where(OutboxJob.kind == OutboxKind.NOTICE)
        return list((await session.execute(query.order_by(OutboxJob.id))).scalars())
