"""Org units and people: the tree and the line-manager chain are validated as a whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import ImportFailed
from services.imports.org import import_org_units
from services.imports.people import import_people
from storage import audit
from storage import org as org_store
from storage import people as people_store
from storage.models import OrgUnit, Person
from tests.imports.helpers import ANNA, BO, ORG_CSV, PEOPLE_CSV, seed_org_and_people, write


async def test_org_tree_is_created_updated_and_reimported_without_changes(
    session: AsyncSession, tmp_path: Path
) -> None:
    # The child comes first: parents may appear after children.
    text = "key;name;parent\nHSF;Förvaltningen;HSN\nHSN;Nämnden;RS\nRS;Regionstyrelsen;\n"
    summary = await import_org_units(session, write(tmp_path / "org.csv", text), actor="admin")
    assert summary.created == 3
    hsf = await org_store.get_unit_by_key(session, "HSF")
    hsn = await org_store.get_unit_by_key(session, "HSN")
    assert hsf is not None and hsn is not None and hsf.parent_id == hsn.id
    assert await org_store.subtree_ids(session, hsn.id) == {hsn.id, hsf.id}

    again = await import_org_units(session, tmp_path / "org.csv", actor="admin")
    assert (again.unchanged, again.changed) == (3, False)
    renamed = text.replace("Förvaltningen", "Hälso- och sjukvårdsförvaltningen")
    changed = await import_org_units(session, write(tmp_path / "o2.csv", renamed), actor="admin")
    assert (changed.updated, changed.unchanged) == (1, 2)
    assert len(await audit.entries(session, action="import.org")) == 3


async def test_org_errors_unknown_parent_cycle_and_duplicate(
    session: AsyncSession, tmp_path: Path
) -> None:
    text = (
        "nyckel,namn,förälder\n"
        "RS,Regionstyrelsen,\n"
        "A,Ett,B\n"
        "B,Två,A\n"
        "C,Tre,SAKNAS\n"
        "RS,Igen,\n"
        "D,,RS\n"
    )
    with pytest.raises(ImportFailed) as failed:
        await import_org_units(session, write(tmp_path / "org.csv", text), actor="admin")
    assert {(e.row, e.code) for e in failed.value.errors} == {
        (3, "parent_cycle"),
        (4, "parent_cycle"),
        (5, "unknown_parent_unit"),
        (6, "duplicate_key"),
        (7, "required"),
    }
    assert (await session.execute(select(func.count(OrgUnit.id)))).scalar_one() == 0


async def test_people_with_managers_units_and_languages(
    session: AsyncSession, tmp_path: Path
) -> None:
    summary = await seed_org_and_people(session, tmp_path)
    assert summary.created == 3
    bo = await people_store.get_by_upn(session, "Bo.Ek@Region-Exempel.se")
    anna = await people_store.get_by_upn(session, ANNA)
    cecilia = await people_store.get_by_entra_id(session, "0b8f1f7e-3f0d-4a52-9c55-6f1f4a9d1a03")
    assert bo is not None and anna is not None and cecilia is not None
    assert bo.line_manager_id == anna.id
    assert cecilia.preferred_language == "en"
    assert bo.time_zone == "Europe/Stockholm"
    hsf = await org_store.get_unit_by_key(session, "HSF")
    assert hsf is not None and bo.org_unit_id == hsf.id

    again = await import_people(session, tmp_path / "people.csv", actor="admin")
    assert (again.unchanged, again.changed) == (3, False)


async def test_renamed_person_keeps_their_row_through_the_object_id(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    bo = await people_store.get_by_upn(session, BO)
    assert bo is not None
    bo_id = bo.id
    renamed = PEOPLE_CSV.replace(
        "bo.ek@region-exempel.se,Bo Ek", "bo.lind@region-exempel.se,Bo Lind"
    )
    summary = await import_people(session, write(tmp_path / "p2.csv", renamed), actor="admin")
    assert summary.updated == 1 and summary.created == 0
    person = await people_store.get_by_upn(session, "bo.lind@region-exempel.se")
    assert person is not None and person.id == bo_id and person.display_name == "Bo Lind"


async def test_people_errors_are_reported_per_row(session: AsyncSession, tmp_path: Path) -> None:
    await import_org_units(session, write(tmp_path / "org.csv", ORG_CSV), actor="admin")
    text = (
        "upn;namn;entra_object_id;chef;enhet;språk;tidszon\n"
        "a@region-exempel.se;A;;;RS;sv;\n"  # 2 fine
        "inte-en-adress;B;;;RS;sv;\n"  # 3
        "c@region-exempel.se;C;inte-ett-guid;;RS;sv;\n"  # 4
        "d@region-exempel.se;D;;okand@region-exempel.se;RS;sv;\n"  # 5
        "e@region-exempel.se;E;;f@region-exempel.se;RS;sv;\n"  # 6
        "f@region-exempel.se;F;;e@region-exempel.se;RS;sv;\n"  # 7
        "g@region-exempel.se;G;;;KTN;sv;\n"  # 8
        "h@region-exempel.se;H;;;RS;fi;\n"  # 9
        "i@region-exempel.se;I;;;RS;sv;Europe/Atlantis\n"  # 10
        "A@region-exempel.se;A igen;;;RS;sv;\n"  # 11
        "j@region-exempel.se;J;;j@region-exempel.se;RS;sv;\n"  # 12
    )
    with pytest.raises(ImportFailed) as failed:
        await import_people(session, write(tmp_path / "people.csv", text), actor="admin")
    assert {(e.row, e.code) for e in failed.value.errors} == {
        (3, "bad_upn"),
        (4, "bad_object_id"),
        (5, "unknown_manager"),
        (6, "manager_cycle"),
        (7, "manager_cycle"),
        (8, "unknown_org_unit"),
        (9, "bad_language"),
        (10, "bad_time_zone"),
        (11, "duplicate_upn"),
        (12, "own_manager"),
    }
    assert (await session.execute(select(func.count(Person.id)))).scalar_one() == 0


async def test_deactivate_missing_people_only_when_asked(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_org_and_people(session, tmp_path)
    only_anna = "\n".join(PEOPLE_CSV.splitlines()[:2]) + "\n"
    path = write(tmp_path / "anna.csv", only_anna)
    partial = await import_people(session, path, actor="admin")
    assert partial.deactivated == 0
    full = await import_people(session, path, actor="admin", deactivate_missing=True)
    assert full.deactivated == 2
    bo = await people_store.get_by_upn(session, BO)
    assert bo is not None and bo.active is False
    back = await import_people(session, tmp_path / "people.csv", actor="admin")
    assert back.reactivated == 2
