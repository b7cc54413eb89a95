"""The follow-up report as a Word document, read back with python-docx: its outline (heading
styles and texts), the numbers in its tables against the digest's frames, the risk matrix as
an image with alt text, Swedish typography, and comments exactly as typed."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pandas as pd
import time_machine
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from catalogue import texts
from cli.main import app
from services.reporting import report_source, word_report
from services.reporting.docx_parts import clean
from storage.db import create_engine, create_session_factory
from storage.digest_queries import Scope
from storage.models import ItemKind, PlanItem, ReportingRound, Response, RoundItem
from tests.digest.helpers import answer, answered_round, steering_group
from tests.factories import NOW, RoundSetup, open_round

runner = CliRunner()
GENERATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
HOSTILE = "Se <b>bilaga</b> & {{x}} **fet** [a](http://x)\nrad två\ttabb \x01\x0b\x1f slut"


def outline(document: Document) -> list[tuple[int, str]]:
    """(level, text) of every paragraph in a heading style: the navigation pane's view."""
    found = []
    for para in document.paragraphs:
        name = para.style.name if para.style is not None else ""
        if name.startswith("Heading "):
            found.append((int(name.split()[1]), para.text))
    return found


def table_after(document: Document, caption_start: str) -> Table:
    """The table whose caption starts with ``caption_start``, with or without its number
    ("Tabell 3. Kontrollpunkter" is found by "Kontrollpunkter" too)."""
    body = list(document.element.body.iterchildren())
    for index, element in enumerate(body):
        if element.tag == qn("w:p"):
            text = "".join(t.text or "" for t in element.iter(qn("w:t")))
            if text.startswith(caption_start) or re.sub(r"^\w+ \d+\. ", "", text).startswith(
                caption_start
            ):
                following = body[index + 1]
                assert following.tag == qn("w:tbl"), caption_start
                return Table(following, document)
    raise AssertionError(f"no caption {caption_start!r}")


