"""The admin's cards rendered from fixtures: snapshots (tests/admin/snapshots), Adaptive Cards
1.5 validation with the adaptivecards library, Teams' size limit, and verbs with handlers.

After an intended change, regenerate with
``LAGESBOT_UPDATE_SNAPSHOTS=1 pytest tests/admin/test_admin_cards.py`` and review the diff."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cards import admin_cards, paging, verbs
from cards.admin_cards import RoundFormView, RoundListView, RoundPreviewView
from cards.views import FailedDelivery, OwnerLoad, RoundOverview
from catalogue import texts
from dialogs.router import all_action_handlers
from storage.models import RoundState
from tests import cardtools
from tests.cards.test_card_schema import ROOT, VALIDATOR, _node

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("LAGESBOT_UPDATE_SNAPSHOTS") == "1"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ZONE = "Europe/Stockholm"
Card = dict[str, Any]

PLANS = [("rs-vp-2027", "Regionstyrelsens verksamhetsplan 2027")]
UNITS = [
    ("RS", "Regionstyrelsen (RS)"),
    ("HSN", "· Hälso- och sjukvårdsnämnden (HSN)"),
    ("HSF-KIR", "· · Kirurgiska kliniken (HSF-KIR)"),
]
FORM_VALUES = {
    "name": "Tertial 1 2027",
    "plan": "rs-vp-2027",
    "org_units": "HSN",
    "kinds": "goal,indicator",
    "opens_date": "2027-04-26",
    "opens_time": "08:00",
    "deadline_date": "2027-04-20",
    "deadline_time": "16:00",
    "reminders": "3, 1",
    "escalation": "2",
    "ask_risk": "true",
}


def _form_errors() -> Card:
    sv = texts.for_language("sv")
    errors = {
        "deadline_time": sv.t("admin.error.deadline_before_open"),
        "org_units": sv.t("admin.error.unknown_org_units", keys="NOPE"),
        "reminders": sv.t("admin.error.bad_durations", value="tre"),
    }
    view = RoundFormView(values=FORM_VALUES, plans=PLANS, org_units=UNITS, errors=errors)
    return admin_cards.create_round_form_card("sv", view)


def _owners(n: int, name_chars: int = 20) -> list[OwnerLoad]:
    return [
        OwnerLoad(
            person_id=i,
            name=(f"Person {i} " + "Lindqvist-Hedlund " * 20)[:name_chars],
            upn=f"person{i}@region-exempel.se",
            items=1 + i % 7,
            active=i % 11 != 3,
        )
        for i in range(1, n + 1)
    ]


def _preview(owners: list[OwnerLoad], language: str = "sv") -> Card:
    view = RoundPreviewView(
        name="Tertial 1 2027 – *hälso- och sjukvård*",
        key="tertial-1-2027",
        plan_name="Regionstyrelsens verksamhetsplan 2027",
        org_units=["Hälso- och sjukvårdsnämnden"],
        kinds=["goal", "indicator", "risk"],
        opens_at=datetime(2027, 4, 26, 6, 0, tzinfo=UTC),
        deadline_at=datetime(2027, 5, 7, 14, 0, tzinfo=UTC),
        reminder_hours=(72, 24, 12),
        escalation_hours=48,
        questions=["ask_status", "ask_comment", "ask_value"],
        owners=owners,
        kind_counts={"goal": 4, "indicator": 9, "risk": 2},
        data={**FORM_VALUES, "deadline_date": "2027-05-07"},
        time_zone=ZONE,
        copy_of_name="Tertial 3 2026",
    )
    return admin_cards.create_round_preview_card(language, view)


def _round(
    round_id: int, state: RoundState, *, name: str = "Tertial 1 2027", failures: int = 0
) -> RoundOverview:
    opens = NOW - timedelta(days=3) if state != RoundState.SCHEDULED else NOW + timedelta(days=3)
    fanout = {"pending": 3, "in_flight": 1, "sent": 40, "failed": failures, "cancelled": 0}
    fanout["total"] = sum(fanout.values())
    failed = tuple(
        FailedDelivery(
            person_name=f"Person {i}",
            last_status=403,
            reason="The bot is blocked by the user",
        )
        for i in range(failures)
    )
    return RoundOverview(
        id=round_id,
        key=f"round-{round_id}",
        name=name,
        state=str(state),
        opens_at=opens,
        deadline_at=opens + timedelta(days=11),
        closed_at=NOW - timedelta(days=40) if state == RoundState.CLOSED else None,
        owners=44,
        items=130,
        answered=97 if state != RoundState.SCHEDULED else 0,
        owners_done=30 if state != RoundState.SCHEDULED else 0,
        statuses={"on_track": 80, "deviation": 17},
        fanout=fanout if state in (RoundState.OPEN, RoundState.CLOSED) else {"total": 0},
        failed=failed,
    )


def _list(language: str = "sv") -> Card:
    rounds = [
        _round(1, RoundState.OPEN, failures=2),
        _round(2, RoundState.SCHEDULED, name="Månadsuppföljning maj"),
        _round(3, RoundState.DRAFT, name="Internkontroll 2027"),
        _round(4, RoundState.CLOSED, name="Tertial 3 2026"),
    ]
    view = RoundListView(
        rounds=rounds,
        time_zone=ZONE,
        page=2,
        page_count=3,
        banner="Omgången Tertial 1 2027 är öppen.",
        errors={1: texts.for_language(language).t("admin.error.deadline_passed")},
    )
    return admin_cards.create_round_list_card(language, view)


def _long_list() -> Card:
    rounds = [_round(i, RoundState.OPEN, name="Uppföljning " * 16, failures=5) for i in range(1, 7)]
    return admin_cards.create_round_list_card(
        "sv", RoundListView(rounds=rounds, time_zone=ZONE, page=1, page_count=9)
    )


def _big_form() -> Card:
    units = [
        (f"U{i:03}", f"{'· ' * (i % 4)}Enheten för {'x' * 60} {i} (U{i:03})") for i in range(150)
    ]
    view = RoundFormView(values={}, plans=PLANS * 3, org_units=units, org_units_left_out=420)
    return admin_cards.create_round_form_card("sv", view)


VARIANTS: dict[str, Callable[[], Card]] = {
    "admin_round_form_new_sv": lambda: admin_cards.create_round_form_card(
        "sv", RoundFormView(values={}, plans=PLANS, org_units=UNITS)
    ),
    "admin_round_form_errors_sv": _form_errors,
    "admin_round_form_copy_en": lambda: admin_cards.create_round_form_card(
        "en",
        RoundFormView(
            values=FORM_VALUES,
            plans=PLANS,
            org_units=UNITS,
            copy_of_key="tertial-3-2026",
            copy_of_name="Tertial 3 2026",
        ),
    ),
    "admin_round_form_large_tree_sv": _big_form,
    "admin_round_preview_sv": lambda: _preview(_owners(3)),
    "admin_round_preview_many_owners_en": lambda: _preview(_owners(600, 200), "en"),
    "admin_round_list_sv": _list,
    "admin_round_list_en": lambda: _list("en"),
    "admin_round_list_long_sv": _long_list,
    "admin_round_list_empty_sv": lambda: admin_cards.create_round_list_card(
        "sv", RoundListView(rounds=[], time_zone=ZONE)
    ),
    "admin_close_confirm_sv": lambda: admin_cards.create_close_confirm_card(
        "sv", _round(1, RoundState.OPEN), ZONE
    ),
}


@cache
def all_cards() -> dict[str, Card]:
    return {name: make() for name, make in VARIANTS.items()}


def _serialise(card: Card) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2) + "\n"


@cache
def _updated() -> bool:
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        for stale in SNAPSHOTS.glob("*.json"):
            stale.unlink()
        for name, card in all_cards().items():
            (SNAPSHOTS / f"{name}.json").write_text(_serialise(card), encoding="utf-8")
    return UPDATE


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_card_matches_its_snapshot(name: str) -> None:
    _updated()
    path = SNAPSHOTS / f"{name}.json"
    assert path.exists(), f"no snapshot {path.name}; create it with LAGESBOT_UPDATE_SNAPSHOTS=1"
    assert _serialise(all_cards()[name]) == path.read_text(encoding="utf-8"), name


def test_every_snapshot_belongs_to_a_variant() -> None:
    _updated()
    assert {p.stem for p in SNAPSHOTS.glob("*.json")} == set(VARIANTS)


def test_the_adaptivecards_library_accepts_every_admin_card(tmp_path: Path) -> None:
    files = []
    for name, card in all_cards().items():
        path = tmp_path / f"{name}.json"
        path.write_text(_serialise(card), encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [_node(), str(VALIDATOR), *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert len(results) == len(VARIANTS)
    problems = {Path(r["file"]).stem: r["errors"] + r["warnings"] for r in results}
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_card_is_1_5_and_within_teams_size_limit() -> None:
    for name, card in all_cards().items():
        assert card["version"] == "1.5", name
        assert paging.card_size(card) <= paging.CARD_LIMIT_BYTES, (name, paging.card_size(card))


def test_a_long_owner_list_is_cut_and_summarised() -> None:
    text = cardtools.all_text(all_cards()["admin_round_preview_many_owners_en"])
    assert "600 people are asked about" in text
    assert "… and 570 more people with" in text
    assert "(inactive)" in text


def test_names_from_the_store_are_escaped() -> None:
    text = cardtools.all_text(all_cards()["admin_round_preview_sv"])
    assert "\\*hälso- och sjukvård\\*" in text


def test_every_admin_verb_is_emitted_and_handled() -> None:
    emitted = {
        action["verb"]
        for card in all_cards().values()
        for action in cardtools.actions(card)
        if action.get("type") == "Action.Execute"
    }
    assert emitted == verbs.ADMIN_VERBS
    assert verbs.ADMIN_VERBS <= verbs.ALL_VERBS
    assert set(all_action_handlers()) >= verbs.ADMIN_VERBS


def test_buttons_that_carry_form_values_do_not_pick_up_inputs() -> None:
    preview = all_cards()["admin_round_preview_sv"]
    for action in cardtools.actions(preview):
        assert action["associatedInputs"] == "none"
        assert action["data"]["name"] == "Tertial 1 2027"


def test_closed_rounds_show_their_place_on_the_intranet_or_why_publishing_failed() -> None:
    page = "https://region-exempel.sharepoint.com/sites/intranat/SitePages/lagesbot-t3.aspx"
    published = replace(_round(4, RoundState.CLOSED), intranet_url=page)
    failed = replace(
        _round(5, RoundState.CLOSED, name="Tertial 2 2026"),
        publish_error="Graph 503 serviceNotAvailable: Scripted fault.",
    )
    card = admin_cards.create_round_list_card(
        "sv", RoundListView(rounds=[published, failed], time_zone=ZONE)
    )
    links = [a for a in cardtools.actions(card) if a["type"] == "Action.OpenUrl"]
    assert [(a["title"], a["url"]) for a in links] == [
        ("Öppna sammanställningen på intranätet", page)
    ]
    text = cardtools.all_text(card)
    assert "Inte publicerad på intranätet än: Graph 503" in text


def test_one_person_and_one_item_are_said_in_the_singular() -> None:
    one = [OwnerLoad(1, "Anna Lindqvist", "anna@region-exempel.se", items=1, active=True)]
    assert "1 person tillfrågas om 1 punkt." in cardtools.all_text(_preview(one))
    assert "1 person is asked about 1 item." in cardtools.all_text(_preview(one, "en"))
    many = _owners(3)
    assert "3 personer tillfrågas om 9 punkter." in cardtools.all_text(_preview(many))
    overview = replace(_round(1, RoundState.OPEN), owners=1, items=1, answered=0, owners_done=0)
    card = admin_cards.create_round_list_card("sv", RoundListView([overview], time_zone=ZONE))
    text = cardtools.all_text(card)
    assert "Svar: 0 av 1 punkt, 0 av 1 person klara." in text
