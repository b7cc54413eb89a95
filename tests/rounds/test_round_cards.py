"""The reminder and escalation cards: what they say, escaping, size, snapshots and the
adaptivecards library's verdict."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cards import paging, verbs
from cards.escalation_card import EscalationView, OverdueReport, create_escalation_card
from cards.reminder_card import ReminderView, create_reminder_card
from tests import cardtools

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
VALIDATOR = ROOT / "tests" / "tools" / "validate_cards.mjs"
UPDATE = os.environ.get("LAGESBOT_UPDATE_SNAPSHOTS") == "1"
DEADLINE = datetime(2026, 11, 27, 15, tzinfo=UTC)


def reminder(language: str = "sv", count: int = 3) -> dict[str, Any]:
    return create_reminder_card(
        ReminderView(
            language="en" if language == "en" else "sv",
            round_id=7,
            request_id=42,
            round_name="Tertial 2 *2026*",
            person_name="Anna Lindqvist",
            deadline=DEADLINE,
            time_zone="Europe/Stockholm",
            unanswered=tuple(f"Mål {n}: kortare väntetider" for n in range(count)),
            total_items=count + 2,
        )
    )


def escalation(language: str = "sv", reports: int = 2, items: int = 2) -> dict[str, Any]:
    return create_escalation_card(
        EscalationView(
            language="en" if language == "en" else "sv",
            manager_name="Maria Chef",
            round_name="Tertial 2 2026",
            deadline=DEADLINE,
            time_zone="Europe/Stockholm",
            reports=tuple(
                OverdueReport(
                    f"Medarbetare {r} [länk](https://evil.example)",
                    tuple(f"Aktivitet {r}.{i}" for i in range(items)),
                    items + 1,
                )
                for r in range(reports)
            ),
        )
    )


VARIANTS: dict[str, Callable[[], dict[str, Any]]] = {
    "reminder_sv": reminder,
    "reminder_en": lambda: reminder("en"),
    "reminder_many_items_sv": lambda: reminder(count=40),
    "escalation_sv": escalation,
    "escalation_en": lambda: escalation("en"),
    "escalation_many_sv": lambda: escalation(reports=60, items=30),
}


def _serialise(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_card_matches_its_snapshot(name: str) -> None:
    rendered = _serialise(VARIANTS[name]())
    path = SNAPSHOTS / f"{name}.json"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; create it with LAGESBOT_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text(encoding="utf-8"), name


def test_the_adaptivecards_library_accepts_every_round_card(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is required for the card validator"
    files = []
    for name, make in VARIANTS.items():
        path = tmp_path / f"{name}.json"
        path.write_text(_serialise(make()), encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [node, str(VALIDATOR), *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    problems = {Path(r["file"]).stem: r["errors"] + r["warnings"] for r in results}
    assert problems == {name: [] for name in VARIANTS}


def test_every_card_is_1_5_and_within_teams_size_limit() -> None:
    for name, make in VARIANTS.items():
        card = make()
        assert card["version"] == "1.5", name
        assert paging.card_size(card) <= paging.CARD_LIMIT_BYTES, name


def test_the_reminder_says_what_is_left_and_opens_the_form() -> None:
    card = reminder()
    text = cardtools.all_text(card)
    assert "Påminnelse: Tertial 2 \\*2026\\*" in text  # names from the store are escaped
    assert "Hej Anna Lindqvist! Du har 3 av 5 punkter kvar att besvara" in text
    assert "Sista svarsdag: 27 nov. 2026 16:00" in text  # the owner's local time
    action = cardtools.execute_action(card, verbs.SHOW_PAGE)
    assert action["title"] == "Svara nu"
    assert action["data"] == {"round_id": 7, "request_id": 42, "page": 1}


def test_a_long_reminder_lists_ten_items_and_counts_the_rest() -> None:
    text = cardtools.all_text(reminder(count=40))
    assert "Mål 9: kortare väntetider" in text and "Mål 10:" not in text
    assert "… och 30 till" in text


def test_the_escalation_lists_each_report_with_their_items_and_has_no_buttons() -> None:
    card = escalation("en")
    text = cardtools.all_text(card)
    assert "Overdue follow-up: Tertial 2 2026" in text
    assert "2 people reporting to you" in text
    assert "Medarbetare 1 \\[länk\\]" in text  # no link smuggled in through a name
    assert "2 of 3 items unanswered" in text
    assert "Aktivitet 1.1" in text
    assert cardtools.actions(card) == []


def test_a_large_escalation_is_cut_and_summarised() -> None:
    text = cardtools.all_text(escalation(reports=60, items=30))
    assert "… och 35 medarbetare till" in text
    assert "… och 25 punkter till" in text


def test_an_escalation_with_long_titles_still_fits_in_one_message() -> None:
    long_title = "Ett mycket långt mål " * 24  # about 500 characters, the most a title holds
    card = create_escalation_card(
        EscalationView(
            language="sv",
            manager_name="Maria Chef",
            round_name="Tertial 2 2026",
            deadline=DEADLINE,
            time_zone="Europe/Stockholm",
            reports=tuple(
                OverdueReport("Namn " * 40, tuple([long_title] * 5), 5) for _ in range(40)
            ),
        )
    )
    assert paging.card_size(card) <= paging.CARD_LIMIT_BYTES
    assert "medarbetare till" in cardtools.all_text(card)


def test_one_of_a_kind_is_said_in_the_singular() -> None:
    one_left = create_reminder_card(
        ReminderView(
            language="sv",
            round_id=7,
            request_id=42,
            round_name="Tertial 2 2026",
            person_name="Anna Lindqvist",
            deadline=DEADLINE,
            time_zone="Europe/Stockholm",
            unanswered=("Mål 1: kortare väntetider",),
            total_items=1,
        )
    )
    assert "Du har 1 av 1 punkt kvar att besvara" in cardtools.all_text(one_left)
    text = cardtools.all_text(escalation("en", reports=1, items=1))
    assert "1 person reporting to you has items" in text
    assert "1 of 2 items unanswered" in text
    text = cardtools.all_text(escalation("en", reports=27, items=6))  # 25 and 5 are listed
    assert "… and 1 more item" in text and "… and 2 more people" in text
