"""Administering reporting rounds: create from validated input, preview who is asked, open now
or schedule, extend the deadline, close, copy to the next period, and the progress overview.

The same functions serve the admin's Teams chat, the CLI and round files, so every path
validates the same way and writes the same audit entries. Admins type local (Swedish) time;
the store holds aware UTC. Nothing is stored unless the whole input is valid, and repeating an
action (a double-clicked button, a round file run twice) changes nothing the second time.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import FailedDelivery, OwnerLoad, RoundOverview
from services.delivery import fanout
from services.followup import rounds
from services.imports.plan import parse_kind
from storage import audit
from storage import outbox as outbox_store
from storage import plans as plan_store
from storage import responses as response_store
from storage import rounds as round_store
from storage.models import (
    ItemKind,
    OrgUnit,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    ReviewMode,
    RiskScale,
    RoundItem,
    RoundState,
    RoundSummary,
    StatusScale,
)

LOCAL_TIME_ZONE: Final = "Europe/Stockholm"
NAME_MAX: Final = 200
KEY_MAX: Final = 64
# Reminders and escalation further out than this are typing mistakes (hours for days).
DURATION_MAX_HOURS: Final = 60 * 24
DEFAULT_REMINDER_HOURS: Final = (72, 24)
DEFAULT_ESCALATION_HOURS: Final = 48

Start = Literal["draft", "schedule", "now"]
START_VALUES: Final[tuple[Start, ...]] = ("draft", "schedule", "now")
FIELDS: Final = (
    "name",
    "key",
    "plan",
    "period",
    "org_units",
    "kinds",
    "opens",
    "deadline",
    "reminders",
    "escalation",
    "ask_status",
    "ask_risk",
    "ask_comment",
    "ask_value",
    "status_scale",
    "risk_scale",
    "copy_of",
    "start",
    "review",
)
QUESTION_FIELDS: Final = ("ask_status", "ask_risk", "ask_comment", "ask_value")
KIND_NAMES: Final = tuple(kind.value for kind in ItemKind)

_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_DURATION = re.compile(r"^(\d{1,4}(?:[.,]\d+)?)\s*([dDhH]|dag|dagar|days?|tim|timmar|hours?)?$")


@dataclass(frozen=True)
class FieldError:
    """A validation message id (in the text catalogue) and its parameters."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


class RoundInvalid(ValueError):
    """The input cannot make a round; ``errors`` maps each bad field to why."""

    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        super().__init__(", ".join(f"{k}: {e.code}" for k, e in errors.items()))
        self.errors = dict(errors)


class RoundActionRefused(ValueError):
    """The action does not fit the round's state (e.g. extending a closed round)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.error = FieldError(code, params)


@dataclass(frozen=True)
class RoundSpec:
    """A validated round set-up, times in UTC."""

    name: str
    key: str
    plan_key: str
    period_label: str | None
    org_units: tuple[str, ...]
    kinds: tuple[str, ...]
    opens_at: datetime
    deadline_at: datetime
    reminder_hours: tuple[int, ...] = DEFAULT_REMINDER_HOURS
    escalation_hours: int = DEFAULT_ESCALATION_HOURS
    ask_status: bool = True
    ask_risk: bool = False
    ask_comment: bool = True
    ask_value: bool = True
    copy_of: str | None = None
    # Scale keys; None = the default scale (the first one stored).
    status_scale: str | None = None
    risk_scale: str | None = None
    # Who fastställer an owner's answers (issue 17): none, line manager, head of the unit.
    review: ReviewMode = ReviewMode.NONE

    @property
    def scope(self) -> dict[str, Any]:
        scope: dict[str, Any] = {}
        if self.org_units:
            scope["org_units"] = sorted(self.org_units)
        if self.kinds:
            scope["kinds"] = sorted(self.kinds)
        return scope


# ---------------------------------------------------------------------------------------------
# Parsing what an admin typed (form card, CLI option or round file)


def round_key(name: str) -> str:
    """The key a round name gives: lower-case ASCII words joined by dashes, so typing the same
    name twice finds the same round ("Tertial 1 2027" -> "tertial-1-2027")."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:KEY_MAX].strip("-")


def local_zone(name: str = LOCAL_TIME_ZONE) -> ZoneInfo:
    return ZoneInfo(name)


