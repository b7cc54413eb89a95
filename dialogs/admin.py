"""The admin's chat: reporting rounds set up and followed in Teams.

"ny runda" / "new round" posts the round form; "rundor" / "rounds" lists the rounds with their
progress. The form's "Preview" stores nothing: its buttons carry the values, and "Open now" or
"Schedule" validate them again and create the round. Every handler checks admin rights itself
on every invoke; nothing a card sends back is trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cards import admin_cards, verbs
from cards.admin_cards import RoundFormView, RoundListView, RoundPreviewView
from cards.messages import create_notice_card
from catalogue import texts
from catalogue.texts import Language
from dialogs.actions import _int
from dialogs.commands import normalise
from dialogs.context import Deps, Inbound, Reply
from dialogs.people import language_for, person_of
from dialogs.registry import ActionOutcome, Handler, card_action
from services.followup import round_admin
from services.followup.round_admin import (
    LOCAL_TIME_ZONE,
    FieldError,
    RoundActionRefused,
    RoundInvalid,
    RoundSpec,
    Start,
)
from storage import admins as admin_store
from storage import rounds as round_store
from storage import scales as scale_store
from storage.models import (
    OrgUnit,
    Person,
    Plan,
    ReportingRound,
    RiskScale,
    RoundState,
    StatusScale,
)

NEW_ROUND_WORDS: Final = frozenset(
    {"ny runda", "ny omgång", "ny rapportomgång", "skapa runda", "new round", "create round"}
)
ROUNDS_WORDS: Final = frozenset(
    {"rundor", "omgångar", "rapportomgångar", "alla rundor", "rounds", "all rounds"}
)
log = logging.getLogger(__name__)

ATTEMPTS: Final = 3
ROUNDS_PER_PAGE: Final = 6
MAX_UNIT_CHOICES: Final = 150
MAX_VALUE_LENGTH: Final = 500
TIME_ZONE: Final = LOCAL_TIME_ZONE


def applies(inbound: Inbound) -> bool:
    said = normalise(inbound.text)
    return said in NEW_ROUND_WORDS or said in ROUNDS_WORDS


# ---------------------------------------------------------------------------------------------
# Who may administer


async def is_admin(session: AsyncSession, deps: Deps, inbound: Inbound) -> bool:
    """Admins are listed by Entra object id or UPN: the bootstrap list LAGESBOT_ADMINS plus
    those an admin added in Teams (storage.admins), read again on every message and press."""
    admins = {value.strip().lower() for value in deps.settings.admin_object_ids if value.strip()}
    admins |= await admin_store.granted_identities(session)
    if not admins or not inbound.user_object_id:
        return False
    if inbound.user_object_id.strip().lower() in admins:
        return True
    person = await person_of(session, inbound)
    return person is not None and person.upn.lower() in admins


def actor_of(person: Person | None, inbound: Inbound) -> str:
    if person is not None:
        return person.upn
    return f"entra:{inbound.user_object_id or '?'}"


class _Admin:
    """What an admin handler gets: the open transaction, who acts and in which language."""

    def __init__(
        self, session: AsyncSession, deps: Deps, person: Person | None, inbound: Inbound
    ) -> None:
        self.session = session
        self.deps = deps
        self.person = person
        self.inbound = inbound
        self.language: Language = language_for(person, inbound)
        self.tx = texts.for_language(self.language)
        self.actor = actor_of(person, inbound)
        self.now: datetime = deps.clock()


AdminWork = Callable[[_Admin, Mapping[str, Any]], Awaitable[dict[str, Any]]]


def _admin_only(work: AdminWork) -> Handler:
    async def handler(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await once(deps, inbound, data)
            except IntegrityError:
                # A double click ran twice at once and the other run stored the round first;
                # running again finds it and answers "already done".
                log.info("admin action raced with another, retrying (attempt %d)", attempt)
        return ActionOutcome(error="could not complete the action, please try again")

    async def once(deps: Deps, inbound: Inbound, data: Mapping[str, Any]) -> ActionOutcome:
        async with deps.sessions() as session, session.begin():
            person = await person_of(session, inbound)
            if not await is_admin(session, deps, inbound):
                language = language_for(person, inbound)
                text = texts.for_language(language).t("admin.refusal.not_admin")
                return ActionOutcome(card=create_notice_card(text))
            card = await work(_Admin(session, deps, person, inbound), data)
            return ActionOutcome(card=card)

    return handler


def admin_action(verb: str) -> Callable[[AdminWork], AdminWork]:
    """Registers ``work`` as the answer to ``verb``, behind the admin check (made again on
    every press) and the retry of a double click's race."""

    def register(work: AdminWork) -> AdminWork:
        card_action(verb)(_admin_only(work))
        return work

    return register


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    said = normalise(inbound.text)
    async with deps.sessions() as session, session.begin():
        person = await person_of(session, inbound)
        if not await is_admin(session, deps, inbound):
            language = language_for(person, inbound)
            return [Reply(text=texts.for_language(language).t("admin.refusal.not_admin"))]
        admin = _Admin(session, deps, person, inbound)
        if said in NEW_ROUND_WORDS:
            return [Reply(card=await _form_card(admin, _default_values(admin)))]
        return [Reply(card=await _list_card(admin))]


