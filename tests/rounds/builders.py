"""Rounds with many owners, for fan-out, reminder and escalation tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import conversations
from storage.models import (
    ConversationKind,
    ItemKind,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    ResponseSource,
    RoundState,
    StatusScale,
)
from storage.models import Response as Answer
from tests.factories import NOW, TENANT_ID, object_id


@dataclass
class ManyOwners:
    round: ReportingRound
    owners: list[Person]
    items: dict[int, list[PlanItem]]  # owner id -> items


async def round_with_owners(
    session: AsyncSession,
    count: int,
    *,
    items_each: int = 1,
    deadline: datetime | None = None,
    opens_at: datetime | None = None,
    line_manager: Person | None = None,
    time_zone: str = "Europe/Stockholm",
) -> ManyOwners:
    tag = uuid.uuid4().hex[:6]
    owners = [
        Person(
            entra_object_id=object_id(f"owner-{tag}-{i}"),
            upn=f"chef{i}.{tag}@region-exempel.se",
            display_name=f"Chef {i}",
            line_manager_id=None if line_manager is None else line_manager.id,
            time_zone=time_zone,
        )
        for i in range(count)
    ]
    session.add_all(owners)
    plan = Plan(key=f"vp-{tag}", name="Verksamhetsplan 2027")
    session.add(plan)
    await session.flush()
    items: dict[int, list[PlanItem]] = {}
    for n, owner in enumerate(owners):
        for k in range(items_each):
            item = PlanItem(
                plan_id=plan.id,
                key=f"M{n}-{k}",
                kind=ItemKind.GOAL,
                title=f"Mål {n}.{k} för {owner.display_name}",
                owner_id=owner.id,
                position=k,
            )
            session.add(item)
            items.setdefault(owner.id, []).append(item)
    status_scale = (await session.execute(select(StatusScale))).scalar_one()
    rnd = ReportingRound(
        key=f"r-{tag}",
        name="Månadsuppföljning november",
        plan_id=plan.id,
        state=RoundState.SCHEDULED,
        opens_at=opens_at or NOW - timedelta(hours=1),
        deadline_at=deadline or NOW + timedelta(days=7),
        status_scale_id=status_scale.id,
    )
    session.add(rnd)
    await session.flush()
    return ManyOwners(rnd, owners, items)


async def remember_chat(session: AsyncSession, person: Person, service_url: str) -> str:
    """The person talked to the bot before: their 1:1 conversation is known."""
    conversation_id = f"a:chat-{person.entra_object_id}"
    await conversations.upsert(
        session,
        conversation_id=conversation_id,
        kind=ConversationKind.PERSONAL,
        service_url=service_url,
        reference={"user": {"id": f"29:{person.entra_object_id}"}},
        now=NOW,
        person_id=person.id,
        user_aad_object_id=person.entra_object_id,
        tenant_id=TENANT_ID,
    )
    return conversation_id


def answer(rnd: ReportingRound, item: PlanItem, by: Person, at: datetime) -> Answer:
    return Answer(
        round_id=rnd.id,
        item_id=item.id,
        revision=1,
        status_key="green",
        answered_by_id=by.id,
        answered_at=at,
        source=ResponseSource.TEAMS_CARD,
    )