def parse_moment(value: Any, time_zone: str = LOCAL_TIME_ZONE) -> datetime:
    """A date and time as admins write it, in local time unless an offset is given:
    "2027-05-08 16:00", "2027-05-08T16:00", ISO 8601 with seconds/offset/Z, or a datetime
    (a TOML/YAML value). Returns aware UTC. Raises ValueError."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise ValueError("time missing")
    elif isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        if "T" not in text:
            raise ValueError("time missing")
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError("not a date and time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone(time_zone))
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_date_time(day: str, clock: str, time_zone: str = LOCAL_TIME_ZONE) -> datetime:
    """An Input.Date ("2027-05-08") and Input.Time ("16:00") pair as aware UTC."""
    parsed_day = date.fromisoformat(day.strip())
    parsed_time = time.fromisoformat(clock.strip())
    local = datetime.combine(parsed_day, parsed_time, tzinfo=local_zone(time_zone))
    return local.astimezone(UTC)


def parse_durations(value: Any) -> tuple[int, ...]:
    """Offsets as hours: a bare number is days ("3, 1"), "36h" is hours, "2d" days."""
    if isinstance(value, str):
        parts: list[Any] = [p for p in re.split(r"[,;\s]+(?=\d)", value.strip()) if p.strip()]
    elif isinstance(value, Sequence):
        parts = list(value)
    else:
        parts = [value]
    hours: list[int] = []
    for part in parts:
        hours.append(_duration_hours(part))
    return tuple(sorted(set(hours), reverse=True))


def _duration_hours(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | float):
        amount, unit = float(value), "d"
    else:
        match = _DURATION.match(str(value).strip())
        if match is None:
            raise ValueError(str(value))
        amount = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "d").lower()
    hours = amount * (1 if unit.startswith(("h", "t")) else 24)
    if hours != int(hours) or hours < 0:
        raise ValueError(str(value))
    return int(hours)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value).strip()
    return text or None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
    if isinstance(value, Sequence):
        return [str(p).strip() for p in value if str(p).strip()]
    return [str(value).strip()]


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "ja", "on"}:
        return True
    if text in {"false", "0", "no", "nej", "off"}:
        return False
    raise ValueError(text)


def parse_round_values(values: Mapping[str, Any], *, time_zone: str = LOCAL_TIME_ZONE) -> RoundSpec:
    """Check the shape of every field at once; raises RoundInvalid with all problems."""
    errors: dict[str, FieldError] = {}
    name, key = _parse_name_and_key(values, errors)
    plan = _text(values.get("plan"))
    if plan is None:
        errors["plan"] = FieldError("admin.error.required")
    period = _text(values.get("period"))
    if period is not None and len(period) > 64:
        errors["period"] = FieldError("admin.error.too_long", {"max": 64})
    kinds = _parse_kinds(values, errors)
    moments = _parse_moments(values, time_zone, errors)
    reminders = _parse_reminders(values, errors)
    escalation = _parse_escalation(values, errors)
    flags = _parse_questions(values, errors)
    review = _parse_review(values, errors)
    if not errors and not any(flags.values()):
        errors["ask_status"] = FieldError("admin.error.no_questions")
    if errors:
        raise RoundInvalid(errors)
    assert name is not None and plan is not None
    return RoundSpec(
        name=name,
        key=key or round_key(name),
        plan_key=plan,
        period_label=period,
        org_units=tuple(dict.fromkeys(_names(values.get("org_units")))),
        kinds=tuple(dict.fromkeys(kinds)),
        opens_at=moments["opens"],
        deadline_at=moments["deadline"],
        reminder_hours=reminders,
        escalation_hours=escalation,
        copy_of=_text(values.get("copy_of")),
        status_scale=_text(values.get("status_scale")),
        risk_scale=_text(values.get("risk_scale")),
        review=review,
        **flags,
    )


def _parse_name_and_key(
    values: Mapping[str, Any], errors: dict[str, FieldError]
) -> tuple[str | None, str | None]:
    """The round's name (required) and its key, given or else made from the name."""
    name = _text(values.get("name"))
    if name is None:
        errors["name"] = FieldError("admin.error.required")
    elif len(name) > NAME_MAX:
        errors["name"] = FieldError("admin.error.too_long", {"max": NAME_MAX})
    key = _text(values.get("key"))
    if key is not None and not _KEY.match(key):
        errors["key"] = FieldError("admin.error.bad_key", {"value": key})
    elif key is None and name is not None and not round_key(name):
        errors["name"] = FieldError("admin.error.name_without_letters")
    return name, key


