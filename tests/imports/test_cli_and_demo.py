"""The `lagesbot import` and `lagesbot scales` commands against a real database, and the
shipped sample region."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cli.main import app
from demo.sample_region import DEMO_DIR, PLAN_KEY, load_sample_region
from services.imports.plan import import_plan
from storage import plans as plan_store
from storage.db import create_engine, create_session_factory
from storage.models import ItemKind, PlanItem
from tests.imports.helpers import ANNA, plan_csv

runner = CliRunner()


def _run(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"DATABASE_URL": database_url})
    return result.exit_code, result.output


def _count_items(database_url: str) -> int:
    async def count() -> int:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                return (await session.execute(select(func.count(PlanItem.id)))).scalar_one()
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_cli_imports_the_sample_files_and_reports_counts(database_url: str) -> None:
    code, out = _run(database_url, "import", "org", str(DEMO_DIR / "org_units.csv"))
    assert code == 0, out
    assert "22 nya" in out
    code, out = _run(database_url, "import", "people", str(DEMO_DIR / "people.csv"))
    assert code == 0, out
    plan = str(DEMO_DIR / "plan_rs_2027.xlsx")
    code, out = _run(database_url, "import", "plan", plan, "--plan", "vp27")
    assert code == 1
    assert "--name" in out
    code, out = _run(
        database_url, "import", "plan", plan, "--plan", "vp27", "--name", "VP 2027",
        "--period", "2027",
    )  # fmt: skip
    assert code == 0, out
    items = _count_items(database_url)
    assert items >= 300
    # The CSV of the same plan is the same data: nothing changes.
    csv_plan = str(DEMO_DIR / "plan_rs_2027.csv")
    code, out = _run(database_url, "import", "plan", csv_plan, "--plan", "vp27", "--lang", "en")
    assert code == 0, out
    assert "No changes." in out and "0 created" in out
    assert _count_items(database_url) == items


def test_cli_prints_every_bad_row_and_stores_nothing(database_url: str, tmp_path: Path) -> None:
    assert _run(database_url, "import", "org", str(DEMO_DIR / "org_units.csv"))[0] == 0
    assert _run(database_url, "import", "people", str(DEMO_DIR / "people.csv"))[0] == 0
    rows = [
        "S1;;strategi;God och jämlik hälsa;karin.lindqvist@region-exempel.se;;RS;;",
        f"M1;S1;mål;Kortare köer;{ANNA};;HSF;;",  # Anna is not in the sample region
        "M2;S1;mål;Fel tal;karin.lindqvist@region-exempel.se;;HSF;%;mycket",
    ]
    path = plan_csv(tmp_path / "plan.csv", rows)
    code, out = _run(database_url, "import", "plan", str(path), "--plan", "p", "--name", "P")
    assert code == 1
    assert "Importen avbröts: 2 fel. Ingenting sparades." in out
    assert f"Rad 3: Ägaren {ANNA} finns inte bland personerna" in out
    assert "Rad 4: målvärde måste vara ett tal, t.ex. 80 eller 12,5 (är mycket)" in out
    code, out = _run(
        database_url, "import", "plan", str(path), "--plan", "p", "--name", "P", "--lang", "en"
    )
    assert code == 1
    assert "Import stopped: 2 errors. Nothing was stored." in out
    assert f"Row 3: The owner {ANNA} is not among the people" in out
    assert _count_items(database_url) == 0


def test_cli_dry_run_stores_nothing(database_url: str) -> None:
    code, out = _run(database_url, "import", "org", str(DEMO_DIR / "org_units.csv"), "--dry-run")
    assert code == 0 and "Provkörning" in out
    code, out = _run(database_url, "import", "org", str(DEMO_DIR / "org_units.csv"))
    assert code == 0 and "22 nya" in out


def test_cli_scales_import_and_list(database_url: str, tmp_path: Path) -> None:
    code, out = _run(database_url, "scales", "import", str(DEMO_DIR / "risk_scale_5x5.toml"))
    assert code == 0, out
    assert "risk5x5 skapades" in out
    code, out = _run(database_url, "scales", "list")
    assert code == 0
    assert "risk4x4" in out and "risk5x5" in out and "Mycket hög 16–25" in out

    broken = tmp_path / "broken.toml"
    text = (DEMO_DIR / "risk_scale_5x5.toml").read_text(encoding="utf-8")
    broken.write_text(text.replace("min = 10", "min = 11").replace("risk5x5", "x"), "utf-8")
    code, out = _run(database_url, "scales", "import", str(broken), "--lang", "en")
    assert code == 1
    assert "the scores 10-10 are not covered by any band" in out
    assert "risk5x5" in _run(database_url, "scales", "list")[1]
    assert " x " not in _run(database_url, "scales", "list")[1]


async def test_sample_region_loads_cleanly_and_twice_is_a_no_op(session: AsyncSession) -> None:
    loaded = await load_sample_region(session)
    await session.commit()
    assert loaded.org.created >= 15
    assert 50 <= loaded.people.created <= 80
    assert loaded.plan.created >= 300

    plan = await plan_store.get_plan_by_key(session, PLAN_KEY)
    assert plan is not None
    items = await plan_store.items_of_plan(session, plan.id)
    assert len(items) >= 300
    assert all(item.owner_id is not None for item in items)
    assert {item.kind for item in items} == set(ItemKind)
    assert any(item.kind is ItemKind.INDICATOR and item.target is not None for item in items)

    again = await load_sample_region(session)
    assert not (again.org.changed or again.people.changed or again.plan.changed)


@pytest.mark.parametrize("name", ["plan_rs_2027.csv", "plan_rs_2027.xlsx"])
async def test_both_sample_plan_formats_give_the_same_plan(
    session: AsyncSession, name: str
) -> None:
    await load_sample_region(session)
    summary = await import_plan(session, DEMO_DIR / name, plan_key=PLAN_KEY, actor="test")
    assert summary.changed is False and summary.unchanged >= 300


def test_cli_messages_count_in_the_singular_and_the_plural(
    database_url: str, tmp_path: Path
) -> None:
    org = tmp_path / "org.csv"
    org.write_text("nyckel;namn;förälder;anteckning\nRS;Regionstyrelsen;;x\n", "utf-8")
    code, out = _run(database_url, "import", "org", str(org))
    assert code == 0, out
    assert "Okänd kolumn ignorerades: anteckning" in out
    assert "1 rad: 1 nya, 0 ändrade" in out
    code, out = _run(database_url, "import", "org", str(org), "--lang", "en")
    assert "An unknown column was ignored: anteckning" in out
    assert "1 row: 0 created, 0 updated, 1 unchanged" in out and "No changes." in out
    bad = tmp_path / "bad.csv"
    bad.write_text("nyckel;namn;förälder\nHSN;Hälso- och sjukvård;FINNS-INTE\n", "utf-8")
    code, out = _run(database_url, "import", "org", str(bad), "--lang", "en")
    assert code == 1 and "Import stopped: 1 error. Nothing was stored." in out


def test_an_unknown_language_is_refused_in_both(database_url: str) -> None:
    code, out = _run(database_url, "import", "org", str(DEMO_DIR / "org_units.csv"), "--lang", "fi")
    assert code == 2
    assert "sv eller en / sv or en" in out
