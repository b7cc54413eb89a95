"""The schema exists only through Alembic: every revision must upgrade, downgrade and
upgrade again cleanly, and the head schema must match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Base, RiskScale, StatusScale


async def test_every_revision_upgrades_downgrades_and_upgrades_again(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    revisions = migrate.revisions_oldest_first()
    assert revisions, "no migrations found"
    try:
        for index, revision in enumerate(revisions):
            previous = revisions[index - 1] if index else "base"
            await migrate.upgrade(engine, revision)
            assert await migrate.current_revision(engine) == revision
            await migrate.downgrade(engine, previous)
            assert await migrate.current_revision(engine) == (None if index == 0 else previous)
            await migrate.upgrade(engine, revision)
            assert await migrate.current_revision(engine) == revision
        await migrate.downgrade(engine, "base")

        def tables(connection: Connection) -> set[str]:
            return set(inspect(connection).get_table_names()) - {"alembic_version"}

        async with engine.connect() as connection:
            assert await connection.run_sync(tables) == set()
    finally:
        await engine.dispose()


async def test_head_schema_matches_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)

        def diff(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_default_scales_are_seeded_as_data(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            status = (await session.execute(select(StatusScale))).scalar_one()
            assert [o.label_sv for o in status.options] == [
                "Klar",
                "Enligt plan",
                "Avvikelse",
                "Risk att inte nås",
                "Ej påbörjad",
            ]
            assert [o.label_en for o in status.options][1] == "On track"
            risk = (await session.execute(select(RiskScale))).scalar_one()
            assert (risk.likelihood_max, risk.consequence_max) == (4, 4)
            assert [b.key for b in risk.bands] == ["low", "medium", "high", "very_high"]
            assert [lvl.label_sv for lvl in risk.levels if lvl.axis == "consequence"] == [
                "Försumbar",
                "Lindrig",
                "Kännbar",
                "Allvarlig",
            ]
    finally:
        await engine.dispose()