def _parse_kinds(values: Mapping[str, Any], errors: dict[str, FieldError]) -> list[str]:
    """Kinds as the plan files write them, Swedish or English ("mål", "indikator", "goal")."""
    kind_names = _names(values.get("kinds"))
    unknown_kinds = [k for k in kind_names if parse_kind(k) is None]
    kinds = [str(parse_kind(k)) for k in kind_names if parse_kind(k) is not None]
    if unknown_kinds:
        errors["kinds"] = FieldError(
            "admin.error.unknown_kinds",
            {"kinds": ", ".join(unknown_kinds), "known": ", ".join(KIND_NAMES)},
        )
    return kinds


def _parse_moments(
    values: Mapping[str, Any], time_zone: str, errors: dict[str, FieldError]
) -> dict[str, datetime]:
    """The open time and the deadline (both required, the deadline after the opening)."""
    moments: dict[str, datetime] = {}
    for name_of in ("opens", "deadline"):
        raw = values.get(name_of)
        if raw is None or raw == "":
            errors[name_of] = FieldError("admin.error.required")
            continue
        try:
            moments[name_of] = parse_moment(raw, time_zone)
        except (ValueError, TypeError):
            errors[name_of] = FieldError("admin.error.bad_datetime", {"value": str(raw)[:40]})
    if len(moments) == 2 and moments["deadline"] <= moments["opens"]:
        errors["deadline"] = FieldError("admin.error.deadline_before_open")
    return moments


def _parse_reminders(values: Mapping[str, Any], errors: dict[str, FieldError]) -> tuple[int, ...]:
    """Hours before the deadline that reminders go out; the defaults when left empty."""
    reminders: tuple[int, ...] = DEFAULT_REMINDER_HOURS
    if values.get("reminders") not in (None, ""):
        try:
            reminders = parse_durations(values["reminders"])
            if any(h == 0 or h > DURATION_MAX_HOURS for h in reminders):
                raise ValueError("out of range")
        except ValueError:
            errors["reminders"] = FieldError(
                "admin.error.bad_durations", {"value": str(values["reminders"])[:40]}
            )
    return reminders


REVIEW_WORDS: Final = {
    ReviewMode.NONE: ("none", "ingen", "nej", "no", "false"),
    ReviewMode.LINE_MANAGER: ("line_manager", "chef", "närmaste chef", "line manager"),
    ReviewMode.ORG_UNIT_HEAD: ("org_unit_head", "enhetschef", "head of unit", "unit head"),
}


def _parse_review(values: Mapping[str, Any], errors: dict[str, FieldError]) -> ReviewMode:
    """Who reviews: the mode's value or its Swedish or English words; empty = none."""
    said = (_text(values.get("review")) or "none").lower()
    for mode, words in REVIEW_WORDS.items():
        if said in words:
            return mode
    errors["review"] = FieldError("review.error.bad_mode", {"value": said[:40]})
    return ReviewMode.NONE


def _parse_escalation(values: Mapping[str, Any], errors: dict[str, FieldError]) -> int:
    """Hours after the deadline that a missing answer is escalated; the default when empty."""
    escalation = DEFAULT_ESCALATION_HOURS
    if values.get("escalation") not in (None, ""):
        try:
            parsed = parse_durations(values["escalation"])
            if len(parsed) != 1 or parsed[0] > DURATION_MAX_HOURS:
                raise ValueError("one value")
            escalation = parsed[0]
        except ValueError:
            errors["escalation"] = FieldError(
                "admin.error.bad_duration", {"value": str(values["escalation"])[:40]}
            )
    return escalation


def _parse_questions(values: Mapping[str, Any], errors: dict[str, FieldError]) -> dict[str, bool]:
    """Which questions the round asks, as yes/no flags (risk is off unless asked for)."""
    flags: dict[str, bool] = {}
    for flag, default in zip(QUESTION_FIELDS, (True, False, True, True), strict=True):
        try:
            flags[flag] = _flag(values.get(flag), default)
        except ValueError:
            errors[flag] = FieldError("admin.error.not_yes_no", {"value": str(values[flag])[:20]})
    return flags


# ---------------------------------------------------------------------------------------------
# Preview: who is asked, and about how much


@dataclass(frozen=True)
class Preview:
    owners: tuple[OwnerLoad, ...]
    kinds: Mapping[str, int]

    @property
    def items(self) -> int:
        return sum(owner.items for owner in self.owners)