# ---------------------------------------------------------------------------------------------
# The form


def _form_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The form's inputs from an invoke, as strings: unknown keys dropped, lengths capped."""
    values: dict[str, str] = {}
    for key in (*admin_cards.FORM_INPUTS, "copy_of"):
        value = data.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            values[key] = str(value)[:MAX_VALUE_LENGTH]
    return values


def _default_values(admin: _Admin) -> dict[str, str]:
    zone = round_admin.local_zone(TIME_ZONE)
    local_now = admin.now.astimezone(zone)
    opens = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    deadline = (opens + timedelta(days=14)).replace(hour=16)
    return {
        admin_cards.OPENS_DATE: opens.date().isoformat(),
        admin_cards.OPENS_TIME: opens.strftime("%H:%M"),
        admin_cards.DEADLINE_DATE: deadline.date().isoformat(),
        admin_cards.DEADLINE_TIME: deadline.strftime("%H:%M"),
        admin_cards.REMINDERS: "3, 1",
        admin_cards.ESCALATION: "2",
    }


def _moment_text(day: str, clock: str) -> str:
    return f"{day.strip()} {clock.strip()}".strip()


def _round_values(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, FieldError]]:
    """The form's strings as round values; missing date or time parts are errors here, so
    they sit next to the input that is empty."""
    errors: dict[str, FieldError] = {}
    for input_id in (
        admin_cards.OPENS_DATE,
        admin_cards.OPENS_TIME,
        admin_cards.DEADLINE_DATE,
        admin_cards.DEADLINE_TIME,
    ):
        if not values.get(input_id, "").strip():
            errors[input_id] = FieldError("admin.error.required")
    result: dict[str, Any] = {
        key: values.get(key)
        for key in (
            "name",
            "plan",
            "org_units",
            "kinds",
            "reminders",
            "escalation",
            "copy_of",
            "status_scale",
            "risk_scale",
            "review",
        )
    }
    for toggle in admin_cards.QUESTION_TOGGLES:
        result[toggle] = values.get(toggle)
    result["opens"] = _moment_text(
        values.get(admin_cards.OPENS_DATE, ""), values.get(admin_cards.OPENS_TIME, "")
    )
    result["deadline"] = _moment_text(
        values.get(admin_cards.DEADLINE_DATE, ""), values.get(admin_cards.DEADLINE_TIME, "")
    )
    return result, errors


def _error_texts(admin: _Admin, errors: Mapping[str, FieldError]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, error in errors.items():
        anchor = admin_cards.ERROR_ANCHOR.get(name, name)
        if anchor not in admin_cards.FORM_INPUTS:
            anchor = admin_cards.NAME
        shown.setdefault(anchor, admin.tx.t(error.code, **error.params))
    return shown


async def _unit_choices(session: AsyncSession) -> tuple[list[tuple[str, str]], int]:
    """Org units in tree order, indented by depth; a very large tree is cut by depth, since
    choosing a unit includes everything below it."""
    units = list((await session.execute(select(OrgUnit).order_by(OrgUnit.name))).scalars())
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    known = {u.id for u in units}
    roots = [u for u in units if u.parent_id is None or u.parent_id not in known]
    ordered: list[tuple[OrgUnit, int]] = []
    stack = [(unit, 0) for unit in reversed(roots)]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.id, [])))
    kept = ordered
    if len(ordered) > MAX_UNIT_CHOICES:
        max_depth = 0
        while sum(1 for _, d in ordered if d <= max_depth + 1) <= MAX_UNIT_CHOICES:
            max_depth += 1
        kept = [(u, d) for u, d in ordered if d <= max_depth][:MAX_UNIT_CHOICES]
    choices = [(u.key, f"{'· ' * depth}{u.name} ({u.key})") for u, depth in kept]
    return choices, len(ordered) - len(kept)


