"""`lagesbot erase person`: a person's personal data goes, their answers stay consistent."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cli import erase_command
from services.privacy.erase import ERASED_ACTION, ErasureState, erase_person, find_person
from storage import audit
from storage import responses as response_store
from storage.db import create_engine, create_session_factory
from storage.models import (
    Base,
    ConversationKind,
    ConversationReference,
    OutboxJob,
    OutboxKind,
    OutboxState,
    Person,
    PlanItem,
    ReportRequest,
    Response,
    ResponseSource,
    RoundItem,
)
from tests.factories import NOW, RoundSetup, open_round

runner = CliRunner()


async def answered_round(session: AsyncSession) -> RoundSetup:
    """Anna answered her goal, Bo (delegate) her risk; both have a 1:1 chat with the bot;
    Anna once acted as an admin and a reminder to her is still waiting to go out."""
    s = await open_round(session)
    anna = s.owner
    anna.email = "anna.lindqvist@region-exempel.se"
    anna.job_title = "Verksamhetschef"
    s.round.created_by = anna.upn.upper()
    s.request.conversation_id = f"a:1{anna.entra_object_id}"
    s.request.card_activity_id = "1700000000000"
    session.add_all(
        [
            Response(
                round_id=s.round.id, item_id=s.goal.id, request_id=s.request.id, revision=1,
                status_key="on_track", comment="Väntetiderna minskar.", answered_by_id=anna.id,
                answered_at=NOW, source=ResponseSource.TEAMS_CARD,
            ),
            Response(
                round_id=s.round.id, item_id=s.risk.id, request_id=s.request.id, revision=1,
                status_key="at_risk", likelihood=3, consequence=4, value=Decimal("2"),
                answered_by_id=s.delegate.id, answered_at=NOW, source=ResponseSource.TEAMS_CARD,
            ),
        ]
    )  # fmt: skip
    for who in (anna, s.delegate):
        session.add(
            ConversationReference(
                conversation_id=f"a:personal-{who.entra_object_id}",
                kind=ConversationKind.PERSONAL,
                person_id=who.id,
                user_aad_object_id=who.entra_object_id,
                service_url="https://smba.trafficmanager.net/emea/",
                reference={"user": {"id": f"29:{who.entra_object_id}", "name": who.display_name}},
            )
        )
    audit.record(
        session, actor=anna.upn, action="round.opened", target_type="round",
        target_id=s.round.id, details={"by": anna.display_name, "note": "öppnad av Anna Lindqvist"},
    )  # fmt: skip
    session.add(
        OutboxJob(
            kind=OutboxKind.REMINDER, dedupe_key=f"reminder:{s.request.id}:1",
            round_id=s.round.id, request_id=s.request.id, person_id=anna.id,
            payload={"text": f"Hej {anna.display_name}! Påminnelse."},
            not_before=NOW + timedelta(hours=1),
        )
    )  # fmt: skip
    await session.commit()
    return s


async def everything_stored(session: AsyncSession) -> str:
    """Every row of every table, as text: where a name would still be found."""
    dump = []
    for table in Base.metadata.sorted_tables:
        rows = (await session.execute(select(table))).all()
        dump.append(f"{table.name}: {rows!r}")
    (version,) = (await session.execute(text("SELECT version_num FROM alembic_version"))).one()
    return "\n".join([*dump, str(version)])


async def test_erasing_removes_the_person_everywhere_and_keeps_the_answers(
    session: AsyncSession,
) -> None:
    s = await answered_round(session)
    anna_id, upn, oid = s.owner.id, s.owner.upn, s.owner.entra_object_id
    assert oid is not None
    before = {
        r.id: (r.answered_by_id, r.comment, r.status_key, r.revision)
        for r in (await session.execute(select(Response))).scalars()
    }

    result = await erase_person(session, s.owner, actor="cli:dataskydd", now=NOW)
    await session.commit()
    session.expunge_all()

    assert result.state is ErasureState.ERASED
    assert result.responses_kept == 1
    assert result.conversation_references_deleted == 1
    assert result.outbox_jobs_cancelled == 1

    anna = await session.get(Person, anna_id)
    assert anna is not None
    assert anna.display_name == f"Borttagen person #{anna_id}"
    assert anna.upn == f"erased-{anna_id}@invalid"
    assert (anna.email, anna.job_title, anna.entra_object_id) == (None, None, None)
    assert anna.erased_at == NOW and anna.active is False

    dump = await everything_stored(session)
    for personal in ("Anna Lindqvist", "anna.lindqvist", upn, oid, "Verksamhetschef"):
        assert personal.lower() not in dump.lower(), personal
    assert "Bo Ek" in dump  # nobody else was touched

    # The answer history is exactly as before, now attributed to the pseudonym.
    after = {
        r.id: (r.answered_by_id, r.comment, r.status_key, r.revision)
        for r in (await session.execute(select(Response))).scalars()
    }
    assert after == before
    names = await response_store.answerer_names(session, [anna_id, s.delegate.id])
    assert names == {anna_id: f"Borttagen person #{anna_id}", s.delegate.id: "Bo Ek"}
    owned = (await session.execute(select(PlanItem.id).where(PlanItem.owner_id == anna_id))).all()
    assert len(owned) == 4  # strategy, goal, indicator, risk
    frozen = await session.execute(select(RoundItem.id).where(RoundItem.owner_id == anna_id))
    assert len(frozen.all()) == 3

    request = await session.get(ReportRequest, s.request.id)
    assert request is not None and request.person_id == anna_id
    assert (request.conversation_id, request.card_activity_id) == (None, None)
    references = (await session.execute(select(ConversationReference))).scalars().all()
    assert [r.person_id for r in references] == [s.delegate.id]
    job = (await session.execute(select(OutboxJob))).scalar_one()
    assert job.state is OutboxState.CANCELLED
    assert job.payload == {"text": f"Hej Borttagen person #{anna_id}! Påminnelse."}

    (entry,) = await audit.entries(session, action=ERASED_ACTION)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        "cli:dataskydd",
        "person",
        str(anna_id),
    )
    assert entry.at is not None
    (opened,) = await audit.entries(session, action="round.opened")
    assert opened.actor == f"erased-{anna_id}@invalid"  # same pseudonym as the person row
    assert opened.details["note"] == f"öppnad av Borttagen person #{anna_id}"


async def test_erasing_twice_changes_nothing_the_second_time(session: AsyncSession) -> None:
    s = await answered_round(session)
    await erase_person(session, s.owner, actor="cli:a", now=NOW)
    await session.commit()
    again = await erase_person(session, s.owner, actor="cli:b", now=NOW + timedelta(days=1))
    await session.commit()
    assert again.state is ErasureState.ALREADY_ERASED
    assert len(await audit.entries(session, action=ERASED_ACTION)) == 1
    assert s.owner.erased_at == NOW


async def test_a_person_is_found_by_id_upn_or_entra_id(session: AsyncSession) -> None:
    s = await open_round(session)
    anna = s.owner
    assert anna.entra_object_id is not None
    for wanted in (str(anna.id), anna.upn.upper(), f" {anna.upn} ", anna.entra_object_id):
        found = await find_person(session, wanted)
        assert found is not None and found.id == anna.id, wanted
    assert await find_person(session, "nobody@region-exempel.se") is None
    assert await find_person(session, "99999999999999999999999") is None


def _count(database_url: str, query: str) -> int:
    async def run() -> int:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                return int((await session.execute(text(query))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_the_command_asks_first_and_logs_the_erasure(database_url: str) -> None:
    async def seed() -> tuple[int, str]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                s = await answered_round(session)
                return s.owner.id, s.owner.upn
        finally:
            await engine.dispose()

    anna_id, upn = asyncio.run(seed())
    env = {"DATABASE_URL": database_url}
    erased = f"SELECT count(*) FROM people WHERE erased_at IS NOT NULL AND id = {anna_id}"

    result = runner.invoke(erase_command.app, ["person", upn], input="n\n", env=env)
    assert result.exit_code == 1
    assert "Anna Lindqvist" in result.output and "1 svar" in result.output
    assert "Avbrutet" in result.output
    assert _count(database_url, erased) == 0

    result = runner.invoke(erase_command.app, ["person", "nobody@x.se", "--yes"], env=env)
    assert result.exit_code == 1
    assert "nobody@x.se" in result.output

    result = runner.invoke(
        erase_command.app, ["person", upn, "--yes", "--actor", "dpo@region-exempel.se"], env=env
    )
    assert result.exit_code == 0, result.output
    assert f"Person #{anna_id} är avidentifierad" in result.output
    assert _count(database_url, erased) == 1
    logged = f"SELECT count(*) FROM audit_log WHERE action = '{ERASED_ACTION}'"
    assert _count(database_url, logged + " AND actor = 'dpo@region-exempel.se'") == 1

    result = runner.invoke(
        erase_command.app, ["person", str(anna_id), "--yes", "--lang", "en"], env=env
    )
    assert result.exit_code == 0
    assert "already been erased" in result.output
    assert _count(database_url, logged) == 1
    assert _count(database_url, "SELECT count(*) FROM responses") == 2


async def test_counts_unchanged_for_everyone_else(session: AsyncSession) -> None:
    s = await answered_round(session)
    people_before = (await session.execute(select(func.count(Person.id)))).scalar_one()
    await erase_person(session, s.delegate, actor="cli:a", now=NOW)
    await session.commit()
    assert (await session.execute(select(func.count(Person.id)))).scalar_one() == people_before
    assert s.owner.display_name == "Anna Lindqvist"
    # The delegate's answer on Anna's risk stays, attributed to the pseudonym.
    risk = await response_store.current_answers(session, s.round.id, [s.risk.id])
    assert risk[s.risk.id].answered_by_id == s.delegate.id
