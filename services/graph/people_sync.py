"""People from Entra ID (through Graph) into the people table: ``lagesbot sync people``.

Scope is a set of groups (members, nested groups included) or a set of departments. The first
run reads every user (``/users/delta``); later runs read only what changed since the delta
link kept in ``sync_state``. Group membership is re-read each run (ids only) because joining or
leaving a group is not a change of the user.

A person who is deleted or disabled in Entra ID, or no longer in scope, is marked inactive
with ``left_at``: never deleted, because their answers and items stay. Items they own are
listed in the report so an admin can hand them over. People whose personal data was erased
on request are never filled in again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.texts import normalise_language
from services.graph.interface import DeltaExpired, DirectoryUser, Graph, UserChanges
from storage import audit
from storage import people as people_store
from storage.models import Person, Plan, PlanItem, SyncState

# sync_state key of the Graph delta link for users.
DELTA_KEY = "people_sync:users_delta_link"


class SyncNotConfigured(ValueError):
    """Neither groups nor departments are configured: the whole tenant is never synced by
    accident."""


@dataclass(frozen=True)
class OrphanedItem:
    """An active plan item whose owner has left."""

    item_id: int
    plan_key: str
    item_key: str
    title: str
    owner_name: str
    owner_upn: str


@dataclass
class PeopleSyncReport:
    full: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    # The people marked as left in this run (ids in the people table).
    left_person_ids: list[int] = field(default_factory=list)
    # Users Graph gave us that could not be stored, with the reason.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Managers outside the synced scope: the person is stored without a line manager.
    managers_outside_scope: int = 0
    orphaned_items: list[OrphanedItem] = field(default_factory=list)


@dataclass(frozen=True)
class SyncScope:
    group_ids: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.group_ids and not self.departments:
            raise SyncNotConfigured(
                "set LAGESBOT_SYNC_GROUP_IDS or LAGESBOT_SYNC_DEPARTMENTS for the people sync"
            )

    def department_in_scope(self, department: str | None) -> bool | None:
        """True/False for a known department, None when Graph did not send it."""
        if department is None:
            return None
        wanted = {d.casefold() for d in self.departments}
        return department.strip().casefold() in wanted


async def _load_delta_link(session: AsyncSession) -> str | None:
    state = await session.get(SyncState, DELTA_KEY)
    return state.value if state is not None and state.value else None


async def _store_delta_link(session: AsyncSession, link: str | None, now: datetime) -> None:
    state = await session.get(SyncState, DELTA_KEY)
    if link is None:
        if state is not None:
            await session.delete(state)
        return
    if state is None:
        session.add(SyncState(key=DELTA_KEY, value=link, updated_at=now))
    else:
        state.value = link
        state.updated_at = now


def _assign(person: Person, name: str, value: object) -> bool:
    if getattr(person, name) != value:
        setattr(person, name, value)
        return True
    return False


class _Sync:
    def __init__(
        self,
        session: AsyncSession,
        graph: Graph,
        scope: SyncScope,
        now: datetime,
        default_language: str,
    ) -> None:
        self.session = session
        self.graph = graph
        self.scope = scope
        self.now = now
        self.default_language = default_language
        self.report = PeopleSyncReport()
        self.seen: set[str] = set()
        self.managers: dict[str, str] = {}

    async def _find(self, user: DirectoryUser) -> Person | None:
        person = await people_store.get_by_entra_id(self.session, user.object_id)
        if person is None and user.upn:
            person = await people_store.get_by_upn(self.session, user.upn)
            if person is not None and person.entra_object_id not in (None, user.object_id.lower()):
                # The UPN belongs to another Entra user in the store: not this person
                # (``upsert`` reports it rather than creating a duplicate).
                return None
        return person

    def leave(self, person: Person) -> None:
        if person.active:
            person.active = False
            person.left_at = self.now
            person.synced_at = self.now
            self.report.deactivated.append(person.upn)
            self.report.left_person_ids.append(person.id)

    async def leave_by_id(self, object_id: str) -> None:
        person = await people_store.get_by_entra_id(self.session, object_id)
        if person is not None:
            self.leave(person)

    async def upsert(self, user: DirectoryUser) -> None:
        self.seen.add(user.object_id.lower())
        person = await self._find(user)
        if person is None and (not user.upn or not user.display_name):
            # A partial delta change of someone never stored: read the whole user.
            whole = await self._read_whole(user.object_id)
            if whole is None:
                return
            user = whole
        if user.manager_id is not None:
            self.managers[user.object_id.lower()] = user.manager_id.lower()
        language = normalise_language(user.preferred_language) if user.preferred_language else None
        if language is None and user.complete:
            language = normalise_language(
                self.default_language
            )  # cleared in Entra ID: the region's language
        if person is None:
            await self._create(user, language)
        elif person.erased_at is None:
            await self._refresh(person, user, language)

    async def _read_whole(self, object_id: str) -> DirectoryUser | None:
        """The whole user from Graph, or None (reported as skipped) when it stays incomplete."""
        full = await self.graph.get_user(object_id)
        if full is None or not full.upn or not full.display_name:
            self.report.skipped.append((object_id, "incomplete"))
            return None
        return full

    async def _create(self, user: DirectoryUser, language: str | None) -> None:
        """Store a user seen for the first time, unless another person holds the UPN."""
        assert user.upn is not None and user.display_name is not None
        if await people_store.get_by_upn(self.session, user.upn) is not None:
            self.report.skipped.append((user.upn, "upn_taken"))
            return
        person = Person(
            entra_object_id=user.object_id.lower(),
            upn=user.upn.strip().lower(),
            display_name=user.display_name,
            email=user.mail,
            job_title=user.job_title,
            preferred_language=language or self.default_language,
            active=True,
            synced_at=self.now,
        )
        self.session.add(person)
        await self.session.flush()
        self.report.created.append(person.upn)

    async def _refresh(self, person: Person, user: DirectoryUser, language: str | None) -> None:
        """Bring a stored person in line with the user, reactivating them if they had left."""
        changed = _assign(person, "entra_object_id", user.object_id.lower())
        changed |= await self._take_new_upn(person, user)
        changed |= _assign_sent_properties(person, user, language)
        if not person.active:
            person.active = True
            person.left_at = None
            self.report.reactivated.append(person.upn)
        elif changed:
            self.report.updated.append(person.upn)
        person.synced_at = self.now

    async def _take_new_upn(self, person: Person, user: DirectoryUser) -> bool:
        """A changed UPN, unless another person holds it (then reported as skipped)."""
        if not user.upn or user.upn.strip().lower() == person.upn:
            return False
        if await people_store.get_by_upn(self.session, user.upn) is None:
            return _assign(person, "upn", user.upn.strip().lower())
        self.report.skipped.append((user.upn, "upn_taken"))
        return False

    async def link_managers(self) -> None:
        for object_id, manager_id in self.managers.items():
            person = await people_store.get_by_entra_id(self.session, object_id)
            if person is None or person.erased_at is not None:
                continue
            manager = (
                await people_store.get_by_entra_id(self.session, manager_id) if manager_id else None
            )
            if manager_id and manager is None:
                self.report.managers_outside_scope += 1
            new_id = manager.id if manager is not None else None
            if person.line_manager_id != new_id:
                person.line_manager_id = new_id
                if person.upn not in self.report.updated + self.report.created:
                    self.report.updated.append(person.upn)

    async def synced_people(self) -> list[Person]:
        query = select(Person).where(Person.synced_at.is_not(None), Person.active.is_(True))
        return list((await self.session.execute(query)).scalars())

    async def apply_change(self, user: DirectoryUser, members: set[str] | None) -> None:
        """One user change: left (removed, disabled, out of scope) or stored."""
        object_id = user.object_id.lower()
        if user.removed or user.account_enabled is False:
            await self.leave_by_id(object_id)
            self.seen.add(object_id)
            return
        if await self._in_scope(user, members):
            await self.upsert(user)
            return
        self.seen.add(object_id)
        person = await people_store.get_by_entra_id(self.session, object_id)
        if person is not None and person.synced_at is not None:
            self.leave(person)

    async def _in_scope(self, user: DirectoryUser, members: set[str] | None) -> bool:
        """Group members are in scope; else the department decides, and when Graph did not
        send it, a synced person stays as they were."""
        object_id = user.object_id.lower()
        if members is not None:
            return object_id in members
        if user.department is None and user.complete:
            return False  # the department was cleared: no longer in any synced department
        in_scope = self.scope.department_in_scope(user.department)
        if in_scope is None:
            known = await people_store.get_by_entra_id(self.session, object_id)
            return known is not None and known.synced_at is not None and known.active
        return in_scope

    async def reconcile_members(self, members: set[str]) -> None:
        """Membership changes are not user changes: new members are read one by one, and
        synced people no longer in any group have left the scope."""
        active = {p.entra_object_id for p in await self.synced_people()}
        for object_id in sorted(members - self.seen - active):
            member = await self.graph.get_user(object_id)
            if member is not None and member.account_enabled is not False:
                await self.upsert(member)
        for person in await self.synced_people():
            if person.entra_object_id not in members:
                self.leave(person)

    async def reconcile_full_read(self) -> None:
        """A full read shows everyone in scope: synced people it did not show have left."""
        for person in await self.synced_people():
            if person.entra_object_id not in self.seen:
                self.leave(person)


def _assign_sent_properties(person: Person, user: DirectoryUser, language: str | None) -> bool:
    """Copy the profile properties Graph sent; True when one changed. For a complete user
    (every property sent) a None mail or job title was cleared in Entra ID and is cleared
    here too; otherwise None means "not sent" and the stored value stays."""
    changed = False
    for name, value, clearable in (
        ("display_name", user.display_name, False),
        ("email", user.mail, True),
        ("job_title", user.job_title, True),
        ("preferred_language", language, False),
    ):
        if value is not None or (clearable and user.complete):
            changed |= _assign(person, name, value)
    return changed


async def _read_user_changes(session: AsyncSession, graph: Graph) -> tuple[UserChanges, bool]:
    """The user changes since the stored delta link (a full read when there is none or it
    expired), and whether it was a full read."""
    link = await _load_delta_link(session)
    try:
        changes = await graph.user_changes(link)
    except DeltaExpired:
        link = None
        changes = await graph.user_changes(None)
    return changes, link is None


async def _group_members(graph: Graph, scope: SyncScope) -> set[str] | None:
    """The object ids of every scope group's members, or None when scope is by department."""
    if not scope.group_ids:
        return None
    members: set[str] = set()
    for group_id in scope.group_ids:
        members |= {m.lower() for m in await graph.group_member_ids(group_id)}
    return members