async def _preview_of(
    session: AsyncSession, per_owner: Mapping[int, int], kinds: Counter[str]
) -> Preview:
    people: dict[int, Person] = {}
    if per_owner:
        query = select(Person).where(Person.id.in_(list(per_owner)))
        people = {p.id: p for p in (await session.execute(query)).scalars()}
    owners = sorted(
        (
            OwnerLoad(
                person_id=pid,
                name=people[pid].display_name if pid in people else "?",
                upn=people[pid].upn if pid in people else "?",
                items=count,
                active=pid in people and people[pid].active,
            )
            for pid, count in per_owner.items()
        ),
        key=lambda o: (o.name.casefold(), o.person_id),
    )
    return Preview(owners=tuple(owners), kinds=dict(sorted(kinds.items())))


def _preview_items(items: Sequence[PlanItem]) -> tuple[dict[int, int], Counter[str]]:
    per_owner: dict[int, int] = {}
    for item in items:
        assert item.owner_id is not None
        per_owner[item.owner_id] = per_owner.get(item.owner_id, 0) + 1
    return per_owner, Counter(str(item.kind) for item in items)


async def preview_round(session: AsyncSession, rnd: ReportingRound) -> Preview:
    """For an opened round, what it froze; otherwise what opening it now would ask."""
    if rnd.state in (RoundState.OPEN, RoundState.CLOSED):
        query = (
            select(RoundItem.owner_id, PlanItem.kind)
            .join(PlanItem, PlanItem.id == RoundItem.item_id)
            .where(RoundItem.round_id == rnd.id)
        )
        per_owner: dict[int, int] = {}
        kinds: Counter[str] = Counter()
        for owner_id, kind in (await session.execute(query)).all():
            per_owner[owner_id] = per_owner.get(owner_id, 0) + 1
            kinds[str(kind)] += 1
        return await _preview_of(session, per_owner, kinds)
    return await _preview_of(session, *_preview_items(await rounds.items_in_scope(session, rnd)))


# ---------------------------------------------------------------------------------------------
# Create, open, schedule


@dataclass(frozen=True)
class Checked:
    """A spec checked against the store: the plan and scales it uses, what it would ask, and
    an identical round that exists already (a repeated create)."""

    spec: RoundSpec
    plan: Plan
    preview: Preview
    existing: ReportingRound | None
    previous: ReportingRound | None
    status_scale: StatusScale | None = None
    risk_scale: RiskScale | None = None


def _draft_round(spec: RoundSpec, plan: Plan) -> ReportingRound:
    return ReportingRound(
        key=spec.key,
        name=spec.name,
        plan_id=plan.id,
        period_label=spec.period_label,
        scope=spec.scope,
        state=RoundState.DRAFT,
        opens_at=spec.opens_at,
        deadline_at=spec.deadline_at,
        reminder_offsets_hours={"before_deadline": list(spec.reminder_hours)},
        escalation_delay_hours=spec.escalation_hours,
        ask_status=spec.ask_status,
        ask_risk=spec.ask_risk,
        ask_comment=spec.ask_comment,
        ask_value=spec.ask_value,
        review=spec.review,
    )


def _same_round(rnd: ReportingRound, spec: RoundSpec, plan: Plan) -> bool:
    """A repeat of the create that made ``rnd``. The open time is left out: opening "now"
    records when the round really opened."""
    return (
        rnd.plan_id == plan.id
        and rnd.name == spec.name
        and (rnd.scope or {}) == spec.scope
        and rnd.deadline_at == spec.deadline_at
    )


async def check_spec(
    session: AsyncSession, spec: RoundSpec, *, start: Start, now: datetime
) -> Checked:
    """Everything that needs the store: plan, org units, a non-empty scope, the key, the
    round copied from and times against now. Raises RoundInvalid."""
    errors: dict[str, FieldError] = {}
    plan = await plan_store.get_plan_by_key(session, spec.plan_key)
    if plan is None:
        errors["plan"] = FieldError("admin.error.unknown_plan", {"plan": spec.plan_key})
    if spec.org_units:
        known = set((await session.execute(select(OrgUnit.key))).scalars())
        missing = [k for k in spec.org_units if k not in known]
        if missing:
            errors["org_units"] = FieldError(
                "admin.error.unknown_org_units", {"keys": ", ".join(missing)}
            )
    existing = await _repeated_round(session, spec, plan, errors)
    previous = await _copied_round(session, spec, plan, errors)
    status_scale, risk_scale = await _scales(session, spec, errors)
    if existing is None:
        # A repeated create of a round that already opened is fine; new ones must fit now.
        if spec.deadline_at <= now:
            errors.setdefault("deadline", FieldError("admin.error.deadline_passed"))
        if start == "schedule" and spec.opens_at <= now:
            errors.setdefault("opens", FieldError("admin.error.opens_passed"))
    preview = Preview(owners=(), kinds={})
    if plan is not None and "org_units" not in errors:
        preview = await _scope_preview(session, spec, plan, errors)
    if errors:
        raise RoundInvalid(errors)
    assert plan is not None
    return Checked(spec, plan, preview, existing, previous, status_scale, risk_scale)


