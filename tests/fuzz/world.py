"""The store a fuzz test attacks, and a fingerprint of what must never change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    Base,
    Person,
    ReportingRound,
    ReportRequest,
    Response,
    RoundItem,
    RoundState,
)
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.factories import NOW, RoundSetup, object_id, open_round

# Tables whose rows bad input must leave exactly as they were. conversation_references is
# not here: any message in a 1:1 chat legitimately refreshes where the bot can reach the user.
GUARDED = (Response, ReportRequest, AuditEntry, ReportingRound, RoundItem, Person)


@dataclass
class World:
    s: RoundSetup
    later_round: ReportingRound  # Anna's next round: the strategy item, still open
    later_request: ReportRequest
    closed_round: ReportingRound  # an old round of Anna's goal, closed
    closed_request: ReportRequest
    stranger: Person  # never stored: a Teams user the bot does not know
    # Set by the replay test on its first example: the stored answer and the store after it.
    answered: dict[str, Any] | None = None
    answered_store: dict[str, list[tuple[Any, ...]]] | None = None

    @property
    def status_keys(self) -> list[str]:
        return [option.key for option in self.s.round.status_scale.options]


async def build_world(session: AsyncSession) -> World:
    s = await open_round(session)
    later = ReportingRound(
        key=f"t3-{uuid.uuid4().hex[:6]}", name="Tertial 3 2026", plan_id=s.round.plan_id,
        state=RoundState.OPEN, opens_at=NOW, deadline_at=NOW + timedelta(days=30),
        status_scale_id=s.round.status_scale_id,
    )  # fmt: skip
    closed = ReportingRound(
        key=f"t1-{uuid.uuid4().hex[:6]}", name="Tertial 1 2026", plan_id=s.round.plan_id,
        state=RoundState.CLOSED, opens_at=NOW - timedelta(days=200),
        deadline_at=NOW - timedelta(days=150), closed_at=NOW - timedelta(days=150),
        status_scale_id=s.round.status_scale_id,
    )  # fmt: skip
    session.add_all([later, closed])
    await session.flush()
    later_request = ReportRequest(round_id=later.id, person_id=s.owner.id)
    closed_request = ReportRequest(round_id=closed.id, person_id=s.owner.id)
    session.add_all(
        [
            RoundItem(round_id=later.id, item_id=s.strategy.id, owner_id=s.owner.id),
            RoundItem(round_id=closed.id, item_id=s.goal.id, owner_id=s.owner.id),
            later_request,
            closed_request,
        ]
    )
    await session.commit()
    stranger = Person(
        entra_object_id=object_id(f"stranger-{uuid.uuid4()}"), display_name="Okänd Användare"
    )
    return World(s, later, later_request, closed, closed_request, stranger)


async def fingerprint(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the guarded tables, read in a fresh transaction."""
    await session.commit()
    found: dict[str, list[tuple[Any, ...]]] = {}
    for model in GUARDED:
        table = Base.metadata.tables[model.__tablename__]
        rows = await session.execute(select(table).order_by(*table.primary_key.columns))
        found[table.name] = [tuple(row) for row in rows]
    return found


@dataclass
class Answer:
    status: int
    body: Any


async def post(bot: BotHarness, activity: dict[str, Any], **kw: Any) -> Answer:
    """POST an activity and check the one rule every input obeys: never a server error."""
    response = await bot.post(activity, **kw)
    assert response.status < 500, (response.status, await response.text())
    body: Any = None
    if response.content_type == "application/json":
        body = await response.json()
    return Answer(response.status, body)


def assert_clear_invoke_answer(answer: Answer) -> None:
    """An invoke answer the Teams client can show: a card, or an error with a message
    (or, for a body over the size limit, 413)."""
    if answer.status == 413:
        return
    assert answer.status == 200, answer
    assert isinstance(answer.body, dict), answer
    if answer.body.get("type") == "application/vnd.microsoft.card.adaptive":
        assert answer.body["value"].get("type") == "AdaptiveCard"
        assert cardtools.all_text(answer.body["value"]).strip()
        return
    assert answer.body.get("statusCode") == 400, answer
    assert answer.body["value"]["message"], answer
