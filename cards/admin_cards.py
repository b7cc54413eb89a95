"""The admin's cards for reporting rounds: the round form, the preview of who is asked, the
list of rounds with progress and actions, and the close confirmation.

Pure functions of plain view data. Everything from the store or typed by an admin is escaped
here; catalogue texts go in as they are. Every card stays within the card budget
(``cards.paging.DEFAULT_BUDGET_BYTES``): long owner lists and round lists are cut and summarised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from cards import layout, verbs
from cards.escape import escape_markdown
from cards.layout import Element
from cards.views import OwnerLoad, RoundOverview
from catalogue import texts

# Input ids of the round form; the action data carries the same names back.
NAME = "name"
PLAN = "plan"
ORG_UNITS = "org_units"
KINDS = "kinds"
OPENS_DATE = "opens_date"
OPENS_TIME = "opens_time"
DEADLINE_DATE = "deadline_date"
DEADLINE_TIME = "deadline_time"
REMINDERS = "reminders"
ESCALATION = "escalation"
STATUS_SCALE = "status_scale"
RISK_SCALE = "risk_scale"
# Who fastställer an owner's answers (issue 17): none / line_manager / org_unit_head.
REVIEW = "review"
REVIEW_MODES: Final = ("none", "line_manager", "org_unit_head")
QUESTION_TOGGLES: Final = ("ask_status", "ask_risk", "ask_comment", "ask_value")
FORM_INPUTS: Final = (
    NAME,
    PLAN,
    ORG_UNITS,
    KINDS,
    OPENS_DATE,
    OPENS_TIME,
    DEADLINE_DATE,
    DEADLINE_TIME,
    REMINDERS,
    ESCALATION,
    REVIEW,
    *QUESTION_TOGGLES,
    STATUS_SCALE,
    RISK_SCALE,
)
# Where the error of a round field is shown: after the last input that sets it.
ERROR_ANCHOR: Final[Mapping[str, str]] = {
    "name": NAME,
    "key": NAME,
    "plan": PLAN,
    "org_units": ORG_UNITS,
    "kinds": KINDS,
    "opens": OPENS_TIME,
    "deadline": DEADLINE_TIME,
    "reminders": REMINDERS,
    "escalation": ESCALATION,
    "review": REVIEW,
    **{flag: "ask_value" for flag in QUESTION_TOGGLES},
    "status_scale": STATUS_SCALE,
    "risk_scale": RISK_SCALE,
}
KIND_KEYS: Final = (
    "goal",
    "indicator",
    "activity",
    "assignment",
    "control_point",
    "risk",
    "strategy",
)
PREVIEW_OWNERS: Final = 30
LIST_FAILURES: Final = 3


def extend_date_id(round_id: int) -> str:
    return f"deadline_date.{round_id}"


def extend_time_id(round_id: int) -> str:
    return f"deadline_time.{round_id}"


def _plain(text: str) -> str:
    return escape_markdown(text, keep_line_breaks=False)


@dataclass(frozen=True)
class RoundFormView:
    """The form as the admin last left it: values per input id and errors per input id."""

    values: Mapping[str, str]
    plans: Sequence[tuple[str, str]]  # (key, name)
    org_units: Sequence[tuple[str, str]]  # (key, label)
    errors: Mapping[str, str] = field(default_factory=dict)
    copy_of_key: str | None = None
    copy_of_name: str | None = None
    org_units_left_out: int = 0
    # (key, name) of the scales a round can use; the first is the default.
    status_scales: Sequence[tuple[str, str]] = ()
    risk_scales: Sequence[tuple[str, str]] = ()


def _error_after(body: list[Element], errors: Mapping[str, str], input_id: str) -> None:
    if input_id in errors:
        body.append(layout.field_error(errors[input_id]))


def _choices(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title, "value": key} for key, title in pairs]


def _value(values: Mapping[str, str], key: str) -> dict[str, str]:
    value = values.get(key, "")
    return {"value": value} if value else {}


def create_round_form_card(language: str | None, form: RoundFormView) -> dict[str, Any]:
    """Name, plan and scope, open time and deadline (Swedish local time), reminders,
    escalation and the questions asked; "Förhandsgranska" checks everything and shows who
    would be asked before anything is stored."""
    tx = texts.for_language(language)
    body: list[Element] = [
        *_form_heading(tx, form),
        *_name_and_plan_inputs(tx, form),
        *_scope_inputs(tx, form),
        *_schedule_inputs(tx, form),
        *_follow_up_inputs(tx, form),
        *_question_toggles(tx, form),
        *_scale_inputs(tx, form),
    ]
    return layout.adaptive_card(body, _form_actions(tx, form))


def _form_heading(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """The title (a new round or a copy of one), the error banner and the intro."""
    title = (
        tx.t("admin.form.copy_title", name=_plain(form.copy_of_name))
        if form.copy_of_name
        else tx.t("admin.form.title")
    )
    body: list[Element] = [layout.heading(title)]
    if form.errors:
        body.append(layout.banner(tx.t("admin.form.has_errors"), "attention"))
    body.append(layout.text_block(tx.t("admin.form.intro"), subtle=True, spacing="small"))
    return body


def _name_and_plan_inputs(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """The round's name and the plan it follows up, both required."""
    values, errors = form.values, form.errors
    name_input = layout.text_input(
        NAME,
        label=tx.t("admin.form.name"),
        value=values.get(NAME),
        placeholder=tx.t("admin.form.name_placeholder"),
        max_length=200,
    )
    name_input["isRequired"] = True
    name_input["errorMessage"] = tx.t("admin.error.required")
    body: list[Element] = [name_input]
    _error_after(body, errors, NAME)
    body.append(
        layout.choice_set(
            PLAN,
            label=tx.t("admin.form.plan"),
            choices=list(form.plans),  # choice titles are plain text, not markdown
            value=values.get(PLAN),
            placeholder=tx.t("admin.form.plan_placeholder"),
            required=True,
            error_message=tx.t("admin.error.required"),
        )
    )
    _error_after(body, errors, PLAN)
    return body


