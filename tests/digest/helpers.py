"""Store rows for digest tests: a previous round on the same plan, answers, a steering group
with its channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ConversationKind,
    ConversationReference,
    OrgUnit,
    PlanItem,
    ReportingRound,
    Response,
    ResponseSource,
    RoundState,
    SteeringGroup,
)
from tests.factories import NOW, TENANT_ID, RoundSetup

CHANNEL_ID = "19:styrgrupp-rs@thread.tacv2"
TEAM_ID = "19:team-rs@thread.tacv2"


def answer(
    session: AsyncSession,
    s: RoundSetup,
    item: PlanItem,
    status: str,
    *,
    rnd: ReportingRound | None = None,
    revision: int = 1,
    likelihood: int | None = None,
    consequence: int | None = None,
    comment: str | None = None,
    at: datetime = NOW,
) -> None:
    session.add(
        Response(
            round_id=(rnd or s.round).id,
            item_id=item.id,
            revision=revision,
            status_key=status,
            likelihood=likelihood,
            consequence=consequence,
            comment=comment,
            answered_by_id=s.owner.id if item.owner_id == s.owner.id else s.other.id,
            answered_at=at,
            source=ResponseSource.TEAMS_CARD,
        )
    )


async def previous_round(session: AsyncSession, s: RoundSetup) -> ReportingRound:
    """A closed round of the same plan before ``s.round``, recorded as its predecessor."""
    rnd = ReportingRound(
        key=f"{s.round.key}-prev",
        name="Tertial 1 2026",
        plan_id=s.round.plan_id,
        state=RoundState.CLOSED,
        opens_at=NOW - timedelta(days=120),
        deadline_at=NOW - timedelta(days=100),
        closed_at=NOW - timedelta(days=99),
        status_scale_id=s.round.status_scale_id,
        risk_scale_id=s.round.risk_scale_id,
    )
    session.add(rnd)
    await session.flush()
    s.round.previous_round_id = rnd.id
    return rnd


async def answered_round(session: AsyncSession, s: RoundSetup) -> ReportingRound:
    """Anna has answered everything (the goal got worse since the previous round, the risk
    is at risk with a comment); Cecilia has not answered."""
    before = await previous_round(session, s)
    answer(session, s, s.goal, "on_track", rnd=before)
    answer(session, s, s.risk, "at_risk", rnd=before, likelihood=2, consequence=2)
    answer(session, s, s.goal, "on_track", revision=1)
    answer(session, s, s.goal, "deviation", revision=2, comment="Vakanser på kirurgen.")
    answer(session, s, s.indicator, "on_track")
    answer(
        session, s, s.risk, "at_risk", likelihood=3, consequence=4, comment="Svårt att rekrytera."
    )
    await session.commit()
    return before


async def org_unit_key(session: AsyncSession, s: RoundSetup) -> str:
    unit = await session.get(OrgUnit, s.goal.org_unit_id)
    assert unit is not None
    return unit.key


async def steering_group(
    session: AsyncSession, *, scope: dict[str, list[str]] | None = None, language: str = "sv"
) -> tuple[SteeringGroup, ConversationReference]:
    channel = ConversationReference(
        conversation_id=CHANNEL_ID,
        kind=ConversationKind.CHANNEL,
        tenant_id=TENANT_ID,
        team_id=TEAM_ID,
        channel_id=CHANNEL_ID,
        service_url="https://smba.example/emea/",
        reference={"conversation": {"id": CHANNEL_ID}},
    )
    session.add(channel)
    await session.flush()
    group = SteeringGroup(
        key="rs",
        name="Regionstyrelsens styrgrupp",
        scope=scope or {},
        conversation_reference_id=channel.id,
        language=language,
    )
    session.add(group)
    await session.commit()
    return group, channel