async def _form_card(
    admin: _Admin,
    values: Mapping[str, str],
    errors: Mapping[str, FieldError] | None = None,
) -> dict[str, Any]:
    plans = list((await admin.session.execute(select(Plan).order_by(Plan.name))).scalars())
    values = dict(values)
    if len(plans) == 1 and not values.get(admin_cards.PLAN):
        values[admin_cards.PLAN] = plans[0].key
    units, left_out = await _unit_choices(admin.session)
    copy_of_key = values.get("copy_of") or None
    copy_of_name = None
    if copy_of_key:
        previous = await round_store.get_round_by_key(admin.session, copy_of_key)
        copy_of_name = previous.name if previous is not None else copy_of_key
    return admin_cards.create_round_form_card(
        admin.language,
        RoundFormView(
            values=values,
            plans=[(plan.key, plan.name) for plan in plans],
            org_units=units,
            errors=_error_texts(admin, errors or {}),
            copy_of_key=copy_of_key,
            copy_of_name=copy_of_name,
            org_units_left_out=left_out,
            **await _scale_choices(admin),
        ),
    )


async def _scale_choices(admin: _Admin) -> dict[str, list[tuple[str, str]]]:
    """The scales a round can use, the default (the first stored) first."""
    status = sorted(await scale_store.status_scales(admin.session), key=lambda s: s.id)
    risk = sorted(await scale_store.risk_scales(admin.session), key=lambda s: s.id)
    english = admin.language == "en"
    return {
        "status_scales": [(s.key, s.name_en if english else s.name_sv) for s in status],
        "risk_scales": [(s.key, s.name_en if english else s.name_sv) for s in risk],
    }


async def _checked(
    admin: _Admin, values: Mapping[str, str]
) -> tuple[RoundSpec | None, dict[str, FieldError]]:
    """The form's values parsed; when they do not parse, every other problem that can be
    found is reported with them."""
    round_values, errors = _round_values(values)
    try:
        spec = round_admin.parse_round_values(round_values, time_zone=TIME_ZONE)
    except RoundInvalid as invalid:
        errors = {**invalid.errors, **errors}
        spec = None
    if spec is None or errors:
        references = await round_admin.check_references(admin.session, round_values)
        return None, {**references, **errors}
    return spec, {}