def _record_sync(session: AsyncSession, actor: str, report: PeopleSyncReport) -> None:
    audit.record(
        session,
        actor=actor,
        action="people.synced",
        target_type="people",
        details={
            "full": report.full,
            "created": len(report.created),
            "updated": len(report.updated),
            "reactivated": len(report.reactivated),
            "deactivated": report.deactivated,
            "orphaned_items": len(report.orphaned_items),
        },
    )


async def sync_people(
    session: AsyncSession,
    graph: Graph,
    scope: SyncScope,
    *,
    now: datetime,
    actor: str = "sync",
    default_language: str = "sv",
) -> PeopleSyncReport:
    """Bring the people table in line with Entra ID, in the caller's transaction."""
    sync = _Sync(session, graph, scope, now, default_language)
    changes, sync.report.full = await _read_user_changes(session, graph)
    members = await _group_members(graph, scope)
    for user in changes.users:
        await sync.apply_change(user, members)
    if members is not None:
        await sync.reconcile_members(members)
    elif sync.report.full:
        await sync.reconcile_full_read()
    await sync.link_managers()
    await _store_delta_link(session, changes.delta_link, now)
    await session.flush()
    sync.report.orphaned_items = await orphaned_items(session)
    _record_sync(session, actor, sync.report)
    return sync.report


async def orphaned_items(session: AsyncSession) -> list[OrphanedItem]:
    """Active plan items whose owner is inactive: an admin must give them a new owner."""
    query = (
        select(PlanItem, Plan.key, Person)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .join(Person, Person.id == PlanItem.owner_id)
        .where(PlanItem.active.is_(True), Person.active.is_(False))
        .order_by(Plan.key, PlanItem.position, PlanItem.key)
    )
    return [
        OrphanedItem(
            item_id=item.id,
            plan_key=plan_key,
            item_key=item.key,
            title=item.title,
            owner_name=owner.display_name,
            owner_upn=owner.upn,
        )
        for item, plan_key, owner in (await session.execute(query)).all()
    ]
