"""Recording a manager's answers from a status card.

The rules, in the order they are checked:
1. the round exists and is open (a closed round stores nothing);
2. every item in the submission belongs to this request, and the person submitting is the
   owner or the item's delegate (anyone else is refused, nothing stored);
3. every field is valid (status from the scale, comment within the limit, value numeric,
   risk within the scale) - otherwise all errors go back, nothing stored;
4. nobody else answered an item since the card was rendered - otherwise a conflict, nothing
   stored, so no answer is silently overwritten;
5. an item whose submitted answer equals its current answer gets no new row, which makes
   double submits and replays harmless.
Everything that passes is written as new revisions in the caller's transaction.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import input_id
from services.platform.numbers import parse_stored_decimal
from services.standins import substitutes
from storage import indicators as indicator_store
from storage import responses as response_store
from storage import reviews as review_store
from storage import rounds as round_store
from storage.models import (
    ItemKind,
    Person,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    ResponseSource,
    RoundItem,
    RoundState,
)

_INPUT_ID = re.compile(
    r"^(status|likelihood|consequence|comment|value|correction|reason)\.(\d{1,18})$"
)
# Row ids are 32-bit integers in the store; a larger id names no row, and PostgreSQL refuses
# to even compare with it, so such ids are refused before any query.
MAX_ROW_ID = 2**31 - 1
_MAX_ITEMS_PER_SUBMIT = 500
# An indicator value as typed on the card ("12,5", "12.5", "12 500", "−3"), as the store keeps it.
parse_number = parse_stored_decimal


class Outcome(enum.StrEnum):
    RECORDED = "recorded"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    CONFLICT = "conflict"
    CLOSED = "closed"
    REFUSED = "refused"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class FieldError:
    """A validation message code (looked up in the text catalogue) and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submission:
    round_id: int
    request_id: int
    page: int
    expected_revisions: Mapping[int, int]
    # The raw card inputs, keyed by input id ("status.42"); values as the client sent them.
    inputs: Mapping[str, Any]


@dataclass(frozen=True)
class ConflictInfo:
    item_id: int
    answered_by: str
    answered_at: datetime


@dataclass
class SubmitResult:
    outcome: Outcome
    errors: dict[str, FieldError] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    recorded: list[Response] = field(default_factory=list)
    conflict: ConflictInfo | None = None
    refusal: str | None = None  # message code for the card banner


class MalformedSubmission(ValueError):
    """The action data is not a status submission at all (wrong shape or types)."""


