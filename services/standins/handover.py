"""Hand-over: an admin moves items from one owner to another, also while a round is open.

The items' owner changes in the plan and in every open or scheduled round that asks about
them; answers already given stay with the items (they are the items' history, whoever gave
them). In open rounds the new owner gets a card for their request (which now holds the
moved items) and the old owner is told in their chat which items moved and to whom. One
audit entry names everything moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from storage import audit, outbox
from storage import item_history as history_store
from storage import rounds as round_store
from storage.models import (
    OutboxKind,
    Person,
    PlanItem,
    ReportingRound,
    RoundItem,
    RoundState,
)

HANDOVER_ACTION: Final = history_store.HANDOVER_ACTION


class HandoverRefused(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class HandedOver:
    items: list[PlanItem]
    rounds: list[ReportingRound]


async def hand_over(
    session: AsyncSession,
    *,
    old: Person,
    new: Person,
    item_keys: Sequence[str] | None,
    actor: str,
    now: datetime,
) -> HandedOver:
    if old.id == new.id:
        raise HandoverRefused("handover.error.same_person")
    if not new.active:
        raise HandoverRefused("handover.error.inactive", name=new.display_name)
    query = select(PlanItem).where(PlanItem.owner_id == old.id, PlanItem.active.is_(True))
    items = list((await session.execute(query.order_by(PlanItem.id))).scalars())
    if item_keys:
        wanted = {key.strip().lower() for key in item_keys if key.strip()}
        unknown = wanted - {item.key.lower() for item in items}
        if unknown:
            raise HandoverRefused("handover.error.not_owned", keys=", ".join(sorted(unknown)))
        items = [item for item in items if item.key.lower() in wanted]
    if not items:
        raise HandoverRefused("handover.error.nothing", name=old.display_name)
    for item in items:
        item.owner_id = new.id
    rounds = await _move_in_rounds(session, [item.id for item in items], old, new)
    await session.flush()
    audit.record(
        session, actor=actor, action=HANDOVER_ACTION, target_type="person", target_id=old.id,
        details={"from": old.id, "to": new.id, "item_ids": [i.id for i in items],
                 "round_ids": [r.id for r in rounds], "at": now.isoformat()},
    )  # fmt: skip
    for rnd in rounds:
        if rnd.state == RoundState.OPEN:
            await _tell(session, rnd, old, new, items, now)
    return HandedOver(items, rounds)


async def _move_in_rounds(
    session: AsyncSession, item_ids: list[int], old: Person, new: Person
) -> list[ReportingRound]:
    query = (
        select(RoundItem, ReportingRound)
        .join(ReportingRound, ReportingRound.id == RoundItem.round_id)
        .where(
            RoundItem.item_id.in_(item_ids),
            RoundItem.owner_id == old.id,
            ReportingRound.state.in_([RoundState.OPEN, RoundState.SCHEDULED]),
        )
    )
    rounds: dict[int, ReportingRound] = {}
    for round_item, rnd in (await session.execute(query)).all():
        round_item.owner_id = new.id
        rounds[rnd.id] = rnd
    for rnd in rounds.values():
        await round_store.ensure_request(session, rnd.id, new.id)
    return list(rounds.values())


async def _tell(
    session: AsyncSession,
    rnd: ReportingRound,
    old: Person,
    new: Person,
    items: list[PlanItem],
    now: datetime,
) -> None:
    """The new owner's card, and a note to the old owner of what moved to whom (their card
    holds the rest from the next time it is shown)."""
    stamp = now.strftime("%Y%m%dT%H%M%S")
    new_request = await round_store.ensure_request(session, rnd.id, new.id)
    await outbox.enqueue(
        session, kind=OutboxKind.REQUEST, dedupe_key=f"handover:{new_request.id}:{stamp}",
        tenant_id=None, person_id=new.id, round_id=rnd.id, request_id=new_request.id, now=now,
    )  # fmt: skip
    old_request = await round_store.request_for(session, rnd.id, old.id)
    if old_request is None:
        return
    tx = texts.for_language(old.preferred_language)
    text = tx.t(
        "handover.moved",
        titles=", ".join(item.title for item in items),
        name=new.display_name,
        round=rnd.name,
    )
    await outbox.enqueue(
        session, kind=OutboxKind.NOTICE, dedupe_key=f"handover-notice:{old_request.id}:{stamp}",
        tenant_id=None, person_id=old.id, round_id=rnd.id, payload={"text": text}, now=now,
    )  # fmt: skip
