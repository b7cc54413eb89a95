"""The central store's tables.

Every answer a manager gives is a new ``responses`` row; nothing is updated or deleted there,
so the full history (who changed what, when) can always be shown to an auditor. The current
answer for an item in a round is the row with the highest ``revision``.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both backends (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class ItemKind(enum.StrEnum):
    STRATEGY = "strategy"
    GOAL = "goal"
    INDICATOR = "indicator"
    ACTIVITY = "activity"
    ASSIGNMENT = "assignment"
    CONTROL_POINT = "control_point"
    RISK = "risk"


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class ResponseSource(enum.StrEnum):
    TEAMS_CARD = "teams_card"
    CLI = "cli"
    IMPORT = "import"
    ADMIN = "admin"


class ReviewMode(enum.StrEnum):
    """Who reviews (fastställer) an owner's answers in a round before the steering group."""

    NONE = "none"
    LINE_MANAGER = "line_manager"
    ORG_UNIT_HEAD = "org_unit_head"


class ReviewEvent(enum.StrEnum):
    SUBMITTED = "submitted"  # every item answered: waiting for the reviewer
    APPROVED = "approved"  # fastställd: the answers are locked
    RETURNED = "returned"  # skickad tillbaka with the reviewer's comment: open again


class ConversationKind(enum.StrEnum):
    PERSONAL = "personal"
    CHANNEL = "channel"
    GROUP_CHAT = "groupChat"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK so both backends hold the same text and
    # adding a value is a simple migration.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    entra_object_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    upn: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    job_title: Mapped[str | None] = mapped_column(String(200))
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    preferred_language: Mapped[str] = mapped_column(String(16), default="sv")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Leavers are marked inactive with the time they were seen gone, never deleted.
    left_at: Mapped[datetime | None]
    # Set when personal data was removed on request; answers stay, pointing at this row.
    erased_at: Mapped[datetime | None]
    synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    line_manager: Mapped[Person | None] = relationship(remote_side=[id])


class OrgUnitHead(Base):
    """The head (chef) of an org unit, who reviews the unit's answers in rounds that ask
    for it. A table of its own rather than a column, so people and units do not reference
    each other both ways."""

    __tablename__ = "org_unit_heads"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StatusScale(Base):
    __tablename__ = "status_scales"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    options: Mapped[list[StatusOption]] = relationship(
        order_by="StatusOption.position", cascade="all, delete-orphan", lazy="selectin"
    )


class StatusOption(Base):
    """One step of a status scale; ``severity`` orders options from best (0) to worst."""

    __tablename__ = "status_options"
    __table_args__ = (UniqueConstraint("scale_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("status_scales.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    label_sv: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7))
    card_colour: Mapped[str] = mapped_column(String(16))
    severity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class RiskScale(Base):
    __tablename__ = "risk_scales"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    likelihood_max: Mapped[int] = mapped_column(Integer)
    consequence_max: Mapped[int] = mapped_column(Integer)

    levels: Mapped[list[RiskLevel]] = relationship(
        order_by="(RiskLevel.axis, RiskLevel.value)",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    bands: Mapped[list[RiskBand]] = relationship(
        order_by="RiskBand.min_score", cascade="all, delete-orphan", lazy="selectin"
    )


class RiskLevel(Base):
    """A labelled step on one axis (``likelihood`` or ``consequence``) of a risk scale."""

    __tablename__ = "risk_levels"
    __table_args__ = (UniqueConstraint("scale_id", "axis", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("risk_scales.id", ondelete="CASCADE"))
    axis: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(Integer)
    label_sv: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))


