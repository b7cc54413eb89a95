"""Plan import as an admin sees it: bad files store nothing and say which rows are wrong;
re-imports update in place, keep answers attached and never delete items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import ImportFailed, ImportSummary, Progress
from services.imports.plan import PlanNameRequired, import_plan
from storage import audit
from storage import people as people_store
from storage import plans as plan_store
from storage.models import (
    ItemKind,
    Plan,
    PlanItem,
    ReportingRound,
    Response,
    ResponseSource,
    RoundState,
    StatusScale,
)
from tests.imports.helpers import ANNA, BO, PLAN_HEADER, PLAN_ROWS, plan_csv, seed_org_and_people

PLAN = "rs-vp-2027"
NAME = "Regionstyrelsens verksamhetsplan 2027"


async def _import(
    session: AsyncSession,
    path: Path,
    *,
    period: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    return await import_plan(
        session,
        path,
        plan_key=PLAN,
        name=NAME,
        period=period,
        actor="admin@region-exempel.se",
        progress=progress,
    )


async def _items(session: AsyncSession) -> dict[str, PlanItem]:
    plan = await plan_store.get_plan_by_key(session, PLAN)
    assert plan is not None
    rows = await plan_store.items_of_plan(session, plan.id, include_inactive=True)
    return {item.key: item for item in rows}


async def test_bad_rows_are_all_reported_with_row_numbers_and_nothing_is_stored(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    await session.commit()
    rows = [
        f"S1;;strategi;God och jämlik hälsa;{ANNA};;RS;;",  # row 2: fine
        "M1;S1;mål;Kortare köer;okand.person@region-exempel.se;;HSF;;",  # 3
        f"M2;S1;målsättning;Fel typ;{ANNA};;HSF;;",  # 4
        f"M3;S1;mål;;{ANNA};;HSF;;",  # 5
        f"I1;M1;indikator;Andel;{ANNA};;HSF;%;åttio",  # 6
        f"S1;;strategi;Dubblett;{ANNA};;RS;;",  # 7
        f"A1;FINNS-INTE;aktivitet;Föräldralös;{ANNA};;HSF;;",  # 8
        f"X1;X2;aktivitet;Cirkel ett;{ANNA};;HSF;;",  # 9
        f"X2;X1;aktivitet;Cirkel två;{ANNA};;HSF;;",  # 10
        f"A2;S1;aktivitet;Okänd enhet;{ANNA};;KTN;;",  # 11
        f"A3;S1;aktivitet;Okänd ersättare;{ANNA};nobody@region-exempel.se;HSF;;",  # 12
    ]
    with pytest.raises(ImportFailed) as failed:
        await _import(session, plan_csv(tmp_path / "plan.csv", rows))
    found = {(e.row, e.column, e.code) for e in failed.value.errors}
    assert found == {
        (3, "owner", "unknown_owner"),
        (4, "kind", "bad_kind"),
        (5, "title", "required"),
        (6, "target", "bad_number"),
        (7, "key", "duplicate_key"),
        (8, "parent", "unknown_parent"),
        (9, "parent", "parent_cycle"),
        (10, "parent", "parent_cycle"),
        (11, "org_unit", "unknown_org_unit"),
        (12, "delegate", "unknown_delegate"),
    }
    by_row = {e.row: e for e in failed.value.errors}
    assert "okand.person@region-exempel.se" in by_row[3].message_sv
    assert "finns inte bland personerna" in by_row[3].message_sv
    assert "is not among the people" in by_row[3].message_en
    assert "rad 2" in by_row[7].message_sv
    assert by_row[6].render("sv").startswith("Rad 6: ")
    assert "X1 → X2 → X1" in by_row[9].message_sv or "X2 → X1 → X2" in by_row[9].message_sv

    await session.rollback()
    assert (await session.execute(select(func.count(PlanItem.id)))).scalar_one() == 0
    assert (await session.execute(select(func.count(Plan.id)))).scalar_one() == 0
    assert await audit.entries(session, action="import.plan") == []


async def test_semicolon_csv_with_bom_decimal_comma_and_parents_after_children(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    summary = await _import(session, plan_csv(tmp_path / "plan.csv"), period="2027")
    await session.commit()

    assert summary.counts()["created"] == len(PLAN_ROWS)
    items = await _items(session)
    assert items["I2"].target == Decimal("12.5")
    assert items["I2"].unit == "dagar"
    assert items["I1"].target == Decimal("80")
    assert items["M1"].parent_id == items["S1"].id
    assert items["K1"].kind is ItemKind.CONTROL_POINT
    bo = await people_store.get_by_upn(session, BO)
    cecilia = await people_store.get_by_entra_id(session, "0B8F1F7E-3F0D-4A52-9C55-6F1F4A9D1A03")
    assert bo is not None and cecilia is not None
    assert items["I2"].owner_id == cecilia.id  # owner given as Entra object id
    assert items["R1"].delegate_id == bo.id
    assert items["I1"].parent_id == items["M1"].id
    owned = {key for key, item in items.items() if bo.id in (item.owner_id, item.delegate_id)}
    assert owned == {"I1", "R1", "K1"}  # owner or delegate
    plan = await plan_store.get_plan_by_key(session, PLAN)
    assert plan is not None and plan.name == NAME and plan.period == "2027"


async def test_reimporting_the_same_file_changes_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    path = plan_csv(tmp_path / "plan.csv")
    await _import(session, path)
    await session.commit()
    before = {k: (i.id, i.updated_at, i.title) for k, i in (await _items(session)).items()}

    summary = await import_plan(session, path, plan_key=PLAN, actor="admin")
    await session.commit()
    session.expire_all()

    assert summary.changed is False
    assert summary.counts() == {
        "rows": 6,
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "deactivated": 0,
        "reactivated": 0,
    }
    after = {k: (i.id, i.updated_at, i.title) for k, i in (await _items(session)).items()}
    assert after == before
    entries = await audit.entries(session, action="import.plan")
    assert len(entries) == 2
    assert entries[-1].details["changes"] is False
    assert entries[-1].actor == "admin"
    assert entries[-1].target_id == PLAN


async def _round_with_answer(session: AsyncSession, item: PlanItem) -> Response:
    scale = (await session.execute(select(StatusScale))).scalar_one()
    now = datetime(2027, 5, 2, 9, 0, tzinfo=UTC)
    rnd = ReportingRound(
        key="t1-2027",
        name="Tertial 1 2027",
        plan_id=item.plan_id,
        state=RoundState.OPEN,
        opens_at=now,
        deadline_at=now + timedelta(days=14),
        status_scale_id=scale.id,
    )
    session.add(rnd)
    await session.flush()
    assert item.owner_id is not None
    answer = Response(
        round_id=rnd.id,
        item_id=item.id,
        revision=1,
        status_key="on_track",
        comment="Enligt plan",
        answered_by_id=item.owner_id,
        source=ResponseSource.TEAMS_CARD,
    )
    session.add(answer)
    await session.flush()
    return answer


async def test_edited_title_and_owner_update_the_same_item_and_keep_its_answers(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    await _import(session, plan_csv(tmp_path / "plan.csv"))
    item = (await _items(session))["I1"]
    answer = await _round_with_answer(session, item)
    await session.commit()
    item_id, stamp, answer_id = item.id, item.updated_at, answer.id

    edited = [
        row.replace("Andel operationer inom 90 dagar;" + BO, "Andel operationer i tid;" + ANNA)
        for row in PLAN_ROWS
    ]
    assert edited != PLAN_ROWS
    summary = await import_plan(
        session, plan_csv(tmp_path / "edited.csv", edited), plan_key=PLAN, actor="admin"
    )
    await session.commit()
    session.expire_all()

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 5)
    items = await _items(session)
    anna = await people_store.get_by_upn(session, ANNA)
    assert anna is not None
    assert items["I1"].id == item_id
    assert items["I1"].title == "Andel operationer i tid"
    assert items["I1"].owner_id == anna.id
    assert items["I1"].updated_at > stamp
    kept = await session.get(Response, answer_id)
    assert kept is not None and kept.item_id == item_id and kept.comment == "Enligt plan"


async def test_rows_missing_from_a_reimport_are_deactivated_and_come_back_later(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    await _import(session, plan_csv(tmp_path / "plan.csv"))
    risk_id = (await _items(session))["R1"].id
    await session.commit()

    without_risk = [row for row in PLAN_ROWS if not row.startswith("R1;")]
    summary = await import_plan(
        session, plan_csv(tmp_path / "less.csv", without_risk), plan_key=PLAN, actor="admin"
    )
    await session.commit()
    assert summary.deactivated == 1
    items = await _items(session)
    assert items["R1"].active is False
    plan = await plan_store.get_plan_by_key(session, PLAN)
    assert plan is not None
    assert "R1" not in {i.key for i in await plan_store.items_of_plan(session, plan.id)}

    summary = await import_plan(
        session, plan_csv(tmp_path / "again.csv"), plan_key=PLAN, actor="admin"
    )
    await session.commit()
    session.expire_all()
    assert (summary.reactivated, summary.created) == (1, 0)
    items = await _items(session)
    assert items["R1"].active is True and items["R1"].id == risk_id


async def test_xlsx_with_english_headers_and_kinds(session: AsyncSession, tmp_path: Path) -> None:
    await seed_org_and_people(session, tmp_path)
    book = Workbook()
    sheet = book.active
    sheet.append(["Key", "Parent", "Kind", "Title", "Owner", "Delegate", "Org unit", "Unit",
                  "Target", "Notes"])  # fmt: skip
    sheet.append(["S1", None, "Strategy", "Good health", ANNA, None, "RS", None, None, "x"])
    sheet.append(["G1", "S1", "goal", "Shorter waits", ANNA, None, "HSF", None, None, None])
    sheet.append([None] * 10)  # an empty row in the middle does not shift row numbers
    sheet.append(["I1", "G1", "Indicator", "Share in time", BO, None, "HSF", "%", 82.5, None])
    sheet.append(["C1", "G1", "control point", "Check", BO, None, "HSF", None, None, None])
    path = tmp_path / "plan.xlsx"
    book.save(path)

    summary = await _import(session, path)
    assert summary.counts()["created"] == 4
    assert summary.ignored_columns == ("Notes",)
    items = await _items(session)
    assert items["I1"].target == Decimal("82.5")
    assert items["C1"].kind is ItemKind.CONTROL_POINT

    sheet.cell(row=5, column=9, value="many")
    book.save(path)
    with pytest.raises(ImportFailed) as failed:
        await import_plan(session, path, plan_key=PLAN, actor="admin")
    assert [(e.row, e.code) for e in failed.value.errors] == [(5, "bad_number")]


async def test_missing_columns_and_new_plan_without_name(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    path = tmp_path / "plan.csv"
    path.write_text("nyckel;titel\nS1;God hälsa\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        await _import(session, path)
    assert [(e.row, e.column, e.code) for e in failed.value.errors] == [
        (1, "kind", "missing_column")
    ]
    assert "typ" in failed.value.errors[0].message_sv

    with pytest.raises(PlanNameRequired):
        await import_plan(session, plan_csv(tmp_path / "ok.csv"), plan_key="ny", actor="admin")


async def test_progress_reports_every_row(session: AsyncSession, tmp_path: Path) -> None:
    await seed_org_and_people(session, tmp_path)
    seen: list[int] = []
    await _import(session, plan_csv(tmp_path / "plan.csv"), progress=seen.append)
    assert sum(seen) == len(PLAN_ROWS)


def test_plan_header_matches_rows() -> None:
    assert all(row.count(";") == PLAN_HEADER.count(";") for row in PLAN_ROWS)


async def test_targets_are_read_as_the_status_card_reads_values(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    targets = ["1 234,5", "80 %", "−3", "0.00001", "12,34.5"]
    rows = [f"S1;;strategi;God och jämlik hälsa;{ANNA};;RS;;"] + [
        f"I{n};S1;indikator;Indikator {n};{ANNA};;RS;st;{target}"
        for n, target in enumerate(targets, start=1)
    ]
    with pytest.raises(ImportFailed) as failed:
        await _import(session, plan_csv(tmp_path / "plan.csv", rows))
    assert [error.render("sv") for error in failed.value.errors] == [
        "Rad 7: målvärde måste vara ett tal, t.ex. 80 eller 12,5 (är 12,34.5)"
    ]
    await _import(session, plan_csv(tmp_path / "plan.csv", rows[:-1]))
    items = await _items(session)
    assert [items[f"I{n}"].target for n in range(1, 5)] == [
        Decimal("1234.5"),
        Decimal("80"),
        Decimal("-3"),
        Decimal("0"),  # below what the store keeps (4 decimals)
    ]
