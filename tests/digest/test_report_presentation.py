"""What a planning controller sees in `lagesbot report` and `lagesbot export --xlsx`: values
in the reader's language, percentages, local times with their zone, and sheets that are
ready to filter (bold frozen headers, autofilter, column widths)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import update
from typer.testing import CliRunner

from catalogue import texts
from cli.main import app
from cli.report_commands import render_report
from services.reporting.digest import AnswerRate, compute_digest
from services.reporting.export_xlsx import MAX_WIDTH, MIN_WIDTH
from storage.db import create_engine, create_session_factory
from storage.models import Response
from tests.digest.frames import AXES, ROUND, frames
from tests.digest.helpers import answered_round, steering_group
from tests.factories import open_round

runner = CliRunner()
NBSP = "\u00a0"
# Fixed times of the test data (never today's): the deadline in winter time (CET, UTC+1),
# first answers in summer time (CEST, UTC+2), second revisions in winter time.
DEADLINE = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
FIRST_ANSWERS = datetime(2026, 10, 20, 9, 15, tzinfo=UTC)
SECOND_ANSWERS = datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
GOAL = "Kortare väntetider i vården"
RISK = "Brist på specialistsjuksköterskor"
INDICATOR = "Andel operationer inom 90 dagar"
ACTIVITY = "Inför digitala vårdbesök"


def run(database_url: str, *args: str, zone: str | None = None) -> tuple[int, str]:
    env = {"DATABASE_URL": database_url}
    if zone is not None:
        env["LAGESBOT_DEFAULT_TIME_ZONE"] = zone
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def seed(database_url: str) -> str:
    """The answered round of test_cli, its deadline and answer times fixed; returns its key."""

    async def build() -> str:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                s = await open_round(session, deadline=DEADLINE)
                await answered_round(session, s)
                for revision, at in ((1, FIRST_ANSWERS), (2, SECOND_ANSWERS)):
                    await session.execute(
                        update(Response)
                        .where(Response.round_id == s.round.id, Response.revision == revision)
                        .values(answered_at=at)
                    )
                await session.commit()
                return s.round.key
        finally:
            await engine.dispose()

    return asyncio.run(build())


def add_group(database_url: str, *, time_zone: str) -> None:
    """Steering group "rs" over the whole plan, in ``time_zone``."""

    async def build() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                group, _ = await steering_group(session)
                group.time_zone = time_zone
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(build())


def export(database_url: str, tmp_path: Path, *args: str, zone: str | None = None) -> Workbook:
    target = tmp_path / "omgang.xlsx"
    code, out = run(database_url, "export", *args, "--xlsx", str(target), zone=zone)
    assert code == 0, out
    return load_workbook(io.BytesIO(target.read_bytes()))


def rows(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def overview_cells(sheet: Worksheet) -> dict[object, Cell]:
    """Measure → the cell holding its value, so a test sees value and number format."""
    cells: dict[object, Cell] = {}
    for label, value in sheet.iter_rows(min_row=2):
        assert isinstance(value, Cell)
        cells[label.value] = value
    return cells


def column(sheet: Worksheet, header: str) -> list[object]:
    names = [c.value for c in sheet[1]]
    index = names.index(header)
    return [r[index] for r in rows(sheet)[1:]]


def squeezed(report: str) -> list[str]:
    """The report's lines with the column padding (ASCII spaces) squeezed to one space; the
    non-breaking spaces inside numbers ("75,0\u00a0%", "1\u00a0234") stay."""
    return [re.sub(" +", " ", row.strip()) for row in report.splitlines()]


def by_title(sheet: Worksheet, header: str) -> dict[object, object]:
    """An items sheet's column by item title (the second column)."""
    return dict(zip(column(sheet, sheet["B1"].value), column(sheet, header), strict=True))


def assert_ready_to_filter(book: Workbook) -> None:
    for sheet in book.worksheets:
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == sheet.dimensions, sheet.title
        for cell in sheet[1]:
            width = sheet.column_dimensions[cell.column_letter].width
            assert MIN_WIDTH <= width <= MAX_WIDTH, (sheet.title, cell.value, width)
            # Wide enough for the header itself.
            assert width >= len(str(cell.value)), (sheet.title, cell.value, width)


def test_the_swedish_workbook_speaks_swedish_with_percentages_and_local_times(
    database_url: str, tmp_path: Path
) -> None:
    round_key = seed(database_url)
    book = export(database_url, tmp_path, round_key)
    assert book.sheetnames == [
        "Översikt",
        "Strategier",
        "Mål",
        "Punkter",
        "Risker",
        "Ej svarat",
        "Svar med historik",
        "Indikatorer",  # the seeded round asks about an indicator
    ]
    assert_ready_to_filter(book)

    overview = overview_cells(book["Översikt"])
    assert overview["Läge"].value == "Öppen"
    rate = overview["Svarsfrekvens"]
    assert rate.value == 0.75 and rate.number_format == "0.0 %"
    deadline = overview["Sista svarsdag (Europe/Stockholm)"]
    assert deadline.value == datetime(2026, 11, 30, 16, 0) and deadline.is_date
    assert isinstance(overview["Skapad (Europe/Stockholm)"].value, datetime)

    items = book["Punkter"]
    assert by_title(items, "Typ") == {
        GOAL: "Mål",
        INDICATOR: "Indikator",
        RISK: "Risk",
        ACTIVITY: "Aktivitet",
    }
    assert by_title(items, "Status") == {
        GOAL: "Avvikelse",
        INDICATOR: "Enligt plan",
        RISK: "Risk att inte nås",
        ACTIVITY: "Ej besvarad",
    }
    # The longest title fits in its column.
    title_letter = next(c.column_letter for c in items[1] if c.value == "Titel")
    assert items.column_dimensions[title_letter].width >= len(RISK)

    history = book["Svar med historik"]
    answered = history["J"]
    assert answered[0].value == "Besvarad (Europe/Stockholm)"
    assert all(cell.is_date for cell in answered[1:])
    goal = [r for r in rows(history)[1:] if r[1] == GOAL]
    # 09:15 UTC in October is 11:15 summer time; 14:05 UTC in November is 15:05 winter time.
    assert [(r[2], r[9]) for r in goal] == [
        (1, datetime(2026, 10, 20, 11, 15)),
        (2, datetime(2026, 11, 2, 15, 5)),
    ]
    assert set(column(history, "Källa")) == {"Teams-kortet"}