def _is_number(text: str) -> bool:
    # str.isdigit() alone admits "²", which int() refuses.
    return text.isascii() and text.isdigit()


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise MalformedSubmission(f"{name} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _is_number(value.strip()) and len(value.strip()) <= 18:
        return int(value.strip())
    raise MalformedSubmission(f"{name} must be an integer")


def _row_id(value: Any, name: str) -> int:
    number = _as_int(value, name)
    if not 0 <= number <= MAX_ROW_ID:
        raise MalformedSubmission(f"{name} is not a known id")
    return number


def parse_submission(data: Mapping[str, Any]) -> Submission:
    """Turn Action.Execute data into a Submission, refusing anything of the wrong shape."""
    if not isinstance(data, Mapping):
        raise MalformedSubmission("action data must be an object")
    round_id = _row_id(data.get("round_id"), "round_id")
    request_id = _row_id(data.get("request_id"), "request_id")
    page = _as_int(data.get("page", 1), "page")
    raw_revisions = data.get("revisions")
    if raw_revisions is None:
        raw_revisions = {}
    if not isinstance(raw_revisions, Mapping):
        raise MalformedSubmission("revisions must be an object")
    revisions = {
        _as_int(k, "revision item"): _as_int(v, "revision") for k, v in raw_revisions.items()
    }
    inputs = {key: value for key, value in data.items() if _INPUT_ID.match(str(key))}
    if any(not 0 <= item_id <= MAX_ROW_ID for item_id in _item_ids(inputs)):
        raise MalformedSubmission("unknown item id")
    if len({int(_INPUT_ID.match(k).group(2)) for k in inputs}) > _MAX_ITEMS_PER_SUBMIT:  # type: ignore[union-attr]
        raise MalformedSubmission("too many items")
    return Submission(round_id, request_id, page, revisions, inputs)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise MalformedSubmission("input values must be text or numbers")


@dataclass(frozen=True)
class ParsedAnswer:
    status_key: str | None
    likelihood: int | None
    consequence: int | None
    comment: str | None
    value: Decimal | None
    # A manager's correction of the loaded value of an indicator, and why.
    correction: Decimal | None = None
    reason: str | None = None

    def same_as(self, response: Response | None) -> bool:
        if response is None:
            return False
        stored_value = None if response.value is None else Decimal(response.value).normalize()
        mine = None if self.value is None else self.value.normalize()
        return (
            self.status_key == response.status_key
            and self.likelihood == response.likelihood
            and self.consequence == response.consequence
            and (self.comment or None) == (response.comment or None)
            and mine == stored_value
        )


def _validate_item(
    rnd: ReportingRound,
    round_item: RoundItem,
    inputs: Mapping[str, Any],
    errors: dict[str, FieldError],
    *,
    indicator: bool = False,
) -> ParsedAnswer:
    item_id = round_item.item_id

    def raw(answer_field: str) -> str:
        return _text(inputs.get(input_id(answer_field, item_id))).strip()

    status = _valid_status(rnd, item_id, raw("status") or None, errors)

    comment = raw("comment") or None
    if comment is not None and len(comment) > rnd.comment_max_length:
        errors[input_id("comment", item_id)] = FieldError(
            "error.comment_too_long", {"max": rnd.comment_max_length, "length": len(comment)}
        )

    value: Decimal | None = None
    if round_item.ask_value:
        try:
            value = parse_number(raw("value"))
        except ValueError:
            errors[input_id("value", item_id)] = FieldError("error.value_not_number")

    likelihood = consequence = None
    if round_item.ask_risk and rnd.risk_scale is not None:
        scale = rnd.risk_scale
        likelihood = _valid_risk_level(item_id, "likelihood", raw, scale.likelihood_max, errors)
        consequence = _valid_risk_level(item_id, "consequence", raw, scale.consequence_max, errors)
        _one_error_for_missing_risk(errors, item_id)
    correction, reason = _valid_correction(rnd, item_id, raw, errors) if indicator else (None, None)
    if correction is not None:
        value = correction  # the corrected outcome is the answer's value too
    return ParsedAnswer(status, likelihood, consequence, comment, value, correction, reason)


def _valid_correction(
    rnd: ReportingRound,
    item_id: int,
    raw: Callable[[str], str],
    errors: dict[str, FieldError],
) -> tuple[Decimal | None, str | None]:
    """A corrected value of the loaded outcome, with its reason: required with a value, as
    a correction of a public record must say why."""
    typed = raw("correction")
    reason = raw("reason") or None
    if not typed:
        return None, None
    try:
        correction = parse_number(typed)
    except ValueError:
        errors[input_id("correction", item_id)] = FieldError("error.value_not_number")
        return None, None
    if reason is None:
        errors[input_id("reason", item_id)] = FieldError("attainment.correction.reason_required")
    elif len(reason) > rnd.comment_max_length:
        errors[input_id("reason", item_id)] = FieldError(
            "error.comment_too_long", {"max": rnd.comment_max_length, "length": len(reason)}
        )
    return correction, reason


def _valid_status(
    rnd: ReportingRound, item_id: int, status: str | None, errors: dict[str, FieldError]
) -> str | None:
    """The status key if it is on the round's scale; a missing status is an error only when
    the round asks for one."""
    allowed = {option.key for option in rnd.status_scale.options}
    if rnd.ask_status and status is None:
        errors[input_id("status", item_id)] = FieldError("error.status_missing")
    elif status is not None and status not in allowed:
        errors[input_id("status", item_id)] = FieldError("error.status_unknown")
        return None
    return status


def _valid_risk_level(
    item_id: int,
    axis: str,
    raw: Callable[[str], str],
    maximum: int,
    errors: dict[str, FieldError],
) -> int | None:
    """The chosen level on one risk axis (1 to ``maximum``), or None with its error noted."""
    text = raw(axis)
    if not text:
        errors[input_id(axis, item_id)] = FieldError(f"error.{axis}_missing")
        return None
    if not _is_number(text) or not 1 <= int(text) <= maximum:
        errors[input_id(axis, item_id)] = FieldError("error.risk_out_of_scale", {"max": maximum})
        return None
    return int(text)


def _one_error_for_missing_risk(errors: dict[str, FieldError], item_id: int) -> None:
    """Neither axis chosen is one mistake ("Välj sannolikhet och konsekvens"); "choose the
    likelihood too" is for when the consequence is already there, and vice versa."""
    keys = (input_id("likelihood", item_id), input_id("consequence", item_id))
    wanted = ("error.likelihood_missing", "error.consequence_missing")
    if tuple(errors[key].code if key in errors else None for key in keys) == wanted:
        for key in keys:
            errors[key] = FieldError("error.risk_missing")


def _typed_values(inputs: Mapping[str, Any]) -> dict[str, str]:
    typed: dict[str, str] = {}
    for key, value in inputs.items():
        try:
            typed[key] = _text(value)
        except MalformedSubmission:
            continue
    return typed


def _item_ids(inputs: Mapping[str, Any]) -> list[int]:
    ids = {int(match.group(2)) for key in inputs if (match := _INPUT_ID.match(key))}
    return sorted(ids)


def may_answer(actor: Person, request_person_id: int, item: PlanItem) -> bool:
    """Owners answer for their own items; a delegate may answer for the items delegated."""
    return actor.id == request_person_id or (
        item.delegate_id is not None and actor.id == item.delegate_id
    )


async def submit(
    session: AsyncSession,
    *,
    actor: Person,
    submission: Submission,
    now: datetime,
    source: ResponseSource = ResponseSource.TEAMS_CARD,
    submission_key: str | None = None,
) -> SubmitResult:
    """Check a status submission by the rules above, in order; store it only if all pass."""
    typed = _typed_values(submission.inputs)
    try:
        rnd, request = await _open_round_and_request(session, submission)
        await _stop_if_already_recorded(session, rnd, actor, submission_key)
        if await review_store.latest_is_approved(session, rnd.id, request.person_id):
            # Fastställda answers are locked; sending them back is how they open again.
            raise _Stop(Outcome.REFUSED, refusal="review.refusal.locked")
        item_ids = _item_ids(submission.inputs)
        rows = await _items_actor_may_answer(session, actor, rnd, request, item_ids, now)
        parsed = _valid_answers(rnd, rows, submission.inputs)
        current = await response_store.current_answers(session, rnd.id, item_ids)
        changed = {
            item_id: answer
            for item_id, answer in parsed.items()
            if not answer.same_as(current.get(item_id))
        }
        await _stop_on_conflict(session, changed, current, submission.expected_revisions)
    except _Stop as stop:
        return stop.result(typed)
    corrected = await _store_corrections(session, rnd, actor, parsed, now)
    if not changed and not corrected:
        return SubmitResult(Outcome.UNCHANGED, typed=typed)

    recording = _Recording(rnd.id, request.id, actor.id, now, source, submission_key)
    recorded = [
        response_store.append(session, recording.revision(item_id, answer, current.get(item_id)))
        for item_id, answer in changed.items()
    ]
    # The unique (round, item, revision) constraint turns a concurrent double submit into an
    # IntegrityError here; the caller retries in a new transaction and then sees UNCHANGED.
    await session.flush()
    return SubmitResult(Outcome.RECORDED, typed=typed, recorded=recorded)


async def _store_corrections(
    session: AsyncSession,
    rnd: ReportingRound,
    actor: Person,
    parsed: Mapping[int, ParsedAnswer],
    now: datetime,
) -> int:
    """The manager's corrections as new indicator values of the round's period; the loaded
    value stays beneath, and the same correction sent twice adds nothing."""
    stored = 0
    for item_id, answer in parsed.items():
        if answer.correction is None:
            continue
        row = await indicator_store.append_value(
            session,
            item_id=item_id,
            period=indicator_store.round_period(rnd),
            value=answer.correction,
            source=indicator_store.CORRECTION_SOURCE,
            recorded_by=actor.upn,
            reason=answer.reason,
            now=now,
        )
        stored += row is not None
    return stored


class _Stop(Exception):
    """A check ended the submit before anything was stored, with this outcome."""

    def __init__(
        self,
        outcome: Outcome,
        *,
        refusal: str | None = None,
        errors: dict[str, FieldError] | None = None,
        conflict: ConflictInfo | None = None,
    ) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome
        self.refusal = refusal
        self.errors = errors if errors is not None else {}
        self.conflict = conflict

    def result(self, typed: dict[str, str]) -> SubmitResult:
        return SubmitResult(
            self.outcome,
            errors=self.errors,
            typed=typed,
            conflict=self.conflict,
            refusal=self.refusal,
        )


async def _open_round_and_request(
    session: AsyncSession, submission: Submission
) -> tuple[ReportingRound, ReportRequest]:
    """The round and the request the card was sent for; the round must be open."""
    rnd = await round_store.get_round(session, submission.round_id)
    request = await round_store.get_request(session, submission.request_id)
    if rnd is None or request is None or request.round_id != rnd.id:
        raise _Stop(Outcome.NOT_FOUND, refusal="refusal.unknown_request")
    if rnd.state == RoundState.CLOSED:
        raise _Stop(Outcome.CLOSED, refusal="refusal.round_closed")
    if rnd.state != RoundState.OPEN:
        raise _Stop(Outcome.CLOSED, refusal="refusal.round_not_open")
    return rnd, request


async def _stop_if_already_recorded(
    session: AsyncSession, rnd: ReportingRound, actor: Person, submission_key: str | None
) -> None:
    if submission_key is not None and await response_store.recorded_by_submission(
        session, rnd.id, submission_key, actor.id
    ):
        # Teams redelivers an invoke it saw no answer to with the same activity id: that
        # submit is already stored, even if someone has answered the same item since.
        raise _Stop(Outcome.UNCHANGED)


async def _items_actor_may_answer(
    session: AsyncSession,
    actor: Person,
    rnd: ReportingRound,
    request: ReportRequest,
    item_ids: list[int],
    now: datetime,
) -> list[tuple[RoundItem, PlanItem]]:
    """The submitted items, each in this request and answerable by the actor (owner,
    delegate, or the owner's substitute today); anything else refuses the whole submit."""
    if not item_ids:
        raise _Stop(Outcome.INVALID, refusal="error.nothing_submitted")
    rows = await round_store.round_items_by_ids(session, rnd.id, item_ids)
    if len(rows) != len(item_ids) or any(ri.owner_id != request.person_id for ri, _ in rows):
        raise _Stop(Outcome.REFUSED, refusal="refusal.not_your_item")
    if not all(may_answer(actor, request.person_id, item) for _, item in rows):
        owner = await session.get(Person, request.person_id)
        if owner is None or not await substitutes.stands_in(session, actor, owner, now):
            raise _Stop(Outcome.REFUSED, refusal="refusal.not_your_item")
    return rows


def _valid_answers(
    rnd: ReportingRound, rows: list[tuple[RoundItem, PlanItem]], inputs: Mapping[str, Any]
) -> dict[int, ParsedAnswer]:
    """Every item's answer, parsed; any field error anywhere stops the submit with all of them."""
    errors: dict[str, FieldError] = {}
    parsed = {
        ri.item_id: _validate_item(
            rnd, ri, inputs, errors, indicator=item.kind == ItemKind.INDICATOR
        )
        for ri, item in rows
    }
    if errors:
        raise _Stop(Outcome.INVALID, errors=errors)
    return parsed


async def _stop_on_conflict(
    session: AsyncSession,
    changed: Mapping[int, ParsedAnswer],
    current: Mapping[int, Response],
    expected_revisions: Mapping[int, int],
) -> None:
    """Someone else answered a changed item since the card was rendered: name who and when."""
    for item_id in changed:
        existing = current.get(item_id)
        expected = expected_revisions.get(item_id, 0)
        if existing is not None and existing.revision != expected:
            names = await response_store.answerer_names(session, [existing.answered_by_id])
            raise _Stop(
                Outcome.CONFLICT,
                conflict=ConflictInfo(
                    item_id, names.get(existing.answered_by_id, "?"), existing.answered_at
                ),
                refusal="refusal.conflict",
            )


@dataclass(frozen=True)
class _Recording:
    """Where the new revisions of one submit go, and who gave them, when and how."""

    round_id: int
    request_id: int
    answered_by_id: int
    answered_at: datetime
    source: ResponseSource
    submission_key: str | None

    def revision(self, item_id: int, answer: ParsedAnswer, existing: Response | None) -> Response:
        return Response(
            round_id=self.round_id,
            item_id=item_id,
            request_id=self.request_id,
            revision=(existing.revision if existing else 0) + 1,
            status_key=answer.status_key,
            likelihood=answer.likelihood,
            consequence=answer.consequence,
            comment=answer.comment,
            value=answer.value,
            answered_by_id=self.answered_by_id,
            answered_at=self.answered_at,
            source=self.source,
            submission_key=self.submission_key,
        )