def _multi_select(
    values: Mapping[str, str],
    input_id: str,
    *,
    label: str,
    placeholder: str,
    choices: Sequence[tuple[str, str]],
) -> Element:
    return {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "isMultiSelect": True,
        "placeholder": placeholder,
        "choices": _choices(choices),
        **_value(values, input_id),
    }


def _scope_inputs(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """Which org units and which item kinds the round asks about (empty = all)."""
    body: list[Element] = [
        _multi_select(
            form.values,
            ORG_UNITS,
            label=tx.t("admin.form.org_units"),
            placeholder=tx.t("admin.form.org_units_placeholder"),
            choices=form.org_units,
        )
    ]
    if form.org_units_left_out:
        body.append(
            layout.small_note(
                tx.n("admin.form.org_units_left_out", form.org_units_left_out),
                spacing="none",
            )
        )
    _error_after(body, form.errors, ORG_UNITS)
    body.append(
        _multi_select(
            form.values,
            KINDS,
            label=tx.t("admin.form.kinds"),
            placeholder=tx.t("admin.form.kinds_placeholder"),
            choices=[(kind, tx.t(f"admin.kind.{kind}")) for kind in KIND_KEYS],
        )
    )
    _error_after(body, form.errors, KINDS)
    return body


def _required_input(
    tx: texts.Texts, form: RoundFormView, input_type: str, input_id: str, label: str
) -> list[Element]:
    """A required date or time input, followed by its error if it has one."""
    body: list[Element] = [
        {
            "type": input_type,
            "id": input_id,
            "label": label,
            "isRequired": True,
            "errorMessage": tx.t("admin.error.required"),
            **_value(form.values, input_id),
        }
    ]
    _error_after(body, form.errors, input_id)
    return body


def _schedule_inputs(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """Date and time (Swedish local time) for when the round opens and for its deadline."""
    body: list[Element] = []
    for date_id, time_id, label in (
        (OPENS_DATE, OPENS_TIME, "admin.form.opens"),
        (DEADLINE_DATE, DEADLINE_TIME, "admin.form.deadline"),
    ):
        body.extend(_required_input(tx, form, "Input.Date", date_id, tx.t(label)))
        body.extend(_required_input(tx, form, "Input.Time", time_id, tx.t("admin.form.time")))
    return body


def _follow_up_inputs(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """When reminders go out and after how long a missing answer is escalated."""
    values, errors = form.values, form.errors
    body: list[Element] = [
        layout.text_input(
            REMINDERS,
            label=tx.t("admin.form.reminders"),
            value=values.get(REMINDERS),
            placeholder=tx.t("admin.form.reminders_placeholder"),
            max_length=60,
        )
    ]
    _error_after(body, errors, REMINDERS)
    body.append(
        layout.text_input(
            ESCALATION,
            label=tx.t("admin.form.escalation"),
            value=values.get(ESCALATION),
            placeholder=tx.t("admin.form.escalation_placeholder"),
            max_length=20,
        )
    )
    _error_after(body, errors, ESCALATION)
    body.append(
        layout.choice_set(
            REVIEW,
            label=tx.t("review.form.label"),
            choices=[(mode, tx.t(f"review.form.{mode}")) for mode in REVIEW_MODES],
            value=values.get(REVIEW) or "none",
            placeholder=tx.t("review.form.none"),
        )
    )
    _error_after(body, errors, REVIEW)
    return body


def _question_toggles(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """One toggle per question the round asks; all on by default except risk."""
    body: list[Element] = [layout.text_block(tx.t("admin.form.questions"), weight="bolder")]
    for toggle in QUESTION_TOGGLES:
        body.append(
            {
                "type": "Input.Toggle",
                "id": toggle,
                "title": tx.t(f"admin.form.{toggle}"),
                "valueOn": "true",
                "valueOff": "false",
                "value": form.values.get(toggle, "true" if toggle != "ask_risk" else "false"),
                "spacing": "none",
            }
        )
    _error_after(body, form.errors, "ask_value")
    return body


def _scale_inputs(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """The status scale and the risk scale the round's cards, digests and reports use."""
    body: list[Element] = []
    for input_id, scales in ((STATUS_SCALE, form.status_scales), (RISK_SCALE, form.risk_scales)):
        if not scales:
            continue
        body.append(
            layout.choice_set(
                input_id,
                label=tx.t(f"controller.form.{input_id}"),
                choices=list(scales),
                value=form.values.get(input_id) or scales[0][0],
                placeholder=tx.t(f"controller.form.{input_id}"),
            )
        )
        _error_after(body, form.errors, input_id)
    return body


def _form_actions(tx: texts.Texts, form: RoundFormView) -> list[Element]:
    """Preview (carrying the round copied from, if any) and back to all rounds."""
    hidden: dict[str, Any] = {}
    if form.copy_of_key:
        hidden["copy_of"] = form.copy_of_key
    return [
        layout.execute(
            tx.t("admin.action.preview"), verbs.ADMIN_PREVIEW_ROUND, hidden, style="positive"
        ),
        layout.execute(
            tx.t("admin.action.all_rounds"),
            verbs.ADMIN_LIST_ROUNDS,
            {},
            associated_inputs="none",
        ),
    ]


@dataclass(frozen=True)
class RoundPreviewView:
    name: str
    key: str
    plan_name: str
    org_units: Sequence[str]  # unit names; empty = the whole plan
    kinds: Sequence[str]  # kind keys; empty = every kind but strategies
    opens_at: datetime
    deadline_at: datetime
    reminder_hours: Sequence[int]
    escalation_hours: int
    questions: Sequence[str]  # the toggles that are on
    owners: Sequence[OwnerLoad]
    kind_counts: Mapping[str, int]
    # The form's values, carried by the buttons so nothing is stored before "Open"/"Schedule".
    data: Mapping[str, Any]
    time_zone: str
    copy_of_name: str | None = None
    # The names of the scales the round uses, in the reader's language.
    status_scale_name: str | None = None
    risk_scale_name: str | None = None


def items_text(tx: texts.Texts, count: int) -> str:
    return tx.n("count.items", count)


def asked_text(tx: texts.Texts, owners: int, items: int) -> str:
    """E.g. "3 personer tillfrågas om 12 punkter."."""
    return tx.n("admin.preview.summary", owners, items=items_text(tx, items))


def answers_text(tx: texts.Texts, *, answered: int, items: int, done: int, owners: int) -> str:
    """E.g. "Svar: 5 av 12 punkter, 1 av 3 personer klara."."""
    return tx.t(
        "admin.progress.answers",
        answered=answered,
        items=items_text(tx, items),
        done=done,
        owners=tx.n("count.people", owners),
    )


def _hours_text(tx: texts.Texts, hours: int) -> str:
    if hours % 24 == 0:
        return tx.t("admin.duration.days", count=hours // 24)
    return tx.t("admin.duration.hours", count=hours)


def create_round_preview_card(language: str | None, view: RoundPreviewView) -> dict[str, Any]:
    """Who would be asked and about how many items, with the set-up to confirm."""
    tx = texts.for_language(language)
    body: list[Element] = [
        layout.heading(tx.t("admin.preview.title", name=_plain(view.name))),
    ]
    items = sum(owner.items for owner in view.owners)
    body.append(layout.banner(asked_text(tx, len(view.owners), items), "accent"))
    body.extend(layout.fact_row(title, value) for title, value in _preview_facts(tx, view))
    if view.kind_counts:
        counts = ", ".join(
            tx.t("admin.preview.kind_count", kind=tx.t(f"admin.kind.{kind}"), count=count)
            for kind, count in view.kind_counts.items()
        )
        body.append(layout.small_note(counts))
    body.append(_preview_owners(tx, view.owners))
    return layout.adaptive_card(body, _preview_actions(tx, view.data))


def _preview_facts(tx: texts.Texts, view: RoundPreviewView) -> list[tuple[str, str]]:
    """The round's set-up as (title, value) pairs: plan, scope, dates, follow-up, questions."""
    unit_text = (
        ", ".join(_plain(u) for u in view.org_units)
        if view.org_units
        else tx.t("admin.preview.whole_plan")
    )
    kind_text = (
        ", ".join(tx.t(f"admin.kind.{k}") for k in view.kinds)
        if view.kinds
        else tx.t("admin.preview.default_kinds")
    )
    facts: list[tuple[str, str]] = [
        (tx.t("admin.form.plan"), _plain(view.plan_name)),
        (tx.t("admin.form.org_units"), unit_text),
        (tx.t("admin.form.kinds"), kind_text),
        (tx.t("admin.form.opens"), tx.format_datetime(view.opens_at, view.time_zone)),
        (tx.t("admin.form.deadline"), tx.format_datetime(view.deadline_at, view.time_zone)),
        (
            tx.t("admin.preview.reminders"),
            ", ".join(_hours_text(tx, h) for h in view.reminder_hours) or "-",
        ),
        (tx.t("admin.preview.escalation"), _hours_text(tx, view.escalation_hours)),
        (
            tx.t("admin.form.questions"),
            ", ".join(tx.t(f"admin.question.{q}") for q in view.questions),
        ),
    ]
    if view.status_scale_name:
        facts.append((tx.t("controller.form.status_scale"), _plain(view.status_scale_name)))
    if view.risk_scale_name and "ask_risk" in view.questions:
        facts.append((tx.t("controller.form.risk_scale"), _plain(view.risk_scale_name)))
    if view.copy_of_name:
        facts.append((tx.t("admin.preview.copy_of"), _plain(view.copy_of_name)))
    return facts


def _preview_owners(tx: texts.Texts, owners: Sequence[OwnerLoad]) -> Element:
    """The first owners with their item counts; the rest summed up in one line."""
    rows: list[Element] = [
        layout.text_block(tx.t("admin.preview.owners"), weight="bolder"),
    ]
    for owner in owners[:PREVIEW_OWNERS]:
        label = _plain(owner.name)
        if not owner.active:
            label = tx.t("admin.preview.inactive", name=label)
        rows.append(
            layout.fact_row(
                label,
                layout.text_block(items_text(tx, owner.items)),
                wide_title=True,
            )
        )
    hidden = owners[PREVIEW_OWNERS:]
    if hidden:
        rows.append(
            layout.small_note(
                tx.n(
                    "admin.preview.more_owners",
                    len(hidden),
                    items=items_text(tx, sum(o.items for o in hidden)),
                )
            )
        )
    return layout.container(rows, separator=True, spacing="medium")


def _preview_actions(tx: texts.Texts, form_data: Mapping[str, Any]) -> list[Element]:
    """Open now, schedule, or back to the form; each carries the form's values."""
    data = dict(form_data)
    return [
        layout.execute(
            tx.t("admin.action.open_now"),
            verbs.ADMIN_CREATE_ROUND,
            {**data, "start": "now"},
            style="positive",
            associated_inputs="none",
        ),
        layout.execute(
            tx.t("admin.action.schedule"),
            verbs.ADMIN_CREATE_ROUND,
            {**data, "start": "schedule"},
            associated_inputs="none",
        ),
        layout.execute(
            tx.t("admin.action.back"), verbs.ADMIN_ROUND_FORM, data, associated_inputs="none"
        ),
    ]


@dataclass(frozen=True)
class RoundListView:
    rounds: Sequence[RoundOverview]
    time_zone: str
    page: int = 1
    page_count: int = 1
    banner: str | None = None
    banner_good: bool = True
    errors: Mapping[int, str] = field(default_factory=dict)


# Round states as stored (storage.models.RoundState values).
OPEN, SCHEDULED, DRAFT, CLOSED = "open", "scheduled", "draft", "closed"
_STATE_COLOURS: Final[Mapping[str, str]] = {
    OPEN: "good",
    SCHEDULED: "accent",
    DRAFT: "default",
    CLOSED: "default",
}


def _round_section(tx: texts.Texts, rnd: RoundOverview, view: RoundListView) -> Element:
    zone = view.time_zone
    items: list[Element] = [
        layout.fact_row(
            _plain(rnd.name),
            layout.badge(tx.t(f"admin.state.{rnd.state}"), _STATE_COLOURS[rnd.state]),
            wide_title=True,
        ),
        layout.small_note(tx.t("admin.list.key", key=_plain(rnd.key)), spacing="none"),
        layout.text_block(_round_dates_text(tx, rnd, zone), spacing="none"),
        *_round_progress(tx, rnd),
    ]
    if rnd.id in view.errors:
        items.append(layout.field_error(view.errors[rnd.id]))
    items.append(layout.action_set(_round_actions(tx, rnd, zone)))
    return layout.container(items, separator=True, spacing="medium")


def _round_dates_text(tx: texts.Texts, rnd: RoundOverview, zone: str) -> str:
    """When a closed round closed; otherwise when the round opens and its deadline."""
    if rnd.state == CLOSED and rnd.closed_at is not None:
        return tx.t("admin.list.closed_at", closed=tx.format_datetime(rnd.closed_at, zone))
    return tx.t(
        "admin.list.dates",
        opens=tx.format_datetime(rnd.opens_at, zone),
        deadline=tx.format_datetime(rnd.deadline_at, zone),
    )


def _round_progress(tx: texts.Texts, rnd: RoundOverview) -> list[Element]:
    """Answers so far (or who will be asked), cards sent, the first failures, a failed publish."""
    if rnd.state in (OPEN, CLOSED):
        answers = answers_text(
            tx,
            answered=rnd.answered,
            items=rnd.items,
            done=rnd.owners_done,
            owners=rnd.owners,
        )
    else:
        answers = asked_text(tx, rnd.owners, rnd.items)
    lines: list[Element] = [layout.text_block(answers, spacing="none")]
    if rnd.fanout.get("total", 0):
        lines.append(
            layout.text_block(
                tx.t(
                    "admin.progress.fanout",
                    sent=rnd.sent,
                    failed=rnd.failed_count,
                    pending=rnd.pending,
                ),
                color="attention" if rnd.failed_count else None,
                spacing="none",
            )
        )
    for failure in rnd.failed[:LIST_FAILURES]:
        lines.append(
            layout.small_note(
                tx.t(
                    "admin.progress.failed_line",
                    name=_plain(failure.person_name or "?"),
                    status=failure.last_status or "-",
                    reason=_plain(failure.reason[:120] or "-"),
                ),
                spacing="none",
            )
        )
    if rnd.publish_error and not rnd.intranet_url:
        lines.append(
            layout.small_note(
                tx.t("admin.progress.publish_failed", error=_plain(rnd.publish_error[:120])),
                spacing="none",
            )
        )
    return lines


def _round_actions(tx: texts.Texts, rnd: RoundOverview, zone: str) -> list[Element]:
    """What the admin can do with the round in its state; copying is always possible."""
    actions: list[Element] = []
    target = {"round_id": rnd.id}
    if rnd.intranet_url and rnd.intranet_url.startswith("https://"):
        actions.append(layout.open_url(tx.t("card.open_round_summary"), rnd.intranet_url))
    if rnd.state in (DRAFT, SCHEDULED):
        actions.append(
            layout.execute(
                tx.t("admin.action.open_now"),
                verbs.ADMIN_OPEN_ROUND,
                target,
                associated_inputs="none",
            )
        )
    if rnd.state == OPEN and rnd.failed_count:
        actions.append(
            layout.execute(
                tx.t("admin.action.retry_failed"),
                verbs.ADMIN_RETRY_FAILED,
                target,
                associated_inputs="none",
            )
        )
    if rnd.state != CLOSED:
        actions.append(_extend_action(tx, rnd, zone))
        actions.append(
            layout.execute(
                tx.t("admin.action.close"),
                verbs.ADMIN_CONFIRM_CLOSE,
                target,
                associated_inputs="none",
            )
        )
    actions.append(
        layout.execute(
            tx.t("admin.action.copy"), verbs.ADMIN_COPY_ROUND, target, associated_inputs="none"
        )
    )
    return actions


def _extend_action(tx: texts.Texts, rnd: RoundOverview, zone: str) -> Element:
    local = rnd.deadline_at.astimezone(ZoneInfo(zone))
    card = layout.adaptive_card(
        [
            {
                "type": "Input.Date",
                "id": extend_date_id(rnd.id),
                "label": tx.t("admin.form.deadline"),
                "value": local.date().isoformat(),
                "isRequired": True,
                "errorMessage": tx.t("admin.error.required"),
            },
            {
                "type": "Input.Time",
                "id": extend_time_id(rnd.id),
                "label": tx.t("admin.form.time"),
                "value": local.strftime("%H:%M"),
                "isRequired": True,
                "errorMessage": tx.t("admin.error.required"),
            },
        ],
        [
            layout.execute(
                tx.t("admin.action.save_deadline"),
                verbs.ADMIN_EXTEND_ROUND,
                {"round_id": rnd.id},
                style="positive",
            )
        ],
    )
    # A nested card inherits the outer card's schema and version; Teams rejects repeats.
    del card["$schema"]
    del card["version"]
    return {"type": "Action.ShowCard", "title": tx.t("admin.action.extend"), "card": card}


def create_round_list_card(language: str | None, view: RoundListView) -> dict[str, Any]:
    """Every round with its state, dates and progress (answers; cards sent, failed, pending),
    and what the admin can do next."""
    tx = texts.for_language(language)
    body: list[Element] = [layout.heading(tx.t("admin.list.title"))]
    if view.banner:
        body.append(layout.banner(_plain(view.banner), "good" if view.banner_good else "attention"))
    if not view.rounds:
        body.append(layout.text_block(tx.t("admin.list.none")))
    body.extend(_round_section(tx, rnd, view) for rnd in view.rounds)
    if view.page_count > 1:
        body.append(
            layout.small_note(tx.t("admin.list.page", page=view.page, page_count=view.page_count))
        )
    actions: list[Element] = [
        layout.execute(
            tx.t("admin.action.new_round"), verbs.ADMIN_ROUND_FORM, {}, associated_inputs="none"
        ),
        layout.execute(
            tx.t("admin.action.refresh"),
            verbs.ADMIN_LIST_ROUNDS,
            {"page": view.page},
            associated_inputs="none",
        ),
    ]
    if view.page > 1:
        actions.append(
            layout.execute(
                tx.t("admin.action.previous_page"),
                verbs.ADMIN_LIST_ROUNDS,
                {"page": view.page - 1},
                associated_inputs="none",
            )
        )
    if view.page < view.page_count:
        actions.append(
            layout.execute(
                tx.t("admin.action.next_page"),
                verbs.ADMIN_LIST_ROUNDS,
                {"page": view.page + 1},
                associated_inputs="none",
            )
        )
    return layout.adaptive_card(body, actions)


def create_close_confirm_card(
    language: str | None, rnd: RoundOverview, time_zone: str
) -> dict[str, Any]:
    """Closing cannot be undone, so it asks once more and says what will happen."""
    tx = texts.for_language(language)
    body: list[Element] = [
        layout.heading(tx.t("admin.close.title", name=_plain(rnd.name))),
        layout.text_block(
            answers_text(
                tx,
                answered=rnd.answered,
                items=rnd.items,
                done=rnd.owners_done,
                owners=rnd.owners,
            )
        ),
        layout.text_block(
            tx.t(
                "admin.list.dates",
                opens=tx.format_datetime(rnd.opens_at, time_zone),
                deadline=tx.format_datetime(rnd.deadline_at, time_zone),
            ),
            spacing="none",
        ),
        layout.banner(tx.t("admin.close.warning"), "warning"),
    ]
    actions = [
        layout.execute(
            tx.t("admin.action.confirm_close"),
            verbs.ADMIN_CLOSE_ROUND,
            {"round_id": rnd.id},
            style="destructive",
            associated_inputs="none",
        ),
        layout.execute(
            tx.t("admin.action.cancel"), verbs.ADMIN_LIST_ROUNDS, {}, associated_inputs="none"
        ),
    ]
    return layout.adaptive_card(body, actions)
