"""Indicator settings through the plan import: Swedish and English headers, row errors like
every other column, and a changed target kept on record instead of overwritten."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import ImportFailed
from services.imports.plan import import_plan
from storage import plans as plan_store
from storage.models import IndicatorSettings, PlanItem
from tests.imports.helpers import ANNA, BO, seed_org_and_people, write

PLAN = "rs-vp-2027"
SV_HEADER = (
    "nyckel;förälder;typ;titel;ägare;måttenhet;målvärde;riktning;utgångsvärde;decimaler;"
    "marginal;måldatum;periodmål"
)
SV_ROWS = [
    f"M1;;mål;Kortare väntetider;{ANNA};;;;;;;;",
    f"I1;M1;indikator;Andel operationer inom 90 dagar;{BO};%;90;högre;72;0;5 %;2027-12-31;"
    '"T1 2027: 80; T2 2027: 85"',  # quoted: the semicolon is also the CSV's separator
    f"I2;M1;indikator;Medelväntetid;{BO};dagar;12,5;Lägre;20;1;;;",
]


async def _import(session: AsyncSession, path: Path, margin: Decimal | None = None) -> None:
    await import_plan(
        session,
        path,
        plan_key=PLAN,
        name="Verksamhetsplan 2027",
        actor="admin@region-exempel.se",
        indicator_margin=margin,
    )


async def _items(session: AsyncSession) -> dict[str, PlanItem]:
    plan = await plan_store.get_plan_by_key(session, PLAN)
    assert plan is not None
    return {i.key: i for i in await plan_store.items_of_plan(session, plan.id)}


async def test_swedish_columns_set_every_indicator_setting(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    path = write(tmp_path / "plan.csv", "\n".join([SV_HEADER, *SV_ROWS]) + "\n")
    await _import(session, path, margin=Decimal("7.5"))
    await session.commit()

    items = await _items(session)
    share = items["I1"]
    assert (share.unit, share.target, share.direction) == ("%", Decimal("90"), "higher")
    assert (share.baseline, share.decimals, share.margin) == (Decimal(72), 0, Decimal(5))
    assert share.target_date == date(2027, 12, 31)
    assert share.period_targets == {"T1 2027": "80.0000", "T2 2027": "85.0000"}
    wait = items["I2"]
    assert (wait.direction, wait.target, wait.margin, wait.decimals) == (
        "lower",
        Decimal("12.5"),
        None,
        1,
    )
    plan = await plan_store.get_plan_by_key(session, PLAN)
    assert plan is not None and plan.indicator_margin == Decimal("7.5")


async def test_english_headers_are_understood(session: AsyncSession, tmp_path: Path) -> None:
    await seed_org_and_people(session, tmp_path)
    text = (
        "key,parent,type,title,owner,unit of measure,target value,direction,baseline value,"
        "decimal places,margin %,target date\n"
        f"G1,,goal,Shorter waits,{ANNA},,,,,,,\n"
        f"I1,G1,indicator,Share within 90 days,{BO},%,90,higher is better,72,1,10,2027-06-30\n"
    )
    await _import(session, write(tmp_path / "plan.csv", text))
    share = (await _items(session))["I1"]
    assert (share.direction, share.baseline, share.decimals, share.margin) == (
        "higher",
        Decimal(72),
        1,
        Decimal(10),
    )
    assert share.target_date == date(2027, 6, 30)


async def test_bad_indicator_cells_are_row_errors_and_nothing_is_stored(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    await session.commit()
    rows = [
        f"M1;;mål;Kortare väntetider;{ANNA};;;;;;;;",
        f"I1;M1;indikator;Andel;{BO};%;90;uppåt;sjuttio;9;150;31/12/2027;T1 2027 80",
    ]
    path = write(tmp_path / "plan.csv", "\n".join([SV_HEADER, *rows]) + "\n")
    with pytest.raises(ImportFailed) as failed:
        await _import(session, path)
    messages = [error.render("sv") for error in failed.value.errors]
    assert messages == [
        "Rad 3: utgångsvärde måste vara ett tal, t.ex. 80 eller 12,5 (är sjuttio)",
        "Rad 3: decimaler ska vara ett heltal 0–4 (är 9)",
        "Rad 3: riktning ska vara högre eller lägre (är uppåt)",
        "Rad 3: marginal ska vara 0–100 procent av målvärdet (är 150)",
        'Rad 3: periodmål skrivs som "T1 2027: 80; T2 2027: 85" (är T1 2027 80)',
        "Rad 3: måldatum ska vara ett datum som 2027-12-31 (är 31/12/2027)",
    ]
    await session.rollback()
    assert (await session.execute(select(PlanItem))).first() is None


async def test_a_changed_target_keeps_the_old_one_on_record(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    path = write(tmp_path / "plan.csv", "\n".join([SV_HEADER, *SV_ROWS]) + "\n")
    await _import(session, path)
    await _import(session, path)  # unchanged: no new revision
    changed = [row.replace(";90;högre;", ";95;högre;") for row in SV_ROWS]
    await _import(session, write(tmp_path / "plan2.csv", "\n".join([SV_HEADER, *changed]) + "\n"))
    await session.commit()

    share = (await _items(session))["I1"]
    history = (
        await session.execute(
            select(IndicatorSettings)
            .where(IndicatorSettings.item_id == share.id)
            .order_by(IndicatorSettings.revision)
        )
    ).scalars()
    assert [(h.revision, h.settings["target"], h.changed_by) for h in history] == [
        (1, "90.0000", "admin@region-exempel.se"),
        (2, "95.0000", "admin@region-exempel.se"),
    ]
