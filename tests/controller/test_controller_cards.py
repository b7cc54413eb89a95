"""The planning controller's cards rendered from fixtures: snapshots
(tests/controller/snapshots), Adaptive Cards 1.5 validation, Teams' size limit, and verbs
with handlers.

After an intended change, regenerate with
``LAGESBOT_UPDATE_SNAPSHOTS=1 pytest tests/controller/test_controller_cards.py`` and review
the diff."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cards import controller_cards as cc
from cards import paging, verbs
from cards.controller_cards import (
    AdminLine,
    AdminListView,
    ImportPreviewView,
    SteeringFormView,
    SteeringGroupLine,
    SteeringListView,
)
from dialogs.router import all_action_handlers
from tests import cardtools
from tests.cards.test_card_schema import ROOT, VALIDATOR, _node

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("LAGESBOT_UPDATE_SNAPSHOTS") == "1"
Card = dict[str, Any]
COUNTS = {"rows": 315, "created": 4, "updated": 12, "unchanged": 296, "deactivated": 3}
UNITS = [("RS", "Regionstyrelsen (RS)"), ("HSN", "· Hälso- och sjukvårdsnämnden (HSN)")]
ITEMS = [("S1", "S1 God och jämlik hälsa"), ("S1.M1", "S1.M1 Kortare väntetider i vården")]


def _preview(language: str, **kw: Any) -> Card:
    view = ImportPreviewView(
        kind="plan",
        file_name="plan_rs_2027.xlsx",
        target="Regionstyrelsens verksamhetsplan 2027 (rs-vp-2027)",
        counts=COUNTS,
        errors=[],
        ignored_columns=("Anteckning",),
        pending_id=7,
    )
    return cc.create_import_preview_card(language, ImportPreviewView(**{**view.__dict__, **kw}))


def _errors() -> Card:
    errors = [f"Rad {n}: Okänd typ 'målsättning'." for n in range(2, 160)]
    return _preview("sv", errors=errors, pending_id=None)


def _form(group_id: int | None, language: str = "sv") -> Card:
    values = {cc.GROUP_NAME: "RS*", cc.GROUP_ORG_UNITS: "HSN", cc.GROUP_WEEKDAY: "1"}
    view = SteeringFormView(
        values=values if group_id else {},
        org_units=UNITS,
        plan_items=ITEMS,
        time_zones=["Europe/Stockholm", "UTC"],
        group_id=group_id,
        errors={cc.GROUP_NAME: "Fyll i det här fältet."} if group_id else {},
    )
    return cc.create_steering_form_card(language, view)


def _list(language: str) -> Card:
    lines = [
        SteeringGroupLine(
            group_id=1,
            key="rs",
            name="Regionstyrelsens *styrgrupp*",
            org_units=[],
            plan_items=[],
            channel_linked=True,
            next_digest=datetime(2026, 11, 30, 7, tzinfo=UTC),
            time_zone="Europe/Stockholm",
        ),
        SteeringGroupLine(
            group_id=2,
            key="hsn",
            name="HSN",
            org_units=["Hälso- och sjukvårdsnämnden"],
            plan_items=["S1 God och jämlik hälsa"],
            channel_linked=False,
            next_digest=None,
            time_zone="Europe/Stockholm",
        ),
    ]
    return cc.create_steering_list_card(language, SteeringListView(lines, banner="Sparad."))


def _admins(language: str) -> Card:
    lines = [
        AdminLine("Ingrid Dahl (ingrid.dahl@region-exempel.se)", None),
        AdminLine("Anna Lindqvist (anna@region-exempel.se)", 3, "tillagd av ingrid, 1 dec."),
    ]
    return cc.create_admin_list_card(language, AdminListView(lines, error="Skriv en UPN."))


VARIANTS: dict[str, Callable[[], Card]] = {
    "controller_import_preview_sv": lambda: _preview("sv"),
    "controller_import_preview_en": lambda: _preview("en"),
    "controller_import_errors_sv": _errors,
    "controller_import_done_sv": lambda: _preview("sv", state="imported"),
    "controller_steering_form_new_sv": lambda: _form(None),
    "controller_steering_form_edit_en": lambda: _form(2, "en"),
    "controller_steering_list_sv": lambda: _list("sv"),
    "controller_steering_remove_sv": lambda: cc.create_steering_remove_card("sv", 2, "HSN"),
    "controller_admins_sv": lambda: _admins("sv"),
    "controller_admins_en": lambda: _admins("en"),
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


def test_the_adaptivecards_library_accepts_every_card(tmp_path: Path) -> None:
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
    problems = {Path(r["file"]).stem: r["errors"] + r["warnings"] for r in results}
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_card_is_1_5_and_within_the_budget() -> None:
    for name, card in all_cards().items():
        assert card["version"] == "1.5", name
        assert paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES, name


def test_many_bad_rows_are_cut_with_a_count() -> None:
    text = cardtools.all_text(all_cards()["controller_import_errors_sv"])
    assert "158 fel – inget sparas." in text
    assert "Rad 101:" in text and "Rad 102:" not in text
    assert "… och 58 fel till." in text


def test_every_controller_verb_is_emitted_and_handled() -> None:
    emitted = {
        action["verb"]
        for card in all_cards().values()
        for action in cardtools.actions(card)
        if action.get("type") == "Action.Execute"
    }
    assert emitted == verbs.CONTROLLER_VERBS
    assert set(all_action_handlers()) >= verbs.CONTROLLER_VERBS


def test_names_are_escaped() -> None:
    assert "Regionstyrelsens \\*styrgrupp\\*" in cardtools.all_text(
        all_cards()["controller_steering_list_sv"]
    )