def test_the_english_workbook_and_a_configured_time_zone(database_url: str, tmp_path: Path) -> None:
    round_key = seed(database_url)
    book = export(database_url, tmp_path, round_key, "--lang", "en", zone="Europe/London")
    assert book.sheetnames == [
        "Overview",
        "Strategies",
        "Goals",
        "Items",
        "Risks",
        "Not answered",
        "Answers with history",
        "Indicators",
    ]
    assert_ready_to_filter(book)
    overview = overview_cells(book["Overview"])
    assert overview["State"].value == "Open"
    assert overview["Answer rate"].value == 0.75
    assert overview["Answer rate"].number_format == "0.0%"
    assert overview["Deadline (Europe/London)"].value == datetime(2026, 11, 30, 15, 0)
    items = book["Items"]
    assert [c.value for c in items[1]][:3] == ["Key", "Title", "Kind"]
    assert by_title(items, "Kind") == {
        GOAL: "Goal",
        INDICATOR: "Indicator",
        RISK: "Risk",
        ACTIVITY: "Activity",
    }
    assert by_title(items, "Status") == {
        GOAL: "Deviation",
        INDICATOR: "On track",
        RISK: "At risk of not being met",
        ACTIVITY: "Not answered",
    }
    history = book["Answers with history"]
    goal = [r for r in rows(history)[1:] if r[1] == GOAL]
    # London: British summer time until 25 October, then GMT.
    assert [r[9] for r in goal] == [datetime(2026, 10, 20, 10, 15), datetime(2026, 11, 2, 14, 5)]
    assert history["J1"].value == "Answered (Europe/London)"
    assert set(column(history, "Source")) == {"Teams card"}

    code, out = run(database_url, "report", round_key, "--lang", "en", zone="Europe/London")
    assert code == 0, out
    assert "75.0%" in out and "Open" in out
    assert "Deadline (Europe/London)" in out and "30 Nov 2026, 15:00" in out

    code, out = run(database_url, "report", round_key, zone="Europe/Stockholmm")
    assert code == 1
    assert out.strip().splitlines() == [
        "Okänd tidszon Europe/Stockholmm. Ange en tidszon som Europe/Stockholm "
        "(LAGESBOT_DEFAULT_TIME_ZONE eller styrgruppens tidszon)."
    ]


def test_the_swedish_text_report(database_url: str) -> None:
    round_key = seed(database_url)
    code, out = run(database_url, "report", round_key)
    assert code == 0, out
    lines = squeezed(out)

    def line(label: str) -> str:
        return next(row for row in lines if row.startswith(label))

    assert line("Läge").split() == ["Läge", "Öppen"]
    assert line("Svarsfrekvens") == f"Svarsfrekvens 75,0{NBSP}%"
    assert line("Sista svarsdag (Europe/Stockholm)").endswith("30 nov. 2026 16:00")
    assert "Risk att inte nås" in out and "at_risk" not in out
    assert "open" not in out.split()

    # A steering group's report is in the group's time zone.
    add_group(database_url, time_zone="Europe/Helsinki")
    code, out = run(database_url, "report", round_key, "--steering-group", "rs")
    assert code == 0, out
    deadline = next(row for row in squeezed(out) if row.startswith("Sista svarsdag"))
    assert deadline == "Sista svarsdag (Europe/Helsinki) 30 nov. 2026 17:00"


def test_the_text_report_writes_fractions_and_numbers_as_the_language_does() -> None:
    tx = texts.for_language("sv")
    digest = compute_digest(frames(), ROUND, AXES)
    one_of_28 = dataclasses.replace(
        digest, rate=AnswerRate(items=28, answered=1, owners=1234, owners_done=0)
    )
    out = render_report(one_of_28, tx, top=20)
    assert f"Svarsfrekvens 3,6{NBSP}%" in squeezed(out)
    assert f"Ansvariga 1{NBSP}234" in squeezed(out)
    # The deadline 16:00 UTC on 27 November is 17:00 in Stockholm.
    assert "Sista svarsdag (Europe/Stockholm)" in out and "27 nov. 2026 17:00" in out
    out = render_report(one_of_28, texts.for_language("en"), top=20)
    assert "3.6%" in out and "1,234" in out and "27 Nov 2026, 17:00" in out
    assert "State" in out and "Open" in out and "Öppen" not in out
