"""Hand-over while a round is open: `lagesbot items handover` moves items to a new owner,
who gets a card holding them (their answers so far kept); the old owner is told what moved
to whom, and the item's history shows the hand-over and the answers before it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cli.main import app
from services.standins import handover
from storage.db import create_engine, create_session_factory
from storage.models import (
    AuditEntry,
    OutboxJob,
    OutboxKind,
    PlanItem,
    Response,
    ResponseSource,
    RoundItem,
)
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.factories import NOW, open_round, person


def test_items_handover_moves_items_in_the_open_round(database_url: str) -> None:
    async def build() -> dict[str, int]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                s = await open_round(session)
                dag = await person(session, "Dag Nyström")
                session.add(
                    Response(
                        round_id=s.round.id, item_id=s.goal.id, request_id=s.request.id,
                        revision=1, status_key="on_track", comment="Före överlämningen.",
                        answered_by_id=s.owner.id, answered_at=NOW - timedelta(hours=1),
                        source=ResponseSource.TEAMS_CARD,
                    )
                )  # fmt: skip
                await session.commit()
                return {"goal": s.goal.id, "round": s.round.id, "dag": dag.id, "anna": s.owner.id}
        finally:
            await engine.dispose()

    ids = asyncio.run(build())
    env = {"DATABASE_URL": database_url}
    with time_machine.travel(NOW, tick=False):
        result = CliRunner().invoke(
            app,
            ["items", "handover", "--from", "Anna Lindqvist", "--to", "Dag Nyström",
             "--items", "M1"],
            env=env,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 punkt har flyttats från Anna Lindqvist till Dag Nyström" in result.output

    async def check() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                goal = await session.get(PlanItem, ids["goal"])
                assert goal is not None and goal.owner_id == ids["dag"]
                [owner] = (
                    await session.execute(
                        select(RoundItem.owner_id).where(RoundItem.item_id == ids["goal"])
                    )
                ).scalars()
                assert owner == ids["dag"]
                jobs = (await session.execute(select(OutboxJob))).scalars().all()
                assert any(j.kind == OutboxKind.REQUEST and j.person_id == ids["dag"] for j in jobs)
                [notice] = [j for j in jobs if j.kind == OutboxKind.NOTICE]
                assert notice.person_id == ids["anna"]
                assert "Dag Nyström" in notice.payload["text"]
                actions = (await session.execute(select(AuditEntry.action))).scalars().all()
                assert "items.handover" in actions
        finally:
            await engine.dispose()

    asyncio.run(check())
    result = CliRunner().invoke(app, ["history", "M1"], env=env)
    assert "Överlämnad från Anna Lindqvist till Dag Nyström" in result.output
    assert "Före överlämningen." in result.output
    result = CliRunner().invoke(
        app, ["items", "handover", "--from", "Anna Lindqvist", "--to", "Anna Lindqvist"], env=env
    )
    assert result.exit_code == 1 and "samma person" in result.output


async def test_the_new_owner_answers_the_moved_item(bot: BotHarness, session: AsyncSession) -> None:
    s = await open_round(session)
    dag = await person(session, "Dag Nyström")
    await handover.hand_over(session, old=s.owner, new=dag, item_keys=["M1"], actor="test", now=NOW)
    await session.commit()
    before = len(bot.connector.posted_cards())
    await bot.post(bot.activity(user=dag, text="status"))
    [card] = bot.connector.posted_cards()[before:]
    assert s.goal.title in cardtools.all_text(card)
    assert f"status.{s.goal.id}" in cardtools.inputs(card)