async def _scales(
    session: AsyncSession, spec: RoundSpec, errors: dict[str, FieldError]
) -> tuple[StatusScale | None, RiskScale | None]:
    """The status and risk scales the spec names (the defaults when it names none)."""
    status_query = select(StatusScale).order_by(StatusScale.id).limit(1)
    if spec.status_scale is not None:
        status_query = select(StatusScale).where(StatusScale.key == spec.status_scale)
    status = (await session.execute(status_query)).scalars().first()
    if status is None and spec.status_scale is not None:
        errors["status_scale"] = FieldError(
            "controller.error.unknown_scale", {"key": spec.status_scale}
        )
    risk_query = select(RiskScale).order_by(RiskScale.id).limit(1)
    if spec.risk_scale is not None:
        risk_query = select(RiskScale).where(RiskScale.key == spec.risk_scale)
    risk = (await session.execute(risk_query)).scalars().first()
    if risk is None and spec.risk_scale is not None:
        errors["risk_scale"] = FieldError(
            "controller.error.unknown_scale", {"key": spec.risk_scale}
        )
    return status, risk


async def _repeated_round(
    session: AsyncSession, spec: RoundSpec, plan: Plan | None, errors: dict[str, FieldError]
) -> ReportingRound | None:
    """The round this spec's key names if creating it again is a repeat; a different round
    with the key means the name (or key) is taken."""
    existing = await round_store.get_round_by_key(session, spec.key)
    if existing is not None and (plan is None or not _same_round(existing, spec, plan)):
        field_name = "key" if spec.key != round_key(spec.name) else "name"
        errors[field_name] = FieldError("admin.error.name_taken", {"key": spec.key})
        return None
    return existing


async def _copied_round(
    session: AsyncSession, spec: RoundSpec, plan: Plan | None, errors: dict[str, FieldError]
) -> ReportingRound | None:
    """The round this one copies, which must exist and follow up the same plan."""
    if spec.copy_of is None:
        return None
    previous = await round_store.get_round_by_key(session, spec.copy_of)
    if previous is None:
        errors["copy_of"] = FieldError("admin.error.unknown_round", {"key": spec.copy_of})
    elif plan is not None and previous.plan_id != plan.id:
        errors["copy_of"] = FieldError("admin.error.copy_other_plan", {"key": spec.copy_of})
    return previous


async def _scope_preview(
    session: AsyncSession, spec: RoundSpec, plan: Plan, errors: dict[str, FieldError]
) -> Preview:
    """Who the round would ask; nobody at all is an error on the scope."""
    preview = await _preview_of(
        session, *_preview_items(await rounds.items_in_scope(session, _draft_round(spec, plan)))
    )
    if not preview.owners:
        errors.setdefault(
            "org_units" if spec.org_units else "kinds", FieldError("admin.error.empty_scope")
        )
    return preview


async def check_references(
    session: AsyncSession, values: Mapping[str, Any]
) -> dict[str, FieldError]:
    """The plan and org units an unparseable input names, so a form with a bad date also
    says at once that a unit is unknown."""
    errors: dict[str, FieldError] = {}
    plan = _text(values.get("plan"))
    if plan is not None and await plan_store.get_plan_by_key(session, plan) is None:
        errors["plan"] = FieldError("admin.error.unknown_plan", {"plan": plan})
    units = _names(values.get("org_units"))
    if units:
        known = set((await session.execute(select(OrgUnit.key))).scalars())
        missing = [k for k in units if k not in known]
        if missing:
            errors["org_units"] = FieldError(
                "admin.error.unknown_org_units", {"keys": ", ".join(missing)}
            )
    return errors


@dataclass(frozen=True)
class CreateResult:
    round: ReportingRound
    created: bool
    preview: Preview


