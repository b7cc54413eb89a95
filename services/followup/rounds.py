"""Reporting rounds: resolving a round's scope to the items and owners it asks, and opening it.

Opening freezes the scope into round_items (with each item's owner at that moment) and creates
one request per owner, so later plan edits do not change what a running round asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery import fanout
from storage import audit
from storage import rounds as round_store
from storage.models import ItemKind, OrgUnit, PlanItem, ReportingRound, RoundItem, RoundState

RISK_KINDS = frozenset({ItemKind.RISK, ItemKind.CONTROL_POINT})
VALUE_KINDS = frozenset({ItemKind.INDICATOR})
# Strategies are headings: their goals and activities are what gets followed up.
DEFAULT_KINDS = frozenset(set(ItemKind) - {ItemKind.STRATEGY})


class RoundError(ValueError):
    pass


async def _org_unit_subtree(session: AsyncSession, keys: Iterable[str]) -> set[int]:
    units = list((await session.execute(select(OrgUnit))).scalars())
    by_key = {u.key: u for u in units}
    missing = [k for k in keys if k not in by_key]
    if missing:
        raise RoundError(f"unknown org units: {', '.join(missing)}")
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    selected: set[int] = set()
    stack = [by_key[k] for k in keys]
    while stack:
        unit = stack.pop()
        if unit.id not in selected:
            selected.add(unit.id)
            stack.extend(children.get(unit.id, []))
    return selected


async def items_in_scope(session: AsyncSession, rnd: ReportingRound) -> list[PlanItem]:
    scope: dict[str, Any] = rnd.scope or {}
    kinds = {ItemKind(k) for k in scope.get("kinds", [])} or set(DEFAULT_KINDS)
    query = select(PlanItem).where(
        PlanItem.plan_id == rnd.plan_id,
        PlanItem.active.is_(True),
        PlanItem.owner_id.is_not(None),
        PlanItem.kind.in_(kinds),
    )
    if scope.get("org_units"):
        unit_ids = await _org_unit_subtree(session, scope["org_units"])
        query = query.where(PlanItem.org_unit_id.in_(unit_ids))
    return list((await session.execute(query.order_by(PlanItem.position, PlanItem.id))).scalars())


async def open_round(
    session: AsyncSession, rnd: ReportingRound, *, now: datetime, actor: str
) -> dict[int, int]:
    """Open the round: freeze its items, create one request per owner and, in the same
    transaction, one outbox job per request so the cards are sent exactly once.
    Returns items per owner (person id -> count). Opening twice changes nothing."""
    if rnd.state == RoundState.CLOSED:
        raise RoundError("the round is closed")
    existing = {
        ri.item_id
        for ri in (
            await session.execute(select(RoundItem).where(RoundItem.round_id == rnd.id))
        ).scalars()
    }
    per_owner: dict[int, int] = {}
    for item in await items_in_scope(session, rnd):
        assert item.owner_id is not None
        per_owner[item.owner_id] = per_owner.get(item.owner_id, 0) + 1
        if item.id in existing:
            continue
        session.add(
            RoundItem(
                round_id=rnd.id,
                item_id=item.id,
                owner_id=item.owner_id,
                ask_risk=rnd.ask_risk and item.kind in RISK_KINDS,
                ask_value=rnd.ask_value and item.kind in VALUE_KINDS,
            )
        )
    await session.flush()
    for owner_id in per_owner:
        await round_store.ensure_request(session, rnd.id, owner_id)
    await fanout.enqueue_round_requests(session, rnd, now)
    if rnd.state != RoundState.OPEN:
        rnd.state = RoundState.OPEN
        audit.record(
            session,
            actor=actor,
            action="round.open",
            target_type="round",
            target_id=rnd.id,
            details={
                "owners": len(per_owner),
                "items": sum(per_owner.values()),
                "at": now.isoformat(),
            },
        )
    await session.flush()
    return per_owner
