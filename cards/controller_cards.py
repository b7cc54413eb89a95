"""The planning controller's cards in Teams: the preview of a file sent for import, the
steering group form and list, and the list of admins.

Pure functions of plain view values. Everything from a file, the store or an admin is
escaped here; catalogue texts go in as they are. Long lists (bad rows, groups) are cut to
stay within the card budget, saying how many more there are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from cards import layout, verbs
from cards.escape import escape_markdown
from cards.layout import Element
from catalogue import texts

# Bad rows shown in a preview; a wrong column mapping makes every row fail, and the first
# ones say enough (the card states how many more there are).
MAX_ROW_ERRORS: Final = 100
MAX_GROUPS_SHOWN: Final = 25

# Input ids of the steering group form.
GROUP_NAME = "group_name"
GROUP_ORG_UNITS = "group_org_units"
GROUP_PLAN_ITEMS = "group_plan_items"
GROUP_WEEKDAY = "group_weekday"
GROUP_HOUR = "group_hour"
GROUP_TIME_ZONE = "group_time_zone"
GROUP_INPUTS: Final = (
    GROUP_NAME,
    GROUP_ORG_UNITS,
    GROUP_PLAN_ITEMS,
    GROUP_WEEKDAY,
    GROUP_HOUR,
    GROUP_TIME_ZONE,
)
ADMIN_IDENTITY = "admin_identity"
WEEKDAY_OFF: Final = "0"


def _plain(text: str) -> str:
    return escape_markdown(text, keep_line_breaks=False)


# ---------------------------------------------------------------------------------------------
# Import preview


@dataclass(frozen=True)
class ImportPreviewView:
    kind: str  # plan / people / org
    file_name: str
    target: str | None  # the plan's key and name, for a plan
    counts: Mapping[str, int]  # rows, created, updated, unchanged, deactivated, reactivated
    errors: Sequence[str]  # every bad row, rendered ("Rad 12: ...")
    ignored_columns: Sequence[str] = ()
    pending_id: int | None = None  # set when the file can be imported
    state: str = "pending"  # pending / imported / cancelled


def create_import_preview_card(language: str | None, view: ImportPreviewView) -> dict[str, Any]:
    """What the import would do, or every bad row; Importera and Avbryt while it waits."""
    tx = texts.for_language(language)
    title = tx.t(f"controller.import.title.{view.kind}", file=_plain(view.file_name))
    body: list[Element] = [layout.heading(title)]
    if view.target:
        body.append(layout.text_block(_plain(view.target), subtle=True, spacing="none"))
    if view.errors:
        body.extend(_import_errors(tx, view.errors))
        return layout.adaptive_card(body)
    body.extend(_import_counts(tx, view))
    if view.state != "pending" or view.pending_id is None:
        body.append(layout.banner(tx.t(f"controller.import.state.{view.state}"), "good"))
        return layout.adaptive_card(body)
    body.append(layout.text_block(tx.t("controller.import.nothing_stored_yet"), spacing="medium"))
    data = {"pending_id": view.pending_id}
    return layout.adaptive_card(
        body,
        [
            layout.execute(
                tx.t("controller.import.action.import"),
                verbs.CONTROLLER_IMPORT,
                data,
                style="positive",
            ),
            layout.execute(tx.t("controller.import.action.cancel"), verbs.CONTROLLER_CANCEL, data),
        ],
    )


def _import_counts(tx: texts.Texts, view: ImportPreviewView) -> list[Element]:
    counts = view.counts
    rows = [
        layout.fact_row(tx.t(f"controller.import.count.{name}"), str(counts.get(name, 0)))
        for name in ("rows", "created", "updated", "reactivated", "deactivated", "unchanged")
        if name == "rows" or counts.get(name, 0)
    ]
    if view.ignored_columns:
        names = ", ".join(_plain(c) for c in view.ignored_columns)
        rows.append(layout.small_note(tx.t("controller.import.ignored_columns", names=names)))
    return rows


def _import_errors(tx: texts.Texts, errors: Sequence[str]) -> list[Element]:
    body: list[Element] = [
        layout.banner(tx.n("controller.import.errors", len(errors)), "attention"),
    ]
    body.extend(
        layout.text_block(_plain(line), size="small", spacing="none")
        for line in errors[:MAX_ROW_ERRORS]
    )
    if len(errors) > MAX_ROW_ERRORS:
        body.append(
            layout.small_note(tx.n("controller.import.more_errors", len(errors) - MAX_ROW_ERRORS))
        )
    body.append(layout.text_block(tx.t("controller.import.fix_and_resend"), spacing="medium"))
    return body


# ---------------------------------------------------------------------------------------------
# Steering groups


@dataclass(frozen=True)
class SteeringFormView:
    values: Mapping[str, str]
    org_units: Sequence[tuple[str, str]]  # (key, label)
    plan_items: Sequence[tuple[str, str]]  # (key, label)
    time_zones: Sequence[str]
    group_id: int | None = None  # editing this group; None = a new one for this channel
    errors: Mapping[str, str] = field(default_factory=dict)


def create_steering_form_card(language: str | None, form: SteeringFormView) -> dict[str, Any]:
    tx = texts.for_language(language)
    title = (
        "controller.steering.form.edit_title" if form.group_id else "controller.steering.form.title"
    )
    body: list[Element] = [layout.heading(tx.t(title))]
    if form.errors:
        body.append(layout.banner(tx.t("admin.form.has_errors"), "attention"))
    if form.group_id is None:
        body.append(
            layout.text_block(tx.t("controller.steering.form.intro"), subtle=True, spacing="small")
        )
    body.extend(_group_inputs(tx, form))
    data: dict[str, Any] = {} if form.group_id is None else {"group_id": form.group_id}
    return layout.adaptive_card(
        body,
        [
            layout.execute(
                tx.t("controller.steering.action.save"),
                verbs.STEERING_SAVE,
                data,
                style="positive",
            ),
            layout.execute(
                tx.t("controller.steering.action.all"),
                verbs.STEERING_LIST,
                {},
                associated_inputs="none",
            ),
        ],
    )


def _multi(form: SteeringFormView, input_id: str, label: str, placeholder: str) -> Element:
    choices = form.org_units if input_id == GROUP_ORG_UNITS else form.plan_items
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "isMultiSelect": True,
        "placeholder": placeholder,
        "choices": [{"title": title, "value": key} for key, title in choices],
    }
    if form.values.get(input_id):
        element["value"] = form.values[input_id]
    return element


def _group_inputs(tx: texts.Texts, form: SteeringFormView) -> list[Element]:
    values = form.values
    name = layout.text_input(
        GROUP_NAME,
        label=tx.t("controller.steering.form.name"),
        value=values.get(GROUP_NAME),
        placeholder=tx.t("controller.steering.form.name_placeholder"),
        max_length=200,
    )
    name["isRequired"] = True
    name["errorMessage"] = tx.t("admin.error.required")
    scope_hint = tx.t("controller.steering.form.scope_hint")
    body: list[Element] = [
        name,
        *_error(form, GROUP_NAME),
        _multi(form, GROUP_ORG_UNITS, tx.t("controller.steering.form.org_units"), scope_hint),
        *_error(form, GROUP_ORG_UNITS),
        _multi(form, GROUP_PLAN_ITEMS, tx.t("controller.steering.form.plan_items"), scope_hint),
        *_error(form, GROUP_PLAN_ITEMS),
    ]
    body.extend(_schedule_inputs(tx, form))
    return body


def _error(form: SteeringFormView, input_id: str) -> list[Element]:
    return [layout.field_error(form.errors[input_id])] if input_id in form.errors else []


def _schedule_inputs(tx: texts.Texts, form: SteeringFormView) -> list[Element]:
    weekdays = [(WEEKDAY_OFF, tx.t("controller.steering.weekday.0"))] + [
        (str(day), tx.t(f"controller.steering.weekday.{day}")) for day in range(1, 8)
    ]
    hours = [(str(hour), f"{hour:02d}:00") for hour in range(24)]
    return [
        layout.choice_set(
            GROUP_WEEKDAY,
            label=tx.t("controller.steering.form.weekday"),
            choices=weekdays,
            value=form.values.get(GROUP_WEEKDAY) or "1",
            placeholder=tx.t("controller.steering.form.weekday"),
        ),
        layout.choice_set(
            GROUP_HOUR,
            label=tx.t("controller.steering.form.hour"),
            choices=hours,
            value=form.values.get(GROUP_HOUR) or "8",
            placeholder=tx.t("controller.steering.form.hour"),
        ),
        *_error(form, GROUP_HOUR),
        layout.choice_set(
            GROUP_TIME_ZONE,
            label=tx.t("controller.steering.form.time_zone"),
            choices=[(zone, zone) for zone in form.time_zones],
            value=form.values.get(GROUP_TIME_ZONE) or form.time_zones[0],
            placeholder=tx.t("controller.steering.form.time_zone"),
        ),
        *_error(form, GROUP_TIME_ZONE),
    ]


@dataclass(frozen=True)
class SteeringGroupLine:
    group_id: int
    key: str
    name: str
    org_units: Sequence[str]  # unit names
    plan_items: Sequence[str]  # item keys and titles
    channel_linked: bool
    next_digest: datetime | None
    time_zone: str


@dataclass(frozen=True)
class SteeringListView:
    groups: Sequence[SteeringGroupLine]
    banner: str | None = None
    banner_good: bool = True


def create_steering_list_card(language: str | None, view: SteeringListView) -> dict[str, Any]:
    tx = texts.for_language(language)
    body: list[Element] = [layout.heading(tx.t("controller.steering.list.title"))]
    if view.banner:
        body.append(layout.banner(_plain(view.banner), "good" if view.banner_good else "attention"))
    if not view.groups:
        body.append(layout.text_block(tx.t("controller.steering.list.none")))
    for line in view.groups[:MAX_GROUPS_SHOWN]:
        body.append(_group_box(tx, line))
    if len(view.groups) > MAX_GROUPS_SHOWN:
        more = len(view.groups) - MAX_GROUPS_SHOWN
        body.append(layout.small_note(tx.n("controller.steering.list.more", more)))
    return layout.adaptive_card(body)


def _group_box(tx: texts.Texts, line: SteeringGroupLine) -> Element:
    scope = [*(_plain(u) for u in line.org_units), *(_plain(i) for i in line.plan_items)]
    digest = (
        tx.format_datetime(line.next_digest, line.time_zone)
        if line.next_digest is not None
        else tx.t("controller.steering.list.no_digest")
    )
    channel = tx.t(
        "controller.steering.list.channel_linked"
        if line.channel_linked
        else "controller.steering.list.no_channel"
    )
    data = {"group_id": line.group_id}
    return layout.container(
        [
            layout.text_block(f"{_plain(line.name)} ({_plain(line.key)})", weight="bolder"),
            layout.fact_row(
                tx.t("controller.steering.list.scope"),
                ", ".join(scope) or tx.t("controller.steering.list.whole_plan"),
            ),
            layout.fact_row(tx.t("controller.steering.list.next_digest"), digest),
            layout.fact_row(tx.t("controller.steering.list.channel"), channel),
            layout.action_set(
                [
                    layout.execute(
                        tx.t("controller.steering.action.edit"), verbs.STEERING_EDIT, data
                    ),
                    layout.execute(
                        tx.t("controller.steering.action.remove"),
                        verbs.STEERING_CONFIRM_REMOVE,
                        data,
                        style="destructive",
                    ),
                ]
            ),
        ],
        separator=True,
        spacing="medium",
    )


def create_steering_remove_card(language: str | None, group_id: int, name: str) -> dict[str, Any]:
    tx = texts.for_language(language)
    body = [
        layout.heading(tx.t("controller.steering.remove.title")),
        layout.text_block(tx.t("controller.steering.remove.text", name=_plain(name))),
    ]
    return layout.adaptive_card(
        body,
        [
            layout.execute(
                tx.t("controller.steering.action.confirm_remove"),
                verbs.STEERING_REMOVE,
                {"group_id": group_id},
                style="destructive",
            ),
            layout.execute(tx.t("controller.steering.action.all"), verbs.STEERING_LIST, {}),
        ],
    )


# ---------------------------------------------------------------------------------------------
# Admins


@dataclass(frozen=True)
class AdminLine:
    label: str  # a name and UPN, or the identity as given
    grant_id: int | None  # None = from LAGESBOT_ADMINS (not removable in Teams)
    added: str | None = None  # "by whom, when", for grants


@dataclass(frozen=True)
class AdminListView:
    admins: Sequence[AdminLine]
    banner: str | None = None
    banner_good: bool = True
    error: str | None = None


def create_admin_list_card(language: str | None, view: AdminListView) -> dict[str, Any]:
    tx = texts.for_language(language)
    body: list[Element] = [layout.heading(tx.t("controller.admins.title"))]
    if view.banner:
        body.append(layout.banner(_plain(view.banner), "good" if view.banner_good else "attention"))
    body.append(layout.text_block(tx.t("controller.admins.intro"), subtle=True, spacing="small"))
    for line in view.admins:
        body.append(_admin_row(tx, line))
    body.append(
        layout.text_input(
            ADMIN_IDENTITY,
            label=tx.t("controller.admins.add_label"),
            value=None,
            placeholder=tx.t("controller.admins.add_placeholder"),
            max_length=320,
        )
    )
    if view.error:
        body.append(layout.field_error(_plain(view.error)))
    return layout.adaptive_card(
        body,
        [
            layout.execute(
                tx.t("controller.admins.action.add"), verbs.ADMINS_ADD, {}, style="positive"
            )
        ],
    )


def _admin_row(tx: texts.Texts, line: AdminLine) -> Element:
    if line.grant_id is None:
        note = tx.t("controller.admins.bootstrap")
        return layout.fact_row(_plain(line.label), layout.small_note(note), wide_title=True)
    remove = layout.action_set(
        [
            layout.execute(
                tx.t("controller.admins.action.remove"),
                verbs.ADMINS_REMOVE,
                {"grant_id": line.grant_id},
                style="destructive",
                associated_inputs="none",
            )
        ]
    )
    details = [layout.text_block(_plain(line.label), spacing="small")]
    if line.added:
        details.append(layout.small_note(_plain(line.added), spacing="none"))
    return layout.columns(details, [remove])