async def create_round(
    session: AsyncSession, spec: RoundSpec, *, start: Start, now: datetime, actor: str
) -> CreateResult:
    """Create the round and open it now, schedule it, or keep it as a draft. Creating the
    same round again returns the stored one (and opens/schedules it if asked and not done)."""
    checked = await check_spec(session, spec, start=start, now=now)
    rnd = checked.existing
    created = rnd is None
    if rnd is None:
        rnd = _draft_round(spec, checked.plan)
        rnd.status_scale_id = (
            checked.status_scale.id
            if checked.status_scale is not None
            else await _default_status_scale(session)
        )
        rnd.risk_scale_id = None if checked.risk_scale is None else checked.risk_scale.id
        rnd.previous_round_id = None if checked.previous is None else checked.previous.id
        rnd.created_by = actor
        session.add(rnd)
        await session.flush()
        audit.record(
            session,
            actor=actor,
            action="round.copy" if checked.previous is not None else "round.create",
            target_type="round",
            target_id=rnd.id,
            details={
                "key": rnd.key,
                "name": rnd.name,
                "plan": checked.plan.key,
                "scope": rnd.scope,
                "opens_at": rnd.opens_at.isoformat(),
                "deadline_at": rnd.deadline_at.isoformat(),
                "copy_of": None if checked.previous is None else checked.previous.key,
                "status_scale": None if checked.status_scale is None else checked.status_scale.key,
                "risk_scale": None if checked.risk_scale is None else checked.risk_scale.key,
                "at": now.isoformat(),
            },
        )
    if start == "now":
        await open_now(session, rnd, now=now, actor=actor)
    elif start == "schedule" and rnd.state == RoundState.DRAFT:
        await schedule(session, rnd, opens_at=rnd.opens_at, now=now, actor=actor)
    return CreateResult(rnd, created, checked.preview)


async def _default_status_scale(session: AsyncSession) -> int:
    query = select(StatusScale.id).order_by(StatusScale.id).limit(1)
    return int((await session.execute(query)).scalar_one())


async def open_now(
    session: AsyncSession, rnd: ReportingRound, *, now: datetime, actor: str
) -> dict[int, int]:
    """Open at once (freezing items, one request and send job per owner); a second call
    changes nothing. The open time records when the round really opened."""
    if rnd.state == RoundState.CLOSED:
        raise RoundActionRefused("admin.error.round_closed", name=rnd.name)
    if rnd.state != RoundState.OPEN:
        # A unit of the scope may have been removed since the round was set up.
        errors = await check_references(session, {"org_units": (rnd.scope or {}).get("org_units")})
        if errors:
            raise RoundInvalid(errors)
        if rnd.opens_at > now:
            rnd.opens_at = now
    return await rounds.open_round(session, rnd, now=now, actor=actor)


async def schedule(
    session: AsyncSession, rnd: ReportingRound, *, opens_at: datetime, now: datetime, actor: str
) -> None:
    """Let the scheduler in ``lagesbot serve`` open the round at ``opens_at``."""
    if rnd.state in (RoundState.OPEN, RoundState.CLOSED):
        code = (
            "admin.error.round_open" if rnd.state == RoundState.OPEN else "admin.error.round_closed"
        )
        raise RoundActionRefused(code, name=rnd.name)
    if opens_at <= now:
        raise RoundInvalid({"opens": FieldError("admin.error.opens_passed")})
    if opens_at >= rnd.deadline_at:
        raise RoundInvalid({"opens": FieldError("admin.error.deadline_before_open")})
    if rnd.state == RoundState.SCHEDULED and rnd.opens_at == opens_at:
        return
    previous = rnd.opens_at
    rnd.opens_at = opens_at
    rnd.state = RoundState.SCHEDULED
    audit.record(
        session,
        actor=actor,
        action="round.schedule",
        target_type="round",
        target_id=rnd.id,
        details={
            "opens_at": opens_at.isoformat(),
            "was": previous.isoformat(),
            "at": now.isoformat(),
        },
    )
    await session.flush()


async def extend_deadline(
    session: AsyncSession, rnd: ReportingRound, *, deadline_at: datetime, now: datetime, actor: str
) -> bool:
    """Move the deadline (normally later). Returns False when it already is that time."""
    if rnd.state == RoundState.CLOSED:
        raise RoundActionRefused("admin.error.round_closed", name=rnd.name)
    if deadline_at <= now:
        raise RoundInvalid({"deadline": FieldError("admin.error.deadline_passed")})
    if deadline_at <= rnd.opens_at:
        raise RoundInvalid({"deadline": FieldError("admin.error.deadline_before_open")})
    if deadline_at == rnd.deadline_at:
        return False
    previous = rnd.deadline_at
    rnd.deadline_at = deadline_at
    audit.record(
        session,
        actor=actor,
        action="round.extend",
        target_type="round",
        target_id=rnd.id,
        details={
            "deadline_at": deadline_at.isoformat(),
            "was": previous.isoformat(),
            "at": now.isoformat(),
        },
    )
    await session.flush()
    return True


