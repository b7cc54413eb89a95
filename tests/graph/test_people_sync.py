"""`sync_people` against the Graph fake and a real store (SQLite and PostgreSQL): the people
table follows Entra ID, leavers are kept inactive and their items reported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.graph.people_sync import DELTA_KEY, SyncNotConfigured, SyncScope, sync_people
from storage import people as people_store
from storage.models import AuditEntry, ItemKind, Person, Plan, PlanItem, SyncState
from tests.factories import NOW
from tests.graph.conftest import GROUP_ID, GraphSetup

KARIN = "c1b46a11-a07c-5b88-8336-da2de401d2b7"
ANDERS = "55d4e1aa-bb96-5834-a257-e6fbffbebb8a"
MARIA = "f9016803-5982-557b-8495-573b94b65151"
JOHAN = "49082285-4180-5c00-8743-0b386ea30273"
OUTSIDER = "7a7a7a7a-0000-4000-8000-000000000777"
GROUP = SyncScope(group_ids=(GROUP_ID,))
LATER = NOW + timedelta(days=1)


def directory(graph: GraphSetup) -> None:
    fake = graph.fake
    fake.add_user(
        KARIN,
        "Karin.Lindqvist@region-exempel.se",
        "Karin Lindqvist",
        job_title="Regiondirektör",
        preferred_language="sv-SE",
        department="RS",
    )
    fake.add_user(
        ANDERS,
        "anders.holmberg@region-exempel.se",
        "Anders Holmberg",
        job_title="Biträdande regiondirektör",
        preferred_language="en-GB",
        department="RK",
        manager=KARIN,
    )
    fake.add_user(
        MARIA,
        "maria.sundberg@region-exempel.se",
        "Maria Sundberg",
        mail="maria.sundberg@regionen.se",
        department="HSF",
        manager=KARIN,
    )
    fake.add_user(OUTSIDER, "extern@region-exempel.se", "Extern Konsult", department="IT")
    fake.add_group(GROUP_ID, [KARIN, ANDERS, MARIA])


async def person(session: AsyncSession, object_id: str) -> Person:
    found = await people_store.get_by_entra_id(session, object_id)
    assert found is not None
    await session.refresh(found)
    return found


async def test_the_first_sync_stores_everyone_in_the_group_with_manager_and_language(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    report = await sync_people(session, graph.client, GROUP, now=NOW, actor="cli:admin")
    await session.commit()

    assert report.full
    assert sorted(report.created) == [
        "anders.holmberg@region-exempel.se",
        "karin.lindqvist@region-exempel.se",
        "maria.sundberg@region-exempel.se",
    ]
    karin = await person(session, KARIN)
    anders = await person(session, ANDERS)
    maria = await person(session, MARIA)
    assert (karin.upn, karin.job_title, karin.preferred_language) == (
        "karin.lindqvist@region-exempel.se",
        "Regiondirektör",
        "sv",
    )
    assert anders.preferred_language == "en"
    assert anders.line_manager_id == karin.id and maria.line_manager_id == karin.id
    assert karin.line_manager_id is None
    assert maria.email == "maria.sundberg@regionen.se"
    assert karin.synced_at == NOW and karin.active
    assert await people_store.get_by_entra_id(session, OUTSIDER) is None
    state = await session.get(SyncState, DELTA_KEY)
    assert state is not None and "deltatoken" in state.value
    audit = (await session.execute(select(AuditEntry))).scalars().one()
    assert (audit.actor, audit.action, audit.details["created"]) == (
        "cli:admin",
        "people.synced",
        3,
    )


async def test_the_second_sync_reads_only_changes_and_applies_only_them(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    await sync_people(session, graph.client, GROUP, now=NOW)
    await session.commit()
    graph.fake.update_user(MARIA, jobTitle="Hälso- och sjukvårdsdirektör", manager=ANDERS)
    graph.fake.requests.clear()

    report = await sync_people(session, graph.client, GROUP, now=LATER)
    await session.commit()

    assert not report.full
    assert report.updated == ["maria.sundberg@region-exempel.se"]
    assert report.created == [] and report.deactivated == []
    delta_requests = graph.fake.requests_to("/users/delta")
    assert len(delta_requests) == 1 and "$deltatoken" in delta_requests[0].query
    maria = await person(session, MARIA)
    assert maria.job_title == "Hälso- och sjukvårdsdirektör"
    assert maria.line_manager_id == (await person(session, ANDERS)).id
    assert maria.synced_at == LATER
    # Unchanged people were not touched.
    karin = await person(session, KARIN)
    assert karin.synced_at == NOW


async def test_leavers_are_kept_inactive_and_their_items_are_reported(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    graph.fake.add_user(JOHAN, "johan.ekstrom@region-exempel.se", "Johan Ekström")
    graph.fake.groups[GROUP_ID].append(JOHAN)
    await sync_people(session, graph.client, GROUP, now=NOW)
    plan = Plan(key="rs-vp-2027", name="Regionstyrelsens verksamhetsplan 2027")
    session.add(plan)
    await session.flush()
    anders = await person(session, ANDERS)
    session.add_all(
        [
            PlanItem(
                plan_id=plan.id,
                key="M1",
                kind=ItemKind.GOAL,
                title="Kortare väntetider",
                owner_id=anders.id,
            ),
            PlanItem(
                plan_id=plan.id,
                key="M2",
                kind=ItemKind.GOAL,
                title="Stark ekonomi",
                owner_id=(await person(session, KARIN)).id,
            ),
        ]
    )
    await session.commit()
    people_before = (await session.execute(select(func.count(Person.id)))).scalar_one()

    graph.fake.delete_user(ANDERS)  # deleted in Entra ID
    graph.fake.update_user(MARIA, accountEnabled=False)  # disabled
    graph.fake.groups[GROUP_ID].remove(JOHAN)  # left the group
    report = await sync_people(session, graph.client, GROUP, now=LATER)
    await session.commit()

    assert sorted(report.deactivated) == [
        "anders.holmberg@region-exempel.se",
        "johan.ekstrom@region-exempel.se",
        "maria.sundberg@region-exempel.se",
    ]
    for object_id in (ANDERS, MARIA, JOHAN):
        left = await person(session, object_id)
        assert not left.active and left.left_at == LATER
    assert (await person(session, KARIN)).active
    assert (await session.execute(select(func.count(Person.id)))).scalar_one() == people_before
    assert [(o.item_key, o.owner_upn) for o in report.orphaned_items] == [
        ("M1", "anders.holmberg@region-exempel.se")
    ]

    # Back in the group and enabled again: active again, with no left_at.
    graph.fake.update_user(MARIA, accountEnabled=True)
    report = await sync_people(session, graph.client, GROUP, now=LATER + timedelta(days=1))
    await session.commit()
    assert report.reactivated == ["maria.sundberg@region-exempel.se"]
    maria = await person(session, MARIA)
    assert maria.active and maria.left_at is None


async def test_a_new_group_member_is_read_even_though_the_user_did_not_change(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    await sync_people(session, graph.client, GROUP, now=NOW)
    graph.fake.groups[GROUP_ID].append(OUTSIDER)

    report = await sync_people(session, graph.client, GROUP, now=LATER)

    assert report.created == ["extern@region-exempel.se"]
    assert graph.fake.requests_to(f"/users/{OUTSIDER}$")


async def test_a_department_scope_follows_department_changes(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    scope = SyncScope(departments=("rs", "HSF"))
    report = await sync_people(session, graph.client, scope, now=NOW)
    assert sorted(report.created) == [
        "karin.lindqvist@region-exempel.se",
        "maria.sundberg@region-exempel.se",
    ]
    # Maria's manager Karin is in scope; Anders (RK) is not stored at all.
    assert await people_store.get_by_entra_id(session, ANDERS) is None

    graph.fake.update_user(MARIA, department="RK")
    graph.fake.update_user(ANDERS, department="HSF")
    report = await sync_people(session, graph.client, scope, now=LATER)
    assert report.deactivated == ["maria.sundberg@region-exempel.se"]
    assert report.created == ["anders.holmberg@region-exempel.se"]


async def test_an_expired_delta_link_starts_a_full_read(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    await sync_people(session, graph.client, GROUP, now=NOW)
    state = await session.get(SyncState, DELTA_KEY)
    assert state is not None
    expired_link = state.value
    graph.fake.expired_delta_tokens.add(expired_link.split("deltatoken=", 1)[1])
    graph.fake.requests.clear()

    report = await sync_people(session, graph.client, GROUP, now=LATER)

    assert report.full
    assert report.created == [] and report.deactivated == []
    first, restart = graph.fake.requests_to("/users/delta")[:2]
    assert "$deltatoken" in first.query and "$select" in restart.query
    refreshed = await session.get(SyncState, DELTA_KEY)
    assert refreshed is not None and refreshed.value != expired_link


async def test_erased_people_are_not_filled_in_again(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    await sync_people(session, graph.client, GROUP, now=NOW)
    karin = await person(session, KARIN)
    karin.display_name = "Borttagen person"
    karin.job_title = None
    karin.erased_at = NOW
    await session.commit()
    graph.fake.update_user(KARIN, jobTitle="Regiondirektör (t.f.)")

    await sync_people(session, graph.client, GROUP, now=LATER)

    karin = await person(session, KARIN)
    assert (karin.display_name, karin.job_title) == ("Borttagen person", None)


def test_a_sync_without_groups_or_departments_is_refused() -> None:
    with pytest.raises(SyncNotConfigured):
        SyncScope()


async def test_a_upn_held_by_another_stored_person_is_reported_not_duplicated(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    session.add(
        Person(
            entra_object_id="99999999-0000-4000-8000-000000000999",
            upn="maria.sundberg@region-exempel.se",
            display_name="Maria Sundberg (tidigare anställd)",
        )
    )
    await session.commit()

    report = await sync_people(session, graph.client, GROUP, now=NOW)

    assert report.skipped == [("maria.sundberg@region-exempel.se", "upn_taken")]
    assert await people_store.get_by_entra_id(session, MARIA) is None
    assert len(report.created) == 2


async def test_a_property_cleared_in_entra_id_is_cleared_in_the_people_table(
    graph: GraphSetup, session: AsyncSession
) -> None:
    """Delta in its default mode sends every selected property of a changed user: a null is
    a cleared value, not a missing one."""
    directory(graph)
    await sync_people(session, graph.client, GROUP, now=NOW, default_language="sv")
    graph.fake.update_user(ANDERS, jobTitle=None, mail=None, preferredLanguage=None)

    report = await sync_people(session, graph.client, GROUP, now=LATER, default_language="sv")

    assert report.updated == ["anders.holmberg@region-exempel.se"]
    anders = await person(session, ANDERS)
    assert (anders.job_title, anders.email, anders.preferred_language) == (None, None, "sv")
    assert anders.display_name == "Anders Holmberg"


async def test_a_person_whose_department_is_cleared_leaves_a_department_scope(
    graph: GraphSetup, session: AsyncSession
) -> None:
    directory(graph)
    scope = SyncScope(departments=("RS", "HSF"))
    await sync_people(session, graph.client, scope, now=NOW)
    graph.fake.update_user(MARIA, department=None)

    report = await sync_people(session, graph.client, scope, now=LATER)

    assert report.deactivated == ["maria.sundberg@region-exempel.se"]
    assert not (await person(session, MARIA)).active
    assert (await person(session, KARIN)).active