@admin_action(verbs.ADMIN_ROUND_FORM)
async def show_form(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _form_values(data)
    return await _form_card(admin, values or _default_values(admin))


@admin_action(verbs.ADMIN_PREVIEW_ROUND)
async def preview(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _form_values(data)
    spec, errors = await _checked(admin, values)
    if spec is None:
        return await _form_card(admin, values, errors)
    try:
        checked = await round_admin.check_spec(admin.session, spec, start="draft", now=admin.now)
    except RoundInvalid as invalid:
        return await _form_card(admin, values, invalid.errors)
    rows = (await admin.session.execute(select(OrgUnit.key, OrgUnit.name))).all()
    unit_names = {key: name for key, name in rows}
    return admin_cards.create_round_preview_card(
        admin.language,
        RoundPreviewView(
            name=spec.name,
            key=spec.key,
            plan_name=checked.plan.name,
            org_units=[unit_names.get(k, k) for k in spec.org_units],
            kinds=spec.kinds,
            opens_at=spec.opens_at,
            deadline_at=spec.deadline_at,
            reminder_hours=spec.reminder_hours,
            escalation_hours=spec.escalation_hours,
            questions=[q for q in admin_cards.QUESTION_TOGGLES if getattr(spec, q)],
            owners=checked.preview.owners,
            kind_counts=checked.preview.kinds,
            data=values,
            time_zone=TIME_ZONE,
            copy_of_name=None if checked.previous is None else checked.previous.name,
            status_scale_name=_scale_name(admin, checked.status_scale),
            risk_scale_name=_scale_name(admin, checked.risk_scale),
        ),
    )


def _scale_name(admin: _Admin, scale: StatusScale | RiskScale | None) -> str | None:
    if scale is None:
        return None
    return scale.name_en if admin.language == "en" else scale.name_sv


@admin_action(verbs.ADMIN_CREATE_ROUND)
async def create(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _form_values(data)
    start: Start = "now" if data.get("start") == "now" else "schedule"
    spec, errors = await _checked(admin, values)
    if spec is None:
        return await _form_card(admin, values, errors)
    try:
        result = await round_admin.create_round(
            admin.session, spec, start=start, now=admin.now, actor=admin.actor
        )
    except RoundInvalid as invalid:
        return await _form_card(admin, values, invalid.errors)
    except RoundActionRefused as refused:
        return await _list_card(admin, banner=_refusal(admin, refused), good=False)
    return await _list_card(admin, banner=_done(admin, result.round, created=result.created))


def _refusal(admin: _Admin, refused: RoundActionRefused) -> str:
    return admin.tx.t(refused.error.code, **refused.error.params)


def _done(admin: _Admin, rnd: ReportingRound, *, created: bool = True) -> str:
    tx = admin.tx
    if rnd.state == RoundState.SCHEDULED:
        text = tx.t(
            "admin.done.scheduled",
            name=rnd.name,
            opens=tx.format_datetime(rnd.opens_at, TIME_ZONE),
        )
    elif rnd.state == RoundState.OPEN:
        text = tx.t("admin.done.open", name=rnd.name)
    else:
        text = tx.t("admin.done.saved", name=rnd.name)
    return text if created else tx.t("admin.done.already", message=text)


# ---------------------------------------------------------------------------------------------
# The round list and what can be done from it


async def _list_card(
    admin: _Admin,
    *,
    page: int = 1,
    banner: str | None = None,
    good: bool = True,
    errors: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    rounds = await round_admin.all_rounds(admin.session)
    page_count = max(1, -(-len(rounds) // ROUNDS_PER_PAGE))
    page = min(max(page, 1), page_count)
    shown = rounds[(page - 1) * ROUNDS_PER_PAGE : page * ROUNDS_PER_PAGE]
    overviews = [
        await round_admin.overview(admin.session, rnd, with_failures=rnd.state == RoundState.OPEN)
        for rnd in shown
    ]
    return admin_cards.create_round_list_card(
        admin.language,
        RoundListView(
            rounds=overviews,
            time_zone=TIME_ZONE,
            page=page,
            page_count=page_count,
            banner=banner,
            banner_good=good,
            errors=errors or {},
        ),
    )


@admin_action(verbs.ADMIN_LIST_ROUNDS)
async def list_rounds(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    return await _list_card(admin, page=_int(data, "page", 1) or 1)


async def _target(admin: _Admin, data: Mapping[str, Any]) -> ReportingRound | None:
    round_id = _int(data, "round_id")
    return None if round_id is None else await round_store.get_round(admin.session, round_id)


def _unknown(admin: _Admin) -> str:
    return admin.tx.t("admin.error.round_gone")


@admin_action(verbs.ADMIN_OPEN_ROUND)
async def open_round(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    rnd = await _target(admin, data)
    if rnd is None:
        return await _list_card(admin, banner=_unknown(admin), good=False)
    try:
        await round_admin.open_now(admin.session, rnd, now=admin.now, actor=admin.actor)
    except RoundActionRefused as refused:
        return await _list_card(admin, banner=_refusal(admin, refused), good=False)
    except RoundInvalid as invalid:
        first = next(iter(invalid.errors.values()))
        message = admin.tx.t(first.code, **first.params)
        return await _list_card(admin, errors={rnd.id: message}, good=False)
    return await _list_card(admin, banner=_done(admin, rnd))


@admin_action(verbs.ADMIN_EXTEND_ROUND)
async def extend(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    rnd = await _target(admin, data)
    if rnd is None:
        return await _list_card(admin, banner=_unknown(admin), good=False)
    day = data.get(admin_cards.extend_date_id(rnd.id))
    clock = data.get(admin_cards.extend_time_id(rnd.id))
    try:
        if not isinstance(day, str) or not isinstance(clock, str):
            raise ValueError("missing")
        deadline = round_admin.parse_date_time(day, clock, TIME_ZONE)
    except ValueError:
        message = admin.tx.t("admin.error.bad_datetime", value=f"{day or ''} {clock or ''}"[:40])
        return await _list_card(admin, errors={rnd.id: message}, good=False)
    try:
        await round_admin.extend_deadline(
            admin.session, rnd, deadline_at=deadline, now=admin.now, actor=admin.actor
        )
    except RoundInvalid as invalid:
        first = next(iter(invalid.errors.values()))
        return await _list_card(admin, errors={rnd.id: admin.tx.t(first.code, **first.params)})
    except RoundActionRefused as refused:
        return await _list_card(admin, banner=_refusal(admin, refused), good=False)
    banner = admin.tx.t(
        "admin.done.extended",
        name=rnd.name,
        deadline=admin.tx.format_datetime(deadline, TIME_ZONE),
    )
    return await _list_card(admin, banner=banner)


@admin_action(verbs.ADMIN_RETRY_FAILED)
async def retry(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    rnd = await _target(admin, data)
    if rnd is None:
        return await _list_card(admin, banner=_unknown(admin), good=False)
    try:
        count = await round_admin.retry_failed(admin.session, rnd, now=admin.now, actor=admin.actor)
    except RoundActionRefused as refused:
        return await _list_card(admin, banner=_refusal(admin, refused), good=False)
    banner = admin.tx.n("admin.done.retried", count, name=rnd.name)
    return await _list_card(admin, banner=banner)


@admin_action(verbs.ADMIN_CONFIRM_CLOSE)
async def confirm_close(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    rnd = await _target(admin, data)
    if rnd is None:
        return await _list_card(admin, banner=_unknown(admin), good=False)
    if rnd.state == RoundState.CLOSED:
        return await _list_card(admin, banner=admin.tx.t("admin.done.closed", name=rnd.name))
    view = await round_admin.overview(admin.session, rnd)
    return admin_cards.create_close_confirm_card(admin.language, view, TIME_ZONE)


@admin_action(verbs.ADMIN_CLOSE_ROUND)
async def close(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    rnd = await _target(admin, data)
    if rnd is None:
        return await _list_card(admin, banner=_unknown(admin), good=False)
    await round_admin.close_round(admin.session, rnd, admin.now, admin.actor)
    return await _list_card(admin, banner=admin.tx.t("admin.done.closed", name=rnd.name))


@admin_action(verbs.ADMIN_COPY_ROUND)
async def copy(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    """The form, filled in with the round's set-up and the next period's dates."""
    rnd = await _target(admin, data)
    if rnd is None:
        return await _list_card(admin, banner=_unknown(admin), good=False)
    plan = await admin.session.get(Plan, rnd.plan_id)
    assert plan is not None
    base = {
        **round_admin.copy_values(rnd, plan.key),
        **await round_admin.scale_keys(admin.session, rnd),
    }
    opens, deadline = await round_admin.next_period_dates(admin.session, rnd, TIME_ZONE)
    zone = round_admin.local_zone(TIME_ZONE)
    hours = base["reminders"]
    values = {
        admin_cards.PLAN: plan.key,
        admin_cards.ORG_UNITS: ",".join(base["org_units"]),
        admin_cards.KINDS: ",".join(base["kinds"]),
        admin_cards.OPENS_DATE: opens.astimezone(zone).date().isoformat(),
        admin_cards.OPENS_TIME: opens.astimezone(zone).strftime("%H:%M"),
        admin_cards.DEADLINE_DATE: deadline.astimezone(zone).date().isoformat(),
        admin_cards.DEADLINE_TIME: deadline.astimezone(zone).strftime("%H:%M"),
        admin_cards.REMINDERS: ", ".join(_friendly_hours(h) for h in hours),
        admin_cards.ESCALATION: _friendly_hours(base["escalation"]),
        admin_cards.REVIEW: str(base.get("review") or "none"),
        "copy_of": rnd.key,
        admin_cards.STATUS_SCALE: base["status_scale"] or "",
        admin_cards.RISK_SCALE: base["risk_scale"] or "",
        **{flag: "true" if base[flag] else "false" for flag in admin_cards.QUESTION_TOGGLES},
    }
    return await _form_card(admin, values)


def _friendly_hours(value: str) -> str:
    """ "72h" -> "3" (days, as the form reads bare numbers); other hour counts stay "36h"."""
    hours = int(value.rstrip("h"))
    return str(hours // 24) if hours % 24 == 0 else f"{hours}h"