async def retry_failed(
    session: AsyncSession, rnd: ReportingRound, *, now: datetime, actor: str
) -> int:
    """Send the round's failed cards again (e.g. after the people installed the app)."""
    if rnd.state == RoundState.CLOSED:
        raise RoundActionRefused("admin.error.round_closed", name=rnd.name)
    retried = await outbox_store.retry_failed(session, rnd.id, now=now)
    if retried:
        audit.record(
            session,
            actor=actor,
            action="round.retry_failed",
            target_type="round",
            target_id=rnd.id,
            details={"jobs": retried, "at": now.isoformat()},
        )
    await session.flush()
    return retried


# ---------------------------------------------------------------------------------------------
# Progress and close


async def _answer_counts(
    session: AsyncSession, rnd: ReportingRound
) -> tuple[int, int, int, int, Counter[str]]:
    """(owners, items, answered items, owners with every item answered, status counts)."""
    rows = (
        await session.execute(
            select(RoundItem.item_id, RoundItem.owner_id).where(RoundItem.round_id == rnd.id)
        )
    ).all()
    current = await response_store.current_answers(session, rnd.id, [r.item_id for r in rows])
    owners: dict[int, list[int]] = {}
    for item_id, owner_id in rows:
        owners.setdefault(owner_id, []).append(item_id)
    done = sum(1 for items in owners.values() if all(i in current for i in items))
    statuses = Counter(r.status_key or "-" for r in current.values())
    return len(owners), len(rows), len(current), done, statuses


async def overview(
    session: AsyncSession, rnd: ReportingRound, *, with_failures: bool = False
) -> RoundOverview:
    if rnd.state in (RoundState.OPEN, RoundState.CLOSED):
        owners, items, answered, done, statuses = await _answer_counts(session, rnd)
    else:
        try:
            preview = await preview_round(session, rnd)
        except rounds.RoundError:
            # An org unit of the scope was removed since; opening would say so, the list
            # still shows the round.
            preview = Preview(owners=(), kinds={})
        owners, items, answered, done, statuses = (
            len(preview.owners),
            preview.items,
            0,
            0,
            Counter[str](),
        )
    failed: tuple[FailedDelivery, ...] = ()
    if with_failures:
        failed = tuple(
            FailedDelivery(f.person_name, f.last_status, f.reason)
            for f in await outbox_store.failed_jobs(session, rnd.id)
        )
    intranet_url = publish_error = None
    if rnd.state == RoundState.CLOSED:
        published = (
            await session.execute(
                select(RoundSummary.intranet_page_url, RoundSummary.publish_error).where(
                    RoundSummary.round_id == rnd.id
                )
            )
        ).first()
        if published is not None:
            intranet_url, publish_error = published
    return RoundOverview(
        id=rnd.id,
        key=rnd.key,
        name=rnd.name,
        state=str(rnd.state),
        opens_at=rnd.opens_at,
        deadline_at=rnd.deadline_at,
        closed_at=rnd.closed_at,
        owners=owners,
        items=items,
        answered=answered,
        owners_done=done,
        statuses=dict(sorted(statuses.items())),
        fanout=await outbox_store.progress(session, rnd.id),
        failed=failed,
        intranet_url=intranet_url,
        publish_error=publish_error,
    )


_STATE_ORDER: Final = {
    RoundState.OPEN: 0,
    RoundState.SCHEDULED: 1,
    RoundState.DRAFT: 2,
    RoundState.CLOSED: 3,
}


async def all_rounds(session: AsyncSession) -> list[ReportingRound]:
    """Open rounds first (nearest deadline first), then scheduled, drafts, and closed ones,
    most recently closed first."""
    found = list((await session.execute(select(ReportingRound))).scalars())

    def order(rnd: ReportingRound) -> tuple[int, float]:
        if rnd.state == RoundState.CLOSED:
            moment = rnd.closed_at or rnd.deadline_at
            return (_STATE_ORDER[rnd.state], -moment.timestamp())
        moment = rnd.opens_at if rnd.state == RoundState.SCHEDULED else rnd.deadline_at
        return (_STATE_ORDER[rnd.state], moment.timestamp())

    return sorted(found, key=order)


