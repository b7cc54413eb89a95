"""`lagesbot report`, `lagesbot export --xlsx` and `lagesbot steering` against a real store."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from storage import audit
from storage.db import create_engine, create_session_factory
from storage.models import ConversationKind, ConversationReference, SteeringGroup
from tests.digest.helpers import CHANNEL_ID, answered_round, org_unit_key
from tests.factories import open_round

runner = CliRunner()


def run(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"DATABASE_URL": database_url})
    return result.exit_code, result.output


def seed(database_url: str) -> tuple[str, str]:
    """An answered round; returns its key and its org unit's key."""

    async def build() -> tuple[str, str]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                s = await open_round(session)
                await answered_round(session, s)
                return s.round.key, await org_unit_key(session, s)
        finally:
            await engine.dispose()

    return asyncio.run(build())


def test_report_prints_the_digests_numbers(database_url: str) -> None:
    round_key, _ = seed(database_url)
    code, out = run(database_url, "report", round_key)
    assert code == 0, out
    assert "Tertial 2 2026" in out
    assert "Svarsfrekvens" in out and "75,0\u00a0%" in out
    assert "God och jämlik hälsa" in out
    assert "Förbättrade: 0 · Försämrade: 1" in out
    assert "Brist på specialistsjuksköterskor" in out and "12" in out
    assert "Cecilia Berg" in out
    code, out = run(database_url, "report", round_key, "--lang", "en")
    assert code == 0 and "Better: 0 · Worse: 1" in out
    code, out = run(database_url, "report", "no-such-round")
    assert code == 1 and "Det finns ingen omgång no-such-round" in out


def test_export_writes_one_sheet_per_level_and_every_answer_revision(
    database_url: str, tmp_path: Path
) -> None:
    round_key, _ = seed(database_url)
    target = tmp_path / "t2.xlsx"
    code, out = run(database_url, "export", round_key, "--xlsx", str(target))
    assert code == 0, out
    book = load_workbook(io.BytesIO(target.read_bytes()))
    assert book.sheetnames == [
        "Översikt",
        "Strategier",
        "Mål",
        "Punkter",
        "Risker",
        "Ej svarat",
        "Svar med historik",
        "Indikatorer",  # the round asks about an indicator
    ]

    def rows(sheet: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]

    overview = {r[0]: r[1] for r in rows("Översikt")[1:]}
    assert overview["Punkter"] == 4 and overview["Besvarade"] == 3
    assert overview["Försämrade"] == 1
    strategies = rows("Strategier")
    assert strategies[0][:3] == ("Strategi", "Klar", "Enligt plan")
    assert strategies[1][0] == "God och jämlik hälsa" and strategies[1][-1] == 4
    items = rows("Punkter")
    assert len(items) == 1 + 4
    goal = next(r for r in items if r[1] == "Kortare väntetider i vården")
    assert goal[6:9] == ("Avvikelse", "Enligt plan", "Försämrad")
    history = rows("Svar med historik")
    assert history[0][:4] == ("Nyckel", "Titel", "Version", "Status")
    # Both revisions of the goal's answer are kept, oldest first.
    goal_history = [r for r in history[1:] if r[1] == "Kortare väntetider i vården"]
    assert [(r[2], r[3]) for r in goal_history] == [(1, "Enligt plan"), (2, "Avvikelse")]
    assert len(history) == 1 + 4
    assert rows("Ej svarat")[1][0] == "Cecilia Berg"


def test_steering_add_and_list(database_url: str) -> None:
    _, unit = seed(database_url)

    async def add_channel() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                session.add(
                    ConversationReference(
                        conversation_id=CHANNEL_ID,
                        kind=ConversationKind.CHANNEL,
                        service_url="https://smba.example/emea/",
                        reference={},
                    )
                )
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(add_channel())
    code, out = run(
        database_url, "steering", "add", "rs", "--name", "Regionstyrelsens styrgrupp",
        "--org-units", unit, "--plan-items", "S1", "--channel", CHANNEL_ID,
        "--weekday", "5", "--hour", "9",
    )  # fmt: skip
    assert code == 0, out
    code, out = run(database_url, "steering", "list")
    assert code == 0, out
    assert out.split("\n")[0].split("\t") == [
        "rs",
        "Regionstyrelsens styrgrupp",
        unit,
        "S1",
        CHANNEL_ID,
        "5@09 Europe/Stockholm",
    ]
    code, out = run(database_url, "steering", "add", "hsn", "--org-units", "NOPE")
    assert code == 1 and "Okänd organisationsenhet: NOPE" in out
    english = runner.invoke(
        app,
        ["steering", "add", "hsn", "--org-units", "NOPE,NIX"],
        env={"DATABASE_URL": database_url, "LAGESBOT_DEFAULT_LANGUAGE": "en"},
    )
    assert english.exit_code == 1 and "Unknown org units: NOPE, NIX" in english.output
    code, out = run(database_url, "steering", "add", "hsn", "--channel", "19:unknown")
    assert code == 1 and "Okänd kanal" in out

    async def check() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                groups = (await session.execute(select(SteeringGroup))).scalars().all()
                assert [(g.key, g.digest_weekday, g.digest_hour) for g in groups] == [("rs", 5, 9)]
                assert groups[0].scope == {"org_units": [unit], "plan_items": ["S1"]}
                entries = await audit.entries(session, action="steering_group.create")
                assert len(entries) == 1
        finally:
            await engine.dispose()

    asyncio.run(check())


def test_a_group_created_with_the_weekly_digest_off_gets_none(database_url: str) -> None:
    _, unit = seed(database_url)
    code, out = run(database_url, "steering", "add", "hsn", "--org-units", unit, "--weekday", "0")
    assert code == 0, out
    code, out = run(database_url, "steering", "list")
    assert code == 0, out
    assert out.split("\n")[0].split("\t")[-1] == "-"