def rows_of(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


async def report_of(
    session: AsyncSession, s: RoundSetup, language: str = "sv", **kwargs: object
) -> tuple[report_source.ReportData, Document]:
    rnd = await session.get(ReportingRound, s.round.id)
    assert rnd is not None
    data = await report_source.load_report(session, rnd, Scope(), language, **kwargs)  # type: ignore[arg-type]
    content = word_report.write_report(data, texts.for_language(language), generated_at=GENERATED)
    return data, docx.Document(io.BytesIO(content))


async def test_the_outline_is_word_headings_title_strategy_goal(session: AsyncSession) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    _, document = await report_of(session, s)

    title = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Title"]
    assert title == ["Regionstyrelsens verksamhetsplan 2027"]
    assert outline(document) == [
        (1, "Sammanfattning"),
        (2, "Måluppfyllelse per strategi"),  # the fixture's indicator has a target
        (1, "Uppföljning per strategi och mål"),
        (2, "God och jämlik hälsa"),
        (3, "Kortare väntetider i vården"),
        (1, "Risker"),
        (1, "Intern kontroll"),
        (1, "Ej besvarat"),
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Uppföljning Tertial 2 2026" in text
    # The title page's dates, Swedish style.
    assert "Omgången är öppen. Rapporten visar läget den 1 dec. 2026." in text
    assert "Upprättad: 1 dec. 2026" in text
    # The goal's own answer (its latest revision) and the comment.
    assert "Status: Avvikelse (bedömd av Anna Lindqvist)" in text
    assert "Kommentar: Vakanser på kirurgen." in text
    # A table of contents field over the three heading levels, refreshed when Word opens it.
    xml = document.element.xml
    assert 'TOC \\o "1-3" \\h \\z \\u' in xml
    assert document.settings.element.find(qn("w:updateFields")) is not None
    assert document.core_properties.language == "sv-SE"
    language = document.styles.element.find(f"{qn('w:docDefaults')}//{qn('w:lang')}")
    assert language is not None and language.get(qn("w:val")) == "sv-SE"
    width, height = document.sections[0].page_width, document.sections[0].page_height
    assert width is not None and height is not None
    assert (round(width.cm, 1), round(height.cm, 1)) == (21.0, 29.7)


async def test_table_numbers_are_the_digests(session: AsyncSession) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    data, document = await report_of(session, s)
    digest = data.digest

    totals = rows_of(table_after(document, "Tabell 1. Punkter per status"))
    assert totals[0] == ["Status", "Antal", "Andel"]
    labels = dict(zip(digest.statuses["status_key"], digest.statuses["label"], strict=True))
    labels["unanswered"] = "Ej besvarad"
    expected = {labels[k]: str(int(n)) for k, n in digest.status_totals().items()}
    assert {row[0]: row[1] for row in totals[1:]} == expected
    assert ["Ej besvarad", "1", "25,0\u00a0%"] in totals

    by_strategy = rows_of(table_after(document, "Tabell 2. Status per strategi"))
    frame = digest.by_strategy
    assert by_strategy[1][0] == "God och jämlik hälsa"
    assert by_strategy[1][-1] == str(int(frame["total"].iloc[0])) == "4"
    keys = [*digest.statuses["status_key"], "unanswered"]
    assert [int(v) for v in by_strategy[1][1:-1]] == [int(frame[k].iloc[0]) for k in keys]

    # Goal attainment per strategy: the digest's own counts (services.goals).
    attained = rows_of(table_after(document, "Tabell 3. Antal mål per bedömning"))
    assert digest.attainment is not None
    counts = digest.attainment.by_strategy.dropna(subset=["strategy_id"]).iloc[0]
    assert attained[0][1:] == ["Gröna", "Gula", "Röda", "Utan bedömning"]
    assert attained[1] == [
        "God och jämlik hälsa",
        *(str(int(counts[k])) for k in ("green", "yellow", "red", "none")),
    ]

    indicators = rows_of(table_after(document, "Tabell 4. Indikatorer – Kortare väntetider"))
    assert indicators[0] == [
        "Titel",
        "Ansvarig",
        "Utfall",
        "Målvärde",
        "Föregående utfall",
        "Bedömning",
        "Kommentar",
    ]
    assert indicators[1][:6] == [
        "Andel operationer inom 90 dagar",
        "Anna Lindqvist",
        "–",
        "80\u00a0%",
        "–",
        "Enligt plan",
    ]

    activities = rows_of(table_after(document, "Tabell 5. Aktiviteter och uppdrag"))
    assert activities[1] == [
        "Inför digitala vårdbesök",
        "Aktivitet",
        "Cecilia Berg",
        "Ej besvarad",
        "",
    ]

    risks = rows_of(table_after(document, "Tabell 7. Bedömda risker"))
    assert len(risks) - 1 == len(digest.risks) == 1
    top = digest.risks.iloc[0]
    assert risks[1][:5] == [
        top["title"],
        top["owner_name"],
        str(top["likelihood"]),
        str(top["consequence"]),
        str(top["score"]),
    ]
    assert risks[1][-1] == "Svårt att rekrytera."

    matrix = rows_of(table_after(document, "Tabell 6. Riskmatrisen som tabell"))
    grid = digest.heat_map
    assert [int(r[0]) for r in matrix[1:]] == list(grid.index)
    assert [[int(v) for v in r[1:]] for r in matrix[1:]] == grid.to_numpy().tolist()

    missing = rows_of(table_after(document, "Tabell 8. Ansvariga med obesvarade punkter"))
    assert missing[1:] == [
        [r.owner_name, str(r.unanswered), str(r.items)] for r in digest.not_answered.itertuples()
    ]


async def test_the_risk_matrix_is_an_image_with_alt_text_and_a_caption(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    _, document = await report_of(session, s)

    (shape,) = document.inline_shapes
    properties = shape._inline.docPr
    assert properties.get("title") == "Riskkarta – Tertial 2 2026"
    assert properties.get("descr") == (
        "Riskmatris med sannolikhet 1–4 uppåt och konsekvens 1–4 åt höger. "
        "sannolikhet 3 och konsekvens 4: 1 risk."
    )
    captions = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "Caption"
    ]
    assert "Figur 1. Riskmatris: antal risker per sannolikhet och konsekvens" in captions
    # The number is a SEQ field, so Word's list of figures counts it.
    assert "SEQ Figur" in document.element.xml
    blob = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert document.part.related_parts[blob].content_type == "image/png"


async def test_comments_stay_exactly_as_typed(session: AsyncSession) -> None:
    s = await open_round(session)
    answer(session, s, s.goal, "deviation", comment=HOSTILE)
    answer(session, s, s.other_item, "on_track", comment="<w:p/>\x08\ufffe &amp;")
    await session.commit()
    _, document = await report_of(session, s)

    text = "\n".join(p.text for p in document.paragraphs)
    # Markup stays text; line breaks and tabs stay; XML-forbidden controls become visible.
    assert (
        "Kommentar: Se <b>bilaga</b> & {{x}} **fet** [a](http://x)\nrad två\ttabb ␁␋␟ slut" in text
    )
    activities = rows_of(table_after(document, "Tabell 5. Aktiviteter"))
    assert activities[1][-1] == "<w:p/>␈\ufffd &amp;"
    # What no store holds (NUL, lone surrogates) is made visible too, should it ever come.
    assert clean("a\r\nb\rc\x00\ud800") == "a\nb\nc␀\ufffd"


async def test_indicators_show_outcome_target_and_trend_swedish_style(
    session: AsyncSession,
) -> None:
    s = await open_round(session)
    s.indicator.target = Decimal("12500.5")
    s.indicator.unit = "st"
    session.add(
        Response(
            round_id=s.round.id,
            item_id=s.indicator.id,
            revision=1,
            status_key="deviation",
            value=Decimal("10234.25"),
            answered_by_id=s.owner.id,
            answered_at=NOW,
            source="teams_card",
        )
    )
    await session.commit()
    _, document = await report_of(session, s)
    row = rows_of(table_after(document, "Tabell 4. Indikatorer"))[1]
    assert row[2:6] == ["10\u00a0234,25\u00a0st", "12\u00a0500,5\u00a0st", "–", "Avvikelse"]

    _, english = await report_of(session, s, "en")
    row = rows_of(table_after(english, "Table 4. Indicators"))[1]
    assert row[2:4] == ["10,234.25\u00a0st", "12,500.5\u00a0st"]
    assert next(h for h in outline(english) if h[0] == 1) == (1, "Summary")


async def test_control_points_and_items_without_goal_or_strategy(session: AsyncSession) -> None:
    s = await open_round(session)
    point = PlanItem(
        plan_id=s.goal.plan_id,
        key="K1",
        kind=ItemKind.CONTROL_POINT,
        title="Attest av fakturor",
        owner_id=s.owner.id,
        parent_id=None,
        org_unit_id=s.goal.org_unit_id,
        position=5,
    )
    loose = PlanItem(
        plan_id=s.goal.plan_id,
        key="A2",
        kind=ItemKind.ACTIVITY,
        title="Ny intranätsida",
        owner_id=s.owner.id,
        parent_id=s.strategy.id,
        org_unit_id=s.goal.org_unit_id,
        position=9,
    )
    session.add_all([point, loose])
    await session.flush()
    session.add_all(
        [
            RoundItem(round_id=s.round.id, item_id=point.id, owner_id=s.owner.id),
            RoundItem(round_id=s.round.id, item_id=loose.id, owner_id=s.owner.id),
        ]
    )
    answer(session, s, point, "on_track", likelihood=2, consequence=3, comment="Stickprov ok")
    await session.commit()
    _, document = await report_of(session, s)

    assert (3, "Utan mål") in outline(document)
    assert (2, "Utan strategi") not in outline(document)  # the control point has its own section
    control = rows_of(table_after(document, "Kontrollpunkter"))
    assert control[0] == ["Titel", "Ansvarig", "Status", "Riskvärde", "Kommentar"]
    assert control[1:] == [
        ["Attest av fakturor", "Anna Lindqvist", "Enligt plan", "6", "Stickprov ok"]
    ]
    loose_rows = rows_of(table_after(document, "Aktiviteter och uppdrag – Utan mål"))
    assert loose_rows[1][0] == "Ny intranätsida"


async def test_the_attainment_seam_adds_its_section_when_fed(session: AsyncSession) -> None:
    s = await open_round(session)
    rnd = await session.get(ReportingRound, s.round.id)
    assert rnd is not None
    data = await report_source.load_report(session, rnd, Scope())
    fed = report_source.ReportData(
        **{
            **data.__dict__,
            "attainment": pd.DataFrame(
                {
                    "strategy_id": [s.strategy.id],
                    "strategy": ["God och jämlik hälsa"],
                    "Grön": [1],
                    "Gul": [14],
                    "Röd": [10],
                }
            ),
        }
    )
    document = docx.Document(
        io.BytesIO(word_report.write_report(fed, texts.for_language("sv"), generated_at=GENERATED))
    )
    assert (2, "Måluppfyllelse per strategi") in outline(document)
    table = rows_of(table_after(document, "Tabell 3. Antal mål per bedömning"))
    assert table == [["Strategi", "Grön", "Gul", "Röd"], ["God och jämlik hälsa", "1", "14", "10"]]


def test_cli_writes_the_docx_for_a_steering_group(database_url: str, tmp_path: Path) -> None:
    async def build() -> str:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                s = await open_round(session)
                await answered_round(session, s)
                await steering_group(session)
                return s.round.key
        finally:
            await engine.dispose()

    key = asyncio.run(build())
    target = tmp_path / "rapport.docx"
    with time_machine.travel(GENERATED, tick=False):
        result = runner.invoke(
            app,
            ["report", key, "--docx", str(target), "--steering-group", "rs"],
            env={"DATABASE_URL": database_url},
        )
    assert result.exit_code == 0, result.output
    assert f"Rapporten skrevs till {target}." in result.output
    document = docx.Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Styrgrupp: Regionstyrelsens styrgrupp" in text
    assert "Upprättad: 1 dec. 2026" in text
    assert zipfile.is_zipfile(target)

    result = runner.invoke(
        app,
        ["report", "nope", "--docx", str(tmp_path / "x.docx")],
        env={"DATABASE_URL": database_url},
    )
    assert result.exit_code == 1 and not (tmp_path / "x.docx").exists()
