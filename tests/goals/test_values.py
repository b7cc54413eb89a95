"""Indicator values from a file, as an admin loads a warehouse export: all or nothing, the
same file twice adds nothing, and the manager's card shows the loaded value as the outcome;
the digest counts the goal against its target."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cards.status_card import create_status_card
from cli.main import app
from services.answering.status_view import build_status_view
from services.goals.values_import import import_values
from services.imports.common import ImportFailed
from services.reporting.digest_source import load_digest
from services.reporting.export_xlsx import round_workbook
from storage.digest_queries import Scope
from storage.models import IndicatorValue, Plan, ReportingRound, RoundState
from tests.cardtools import all_text
from tests.factories import NOW, RoundSetup, open_round


async def _setup(session: AsyncSession) -> tuple[RoundSetup, str]:
    s = await open_round(session)
    s.round.period_label = "T3 2026"
    plan = await session.get(Plan, s.round.plan_id)
    assert plan is not None
    plan.period = "2026"
    # Two earlier rounds of the plan, so the trend has three points.
    for n, label in enumerate(("T1 2026", "T2 2026"), start=1):
        session.add(
            ReportingRound(
                key=f"{s.round.key}-{n}",
                name=f"Tertial {n} 2026",
                plan_id=plan.id,
                period_label=label,
                state=RoundState.CLOSED,
                opens_at=NOW - timedelta(days=250 - 120 * n),
                deadline_at=NOW - timedelta(days=240 - 120 * n),
                status_scale_id=s.round.status_scale_id,
            )
        )
    await session.commit()
    return s, plan.key


def _file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "utfall.csv"
    path.write_text("mätetal;period;värde;källa;per datum\n" + "\n".join(rows) + "\n")
    return path


async def test_a_loaded_value_is_the_outcome_on_the_managers_card(
    session: AsyncSession, tmp_path: Path
) -> None:
    s, plan_key = await _setup(session)
    rows = [
        "I1;T1 2026;70;datalagret;2026-04-30",
        "I1;T2 2026;72;datalagret;2026-08-31",
        "I1;T3 2026;74;datalagret;2026-11-30",
    ]
    summary = await import_values(session, _file(tmp_path, rows), plan_key=plan_key, actor="adm")
    await session.commit()
    assert (summary.created, summary.unchanged) == (3, 0)
    again = await import_values(session, _file(tmp_path, rows), plan_key=plan_key, actor="adm")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    view = await build_status_view(
        session, request=s.request, rnd=s.round, person=s.owner, language="sv", now=NOW
    )
    text = all_text(create_status_card(view))
    assert "Utfall 74 % (från datalagret, 30 nov. 2026) — mål 80 %" in text
    assert "Måluppfyllelse: gul – nära målet" in text  # 6 short of 80, within 10 % = 8
    assert "Senaste värden: T1 2026: 70 %; T2 2026: 72 %; T3 2026: 74 %." in text
    assert "Riskerar att inte nå målet" in text  # about 75 at the end of 2026

    digest = await load_digest(session, s.round, Scope())
    assert digest.attainment is not None
    assert digest.attainment.totals.to_dict()["yellow"] == 1
    assert digest.attainment.misses["item_key"].tolist() == ["I1"]

    book = load_workbook(io.BytesIO(await round_workbook(session, s.round.id, generated_at=NOW)))
    sheet = [list(row) for row in book["Indikatorer"].iter_rows(values_only=True)]
    header, row = sheet[0], dict(zip(sheet[0], sheet[1], strict=True))
    assert header[-3:] == ["T1 2026", "T2 2026", "T3 2026"]
    assert (row["Nyckel"], row["Målvärde"], row["Utfall"], row["Bedömning"]) == (
        "I1",
        80,
        74,
        "Gul",
    )
    assert row["Måluppfyllelse"] == pytest.approx(74 / 80)
    assert (row["Antal värden"], row["Riskerar att inte nå målet"]) == (3, "Ja")
    assert [row["T1 2026"], row["T2 2026"], row["T3 2026"]] == [70, 72, 74]


async def test_a_corrected_value_is_a_new_revision_and_the_old_one_stays(
    session: AsyncSession, tmp_path: Path
) -> None:
    s, plan_key = await _setup(session)
    await import_values(session, _file(tmp_path, ["I1;T3 2026;74;;"]), plan_key=plan_key, actor="a")
    changed = await import_values(
        session, _file(tmp_path, [f"I1;{s.round.key};75;Kolada;"]), plan_key=plan_key, actor="b"
    )
    await session.commit()
    assert changed.updated == 1
    stored = (await session.scalars(select(IndicatorValue).order_by(IndicatorValue.revision))).all()
    assert [(v.revision, str(v.value), v.source, v.recorded_by) for v in stored] == [
        (1, "74.0000", "utfall.csv", "a"),
        (2, "75.0000", "Kolada", "b"),
    ]


async def test_bad_rows_store_nothing_and_say_why(session: AsyncSession, tmp_path: Path) -> None:
    _s, plan_key = await _setup(session)
    rows = ["I9;T3 2026;74;;", "I1;T9 2030;74;;", "I1;T3 2026;sjuttio;;", "I1;T3 2026;74;;x"]
    with pytest.raises(ImportFailed) as failed:
        await import_values(session, _file(tmp_path, rows), plan_key=plan_key, actor="a")
    assert [e.render("sv") for e in failed.value.errors] == [
        "Rad 2: inget mätetal med nyckeln I9 i planen",
        "Rad 3: ingen omgång i planen har perioden eller nyckeln T9 2030",
        "Rad 4: värde måste vara ett tal, t.ex. 80 eller 12,5 (är sjuttio)",
        "Rad 5: per datum ska vara ett datum som 2027-12-31 (är x)",
        "Rad 5: samma mätetal och period finns redan på rad 4",
    ]
    await session.rollback()
    assert (await session.scalars(select(IndicatorValue))).first() is None


def test_the_cli_loads_a_values_file(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    path = _file(tmp_path, ["I1;T3 2026;74;;"])
    result = runner.invoke(
        app, ["values", "import", str(path), "--plan", "nope"], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code == 1
    assert "Det finns ingen plan med nyckeln nope." in result.output