class RiskBand(Base):
    """Score interval (likelihood x consequence) that shares one label and colour."""

    __tablename__ = "risk_bands"
    __table_args__ = (UniqueConstraint("scale_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("risk_scales.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    min_score: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer)
    label_sv: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7))
    card_colour: Mapped[str] = mapped_column(String(16))


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    period: Mapped[str | None] = mapped_column(String(64))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    # The plan's default margin for indicators, in per cent of the target: a value short of
    # its target by at most this much is yellow (gul), further off red. None: the default.
    indicator_margin: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PlanItem(Base):
    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind, "item_kind"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(50))
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    # What an indicator (mätetal) needs to be judged against its target; every change is
    # also kept in ``indicator_settings`` (append-only), so an old target can be shown.
    direction: Mapped[str | None] = mapped_column(String(8))  # "higher" / "lower" is better
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    decimals: Mapped[int | None] = mapped_column(Integer)
    margin: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))  # per cent of the target
    target_date: Mapped[date | None] = mapped_column(Date)
    # Targets per follow-up period, by the rounds' period label: {"T1 2027": "80"}.
    period_targets: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    link_url: Mapped[str | None] = mapped_column(String(2000))
    # Title of the linked intranet page/document, looked up through Graph.
    link_title: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Items dropped from a re-imported plan are deactivated, never deleted: their answers stay.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportingRound(Base):
    __tablename__ = "reporting_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    period_label: Mapped[str | None] = mapped_column(String(64))
    # Scope as chosen by the admin, e.g. {"org_units": ["HSN"], "kinds": ["goal", "activity"]};
    # the items it resolved to when the round opened are frozen in round_items.
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[RoundState] = mapped_column(
        _enum(RoundState, "round_state"), default=RoundState.DRAFT
    )
    opens_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    reminder_offsets_hours: Mapped[dict[str, Any]] = mapped_column(
        default=lambda: {"before_deadline": [72, 24]}
    )
    escalation_delay_hours: Mapped[int] = mapped_column(Integer, default=48)
    status_scale_id: Mapped[int] = mapped_column(ForeignKey("status_scales.id"))
    risk_scale_id: Mapped[int | None] = mapped_column(ForeignKey("risk_scales.id"))
    ask_status: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_comment: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    ask_value: Mapped[bool] = mapped_column(Boolean, default=True)
    comment_max_length: Mapped[int] = mapped_column(Integer, default=2000)
    review: Mapped[ReviewMode] = mapped_column(
        _enum(ReviewMode, "review_mode"), default=ReviewMode.NONE, server_default="none"
    )
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_rounds.id"))
    created_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The card and submit path loads them joined instead (storage.rounds.get_round_for_card);
    # joined by default, SELECT ... FOR UPDATE on rounds would lock the outer join's side.
    status_scale: Mapped[StatusScale] = relationship(lazy="selectin")
    risk_scale: Mapped[RiskScale | None] = relationship(lazy="selectin")