async def close_round(
    session: AsyncSession, rnd: ReportingRound, now: datetime, actor: str
) -> RoundSummary:
    """Lock the round: answers are refused from now on, every posted card is replaced by its
    closed state, and the final counts are recorded. Closing twice changes nothing."""
    existing = (
        await session.execute(select(RoundSummary).where(RoundSummary.round_id == rnd.id))
    ).scalar_one_or_none()
    if rnd.state == RoundState.CLOSED and existing is not None:
        return existing
    owners, items, answered, done, statuses = await _answer_counts(session, rnd)
    requests = (
        await session.execute(
            select(func.count(ReportRequest.id)).where(ReportRequest.round_id == rnd.id)
        )
    ).scalar_one()
    revisions = (
        await session.execute(select(func.count(Response.id)).where(Response.round_id == rnd.id))
    ).scalar_one()
    was = rnd.state
    rnd.state = RoundState.CLOSED
    rnd.closed_at = now
    summary = existing or RoundSummary(round_id=rnd.id, closed_by=actor, closed_at=now)
    summary.summary = {
        "owners": owners,
        "owners_done": done,
        "items": items,
        "answered": answered,
        "unanswered": items - answered,
        "requests": int(requests),
        "revisions": int(revisions),
        "statuses": dict(sorted(statuses.items())),
        "deadline_at": rnd.deadline_at.isoformat(),
    }
    session.add(summary)
    audit.record(
        session,
        actor=actor,
        action="round.close",
        target_type="round",
        target_id=rnd.id,
        details={"was": was.value, "at": now.isoformat(), **summary.summary},
    )
    await session.flush()
    await fanout.enqueue_round_closed(session, rnd, now)
    return summary


# ---------------------------------------------------------------------------------------------
# Copy to the next period


def _add_months(moment: datetime, months: int, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, _days_in_month(year, month))
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def _days_in_month(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


async def next_period_dates(
    session: AsyncSession, rnd: ReportingRound, time_zone: str = LOCAL_TIME_ZONE
) -> tuple[datetime, datetime]:
    """The suggested open time and deadline of the round after ``rnd``: as many months later
    as ``rnd`` came after the round it was copied from, else one month; same local times."""
    zone = local_zone(time_zone)
    months = 1
    if rnd.previous_round_id is not None:
        previous = await round_store.get_round(session, rnd.previous_round_id)
        if previous is not None:
            a, b = previous.opens_at.astimezone(zone), rnd.opens_at.astimezone(zone)
            months = max(1, (b.year - a.year) * 12 + b.month - a.month)
    return _add_months(rnd.opens_at, months, zone), _add_months(rnd.deadline_at, months, zone)


def copy_values(rnd: ReportingRound, plan_key: str) -> dict[str, Any]:
    """The round's set-up as input values, for a copy to start from."""
    scope = rnd.scope or {}
    return {
        "plan": plan_key,
        "org_units": list(scope.get("org_units", [])),
        "kinds": list(scope.get("kinds", [])),
        "reminders": [
            f"{h}h" for h in (rnd.reminder_offsets_hours or {}).get("before_deadline", [])
        ],
        "escalation": f"{rnd.escalation_delay_hours}h",
        "review": str(rnd.review),
        "ask_status": rnd.ask_status,
        "ask_risk": rnd.ask_risk,
        "ask_comment": rnd.ask_comment,
        "ask_value": rnd.ask_value,
        "copy_of": rnd.key,
    }


async def scale_keys(session: AsyncSession, rnd: ReportingRound) -> dict[str, str | None]:
    """The keys of the round's scales, for a copy to use the same ones."""
    status = await session.get(StatusScale, rnd.status_scale_id)
    risk = None if rnd.risk_scale_id is None else await session.get(RiskScale, rnd.risk_scale_id)
    return {
        "status_scale": None if status is None else status.key,
        "risk_scale": None if risk is None else risk.key,
    }


async def copy_round(
    session: AsyncSession,
    rnd: ReportingRound,
    *,
    name: str,
    opens_at: datetime,
    deadline_at: datetime,
    now: datetime,
    actor: str,
    key: str | None = None,
    period: str | None = None,
    start: Start = "schedule",
) -> CreateResult:
    """The next period's round: same plan, scope and settings, new name and dates; its status
    cards show this round's answers as context."""
    plan = await session.get(Plan, rnd.plan_id)
    assert plan is not None
    values = {**copy_values(rnd, plan.key), **await scale_keys(session, rnd)}
    values.update(name=name, key=key, period=period, opens=opens_at, deadline=deadline_at)
    spec = parse_round_values(values)
    return await create_round(session, spec, start=start, now=now, actor=actor)