class RoundItem(Base):
    """An item asked about in a round, with the owner it had when the round opened."""

    __tablename__ = "round_items"
    __table_args__ = (
        UniqueConstraint("round_id", "item_id"),
        # One owner's items in one round: what every status card and submit reads.
        Index("ix_round_items_round_owner", "round_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    ask_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    ask_value: Mapped[bool] = mapped_column(Boolean, default=False)


class ReportRequest(Base):
    """One per owner per round: the card a manager is asked to answer."""

    __tablename__ = "requests"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    conversation_id: Mapped[str | None] = mapped_column(String(500))
    card_activity_id: Mapped[str | None] = mapped_column(String(200))
    last_reminder_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class Response(Base):
    """Append-only answer history; (round, item, revision) is unique so a replayed
    submit cannot create a second logical answer."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("round_id", "item_id", "revision"),
        Index("ix_responses_round_item", "round_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    status_key: Mapped[str | None] = mapped_column(String(32))
    likelihood: Mapped[int | None] = mapped_column(Integer)
    consequence: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # Indexed for the BI feed's incremental refresh ("answered since the last load").
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[ResponseSource] = mapped_column(_enum(ResponseSource, "response_source"))
    # Client-supplied key of the submit that produced this row (e.g. the card's action id),
    # so a retried invoke is recognised and answered with the stored result.
    submission_key: Mapped[str | None] = mapped_column(String(200), index=True)


class Substitute(Base):
    """A substitute (ersättare) who answers for an owner from ``starts_on`` to ``ends_on``
    (both days included, in the owner's time zone). Ended early by setting ``ended_at``;
    rows are never deleted, so who could answer for whom, when, stays known."""

    __tablename__ = "substitutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(320))


class Review(Base):
    """Append-only review history of one owner's answers in a round: submitted for review,
    fastställd, or sent back with a comment. The latest row is the current state."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_round_owner", "round_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    event: Mapped[ReviewEvent] = mapped_column(_enum(ReviewEvent, "review_event"))
    # Who pressed the button (the reviewer), or who answered last for SUBMITTED.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    # item id -> the revision reviewed, so a later answer is seen as a new one.
    revisions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationReference(Base):
    """Where the bot can reach a person (1:1 chat) or a channel proactively."""

    __tablename__ = "conversation_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(500), unique=True)
    kind: Mapped[ConversationKind] = mapped_column(_enum(ConversationKind, "conversation_kind"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    user_aad_object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(500))
    channel_id: Mapped[str | None] = mapped_column(String(500))
    service_url: Mapped[str] = mapped_column(String(500))
    bot_id: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    reference: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SteeringGroup(Base):
    __tablename__ = "steering_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    conversation_reference_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_references.id")
    )
    # e.g. {"org_units": ["RS"], "plan_items": ["S1"]}
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(16), default="sv")
    # Weekly digest during open rounds: ISO weekday (1 = Monday) and local hour; None = off.
    digest_weekday: Mapped[int | None] = mapped_column(Integer, default=1)
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxKind(enum.StrEnum):
    REQUEST = "request"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    ROUND_CLOSED = "round_closed"
    DIGEST = "digest"
    NOTICE = "notice"


class OutboxOperation(enum.StrEnum):
    SEND = "send"
    UPDATE = "update"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxJob(Base):
    """One message the bot must deliver (or one posted card it must replace).

    Jobs are written in the same transaction as the change that calls for them and carry a
    unique ``dedupe_key``, so a round opened twice, a scheduler tick run by two instances, or a
    retry never produce a second message. Senders claim jobs with a lease."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind, "outbox_kind"))
    operation: Mapped[OutboxOperation] = mapped_column(
        _enum(OutboxOperation, "outbox_operation"), default=OutboxOperation.SEND
    )
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_rounds.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    steering_group_id: Mapped[int | None] = mapped_column(ForeignKey("steering_groups.id"))
    # Target conversation when known; otherwise the sender finds or creates the 1:1 chat.
    conversation_id: Mapped[str | None] = mapped_column(String(500))
    # For UPDATE: the activity to replace. For SEND: the id the Bot Connector gave the message.
    activity_id: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[OutboxState] = mapped_column(
        _enum(OutboxState, "outbox_state"), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]


class RoundSummary(Base):
    """The final record of a closed round, and where it was published on the intranet."""

    __tablename__ = "round_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"), unique=True)
    closed_by: Mapped[str] = mapped_column(String(320))
    closed_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    intranet_page_url: Mapped[str | None] = mapped_column(String(2000))
    intranet_export_url: Mapped[str | None] = mapped_column(String(2000))
    # The follow-up report (Word) beside the export.
    intranet_report_url: Mapped[str | None] = mapped_column(String(2000))
    published_at: Mapped[datetime | None]
    publish_error: Mapped[str | None] = mapped_column(Text)


class DigestPost(Base):
    """The digest card last posted for a steering group in a round, so later digests of the
    same round replace it in place instead of flooding the channel."""

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("steering_group_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    steering_group_id: Mapped[int] = mapped_column(ForeignKey("steering_groups.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(500))
    activity_id: Mapped[str | None] = mapped_column(String(200))
    occasion: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncState(Base):
    """Small key/value memory for background jobs, e.g. a Graph delta link."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WorkerHeartbeat(Base):
    """Each running sender/scheduler reports here; /healthz and the admin view read it."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AdminGrant(Base):
    """An admin added in Teams (beside the bootstrap list LAGESBOT_ADMINS). Removing one sets
    ``removed_at``; the row stays, so who was admin when can always be shown."""

    __tablename__ = "admin_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Entra object id or UPN, lower-cased, as LAGESBOT_ADMINS lists them.
    identity: Mapped[str] = mapped_column(String(320), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by: Mapped[str | None] = mapped_column(String(320))
    removed_at: Mapped[datetime | None]


class PendingImportState(enum.StrEnum):
    PENDING = "pending"
    IMPORTED = "imported"
    CANCELLED = "cancelled"


class PendingImport(Base):
    """A file an admin sent the bot, checked and shown as a preview; stored in the plan, the
    org or the people only when the admin presses Importera."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # org / people / plan
    file_name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # e.g. {"plan": "rs-vp-2027", "name": "Regionstyrelsens verksamhetsplan 2027"}
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    preview: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[PendingImportState] = mapped_column(
        _enum(PendingImportState, "pending_import_state"), default=PendingImportState.PENDING
    )
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None]


class IndicatorSettings(Base):
    """Append-only history of an indicator's target settings: one row per change, written by
    the plan import, so a changed target never hides what the earlier rounds were judged by."""

    __tablename__ = "indicator_settings"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorValue(Base):
    """A measured value of an indicator for one period, from the data warehouse, a values
    file or a manager's correction. Append-only: a newer row for the same item and period
    supersedes the older, which stays with its source and who loaded it."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("item_id", "period", "revision"),
        Index("ix_indicator_values_item_period", "item_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"))
    # The round's period label (or the round's key when it has none).
    period: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    source: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
