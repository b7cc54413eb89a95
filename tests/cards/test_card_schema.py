"""Every card the bot can send, rendered from fixtures, checked against snapshots and by the
adaptivecards library (tests/tools/validate_cards.mjs), and kept within Teams' size limit.

Snapshots live in tests/cards/snapshots/; after an intended change to a card, regenerate them
with ``LAGESBOT_UPDATE_SNAPSHOTS=1 pytest tests/cards/test_card_schema.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cards import paging, verbs
from cards.history_card import create_history_card, create_history_choices_card
from cards.messages import (
    ItemLine,
    RoundItems,
    create_greeting_card,
    create_help_card,
    create_my_items_card,
    create_notice_card,
)
from cards.review_card import create_review_card
from cards.status_card import create_status_card, status_card_page_size
from cards.views import (
    ANSWER_FIELDS,
    CardFeedback,
    HistoryBack,
    HistoryChoice,
    HistoryChoicesView,
    HistoryEntry,
    ItemHistoryView,
    ReviewCardView,
    ReviewItemView,
    input_id,
)
from catalogue import texts
from tests import cardtools
from tests.cards import fixtures as fx

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
VALIDATOR = ROOT / "tests" / "tools" / "validate_cards.mjs"
UPDATE = os.environ.get("LAGESBOT_UPDATE_SNAPSHOTS") == "1"

Card = dict[str, Any]


def _errors_everywhere() -> CardFeedback:
    sv = texts.for_language("sv")
    errors = {
        input_id("status", fx.GOAL_ID): sv.t("error.status_missing"),
        input_id("comment", fx.GOAL_ID): sv.t("error.comment_too_long", max=2000, length=2150),
        input_id("value", fx.INDICATOR_ID): sv.t("error.value_not_number"),
        input_id("likelihood", fx.RISK_ID): sv.t("error.risk_out_of_scale", max=4),
        input_id("consequence", fx.RISK_ID): sv.t("error.consequence_missing"),
    }
    typed = {
        input_id("comment", fx.GOAL_ID): "Väntetiderna minskar." * 100,
        input_id("value", fx.INDICATOR_ID): "tolv",
        input_id("likelihood", fx.RISK_ID): "7",
    }
    return CardFeedback(errors=errors, typed=typed)


def _huge() -> Card:
    long_title = "Ökad tillgänglighet till specialistvård för barn och unga i hela länet " * 7
    questions = tuple(
        replace(
            item,
            title=long_title[:500],
            path=(long_title[:200], long_title[:200]),
            current=fx.answer(comment=("**Lång** [länk](https://x) " * 100)[:2000]),
        )
        for item in fx.items()
    )
    return create_status_card(fx.view(questions=questions), editing=True)


def _forty_items_paged() -> list[tuple[str, Card]]:
    items = fx.many_items(40, title_chars=200)
    size = status_card_page_size(fx.view(), items)
    pages = paging.pages(items, size)
    rendered = []
    for number, page_items in enumerate(pages, start=1):
        view = fx.view(
            questions=tuple(page_items), page=number, page_count=len(pages), total_items=40
        )
        rendered.append((f"status_40_items_page{number}", create_status_card(view)))
    return rendered


def _my_items() -> Card:
    rounds = [
        RoundItems(
            "Tertial 2 2026",
            datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
            (ItemLine("Kortare väntetider i vården", True), ItemLine("Andel operationer", False)),
        )
    ]
    return create_my_items_card("sv", rounds, "Europe/Stockholm")


def _history(language: texts.Language, **kw: Any) -> Card:
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    entries = (
        HistoryEntry("approved", "Tertial 2 2026", at, "Lena Chefsdotter"),
        HistoryEntry(
            "answer", "Tertial 2 2026", at, "Bo Ek", revision=2, answered_for="Anna Lindqvist",
            status_label="Risk för avvikelse", status_colour="warning", likelihood=3,
            consequence=4, risk_band_label="Hög", value=Decimal("72.5"),
            comment="**Två** tjänster tillsatta.", late=True,
        ),
        HistoryEntry(
            "returned", "Tertial 2 2026", at, "Lena Chefsdotter", comment="Komplettera risken."
        ),
        HistoryEntry("answer", "Tertial 1 2026", at, "Anna Lindqvist", revision=1,
                     status_label="Enligt plan", status_colour="good"),
    )  # fmt: skip
    view = ItemHistoryView(
        item_id=fx.GOAL_ID, item_key="M1", title="Kortare väntetider i vården",
        path=("God och jämlik hälsa",), unit="%", language=language,
        time_zone="Europe/Stockholm", entries=entries, total=2, rounds=2,
    )  # fmt: skip
    return create_history_card(replace(view, **kw))


def _review(**kw: Any) -> Card:
    items = (
        ReviewItemView(
            "Kortare väntetider i vården", "Enligt plan", "good", "Avvikelse", None, None, None,
            "**Bättre** nu.", "Anna Lindqvist", None,
        ),
        ReviewItemView(
            "Andel operationer inom 90 dagar", "Avvikelse", "attention", None, 12,
            Decimal("72.5"), "%", None, "Bo Ek", "Anna Lindqvist",
        ),
    )  # fmt: skip
    view = ReviewCardView(
        review_id=7, round_name="Tertial 2 2026", owner_name="Anna Lindqvist",
        language="sv", time_zone="Europe/Stockholm", items=items,
    )  # fmt: skip
    return create_review_card(replace(view, **kw))


def _history_choices() -> Card:
    choices = tuple(
        HistoryChoice(n, f"M{n}", f"Mål {n} om väntetider", "Verksamhetsplan 2027")
        for n in range(1, 4)
    )
    return create_history_choices_card(HistoryChoicesView("väntetider", choices, "sv", more=2))


VARIANTS: dict[str, Callable[[], Card]] = {
    "history_sv": lambda: _history("sv"),
    "history_paged_from_status_en": lambda: _history(
        "en", page=2, page_count=3, back=HistoryBack(1, 2, 1)
    ),
    "history_empty_sv": lambda: _history("sv", entries=(), total=0, rounds=0),
    "history_choices_sv": _history_choices,
    "review_pending_sv": _review,
    "review_approved_sv": lambda: _review(
        state="approved",
        decided_by="Lena Chefsdotter",
        decided_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    ),
    "review_returned_with_message_sv": lambda: _review(
        state="returned",
        decided_by="Lena Chefsdotter",
        decided_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        comment="Komplettera risken.",
        message="De här svaren är redan granskade. Inget sparades.",
    ),
    "status_form_sv": lambda: create_status_card(fx.view("sv")),
    "status_form_en": lambda: create_status_card(fx.view("en")),
    "status_form_errors_sv": lambda: create_status_card(fx.view("sv"), _errors_everywhere()),
    "status_form_conflict_sv": lambda: create_status_card(
        fx.view("sv", questions=fx.answered_items()),
        CardFeedback(
            banner=texts.for_language("sv").t(
                "refusal.conflict", name="Maria Berg", when="23 nov. 2026 14:05"
            )
        ),
        editing=True,
    ),
    "status_editing_sv": lambda: create_status_card(
        fx.view("sv", questions=fx.answered_items()), editing=True
    ),
    "status_recorded_sv": lambda: create_status_card(fx.view("sv", questions=fx.answered_items())),
    "status_recorded_en": lambda: create_status_card(
        fx.view("en", questions=fx.answered_items("en"))
    ),
    "status_closed_sv": lambda: create_status_card(
        fx.view("sv", questions=fx.answered_items(), closed=True)
    ),
    "status_closed_unanswered_en": lambda: create_status_card(fx.view("en", closed=True)),
    "status_closed_published_sv": lambda: create_status_card(
        replace(
            fx.view("sv", questions=fx.answered_items(), closed=True),
            intranet_url="https://region.sharepoint.com/sites/intranat/SitePages/t2-2026.aspx",
        )
    ),
    "status_recorded_link_title_sv": lambda: create_status_card(
        fx.view(
            "sv",
            questions=tuple(
                replace(item, link_title="Handlingsplan för kortare väntetider 2026")
                for item in fx.answered_items()
            ),
        )
    ),
    "status_paged_middle_sv": lambda: create_status_card(
        fx.view("sv", page=2, page_count=3, total_items=9)
    ),
    "status_no_items_sv": lambda: create_status_card(fx.view("sv", questions=())),
    "status_recorded_more_pages_sv": lambda: create_status_card(
        replace(
            fx.view("sv", questions=fx.answered_items(), page=1, page_count=3, total_items=60),
            unanswered_elsewhere=((2, 3), (3, 1)),
        )
    ),
    "status_form_risk_missing_sv": lambda: create_status_card(
        fx.view("sv"),
        CardFeedback(
            errors={
                input_id(axis, fx.RISK_ID): texts.for_language("sv").t("error.risk_missing")
                for axis in ("likelihood", "consequence")
            }
        ),
    ),
    "status_huge_text_sv": _huge,
    "status_indicator_chart_sv": lambda: create_status_card(
        fx.view("sv", questions=fx.indicator_items())
    ),
    "status_indicator_chart_en": lambda: create_status_card(
        fx.view("en", questions=fx.indicator_items("en"))
    ),
    "status_indicator_two_points_sv": lambda: create_status_card(
        fx.view("sv", questions=fx.indicator_items(points=2))
    ),
    "greeting_personal_sv": lambda: create_greeting_card("sv", "Anna Lindqvist"),
    "greeting_personal_en": lambda: create_greeting_card("en", "Anna Lindqvist"),
    "greeting_team_sv": lambda: create_greeting_card("sv", team=True),
    "help_sv": lambda: create_help_card("sv"),
    "help_en": lambda: create_help_card("en"),
    "my_items_sv": _my_items,
    "my_items_empty_en": lambda: create_my_items_card("en", [], "Europe/London"),
    "notice_sv": lambda: create_notice_card(texts.for_language("sv").t("refusal.not_your_item")),
}


@cache
def all_cards() -> dict[str, Card]:
    cards = {name: make() for name, make in VARIANTS.items()}
    cards.update(_forty_items_paged())
    return cards


def _serialise(card: Card) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; run `make test`, which sets up the Node tooling")
    if not (ROOT / "node_modules" / "adaptivecards" / "package.json").exists():
        pytest.fail(
            "node_modules/adaptivecards is missing: run `make test` (its test target runs "
            "`npm ci` first), or `npm ci` in the repository root"
        )
    return node


@cache
def updated_snapshots() -> bool:
    """With LAGESBOT_UPDATE_SNAPSHOTS=1, rewrites every snapshot and removes stale ones."""
    if not UPDATE:
        return False
    SNAPSHOTS.mkdir(exist_ok=True)
    for name, card in all_cards().items():
        (SNAPSHOTS / f"{name}.json").write_text(_serialise(card), encoding="utf-8")
    for stale in SNAPSHOTS.glob("*.json"):
        if stale.stem not in all_cards():
            stale.unlink()
    return True


def snapshot(name: str) -> str:
    updated_snapshots()
    path = SNAPSHOTS / f"{name}.json"
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}; create it with LAGESBOT_UPDATE_SNAPSHOTS=1")
    return path.read_text(encoding="utf-8")


def validation(tmp_root: Path) -> dict[str, Any]:
    """Runs the validator once over every rendered card (the cards, not the snapshots, so a
    missing or stale snapshot cannot hide an invalid card)."""
    node = _node()
    files = []
    for name, card in all_cards().items():
        path = tmp_root / f"{name}.json"
        path.write_text(_serialise(card), encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [node, str(VALIDATOR), *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"the card validator failed ({done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return validation(tmp_path_factory.mktemp("cards"))


@pytest.mark.parametrize("name", [*sorted(VARIANTS), "status_40_items_page1"])
def test_card_matches_its_snapshot(name: str) -> None:
    assert _serialise(all_cards()[name]) == snapshot(name), (
        f"{name}.json differs from the rendered card; if the change is intended, run "
        "LAGESBOT_UPDATE_SNAPSHOTS=1 pytest tests/cards/test_card_schema.py and commit the diff"
    )


def test_every_snapshot_belongs_to_a_variant() -> None:
    updated_snapshots()
    stale = {p.stem for p in SNAPSHOTS.glob("*.json")} - set(all_cards())
    assert stale == set(), "stale snapshots; regenerate with LAGESBOT_UPDATE_SNAPSHOTS=1"


def test_all_paged_snapshots_match() -> None:
    for name, card in all_cards().items():
        if name.startswith("status_40_items"):
            assert _serialise(card) == snapshot(name), name


def test_the_adaptivecards_library_accepts_every_card(validated: dict[str, Any]) -> None:
    result = validated
    assert len(result["results"]) == len(all_cards())
    problems = {Path(r["file"]).stem: r["errors"] for r in result["results"] if r["errors"]}
    assert problems == {}
    warnings = {Path(r["file"]).stem: r["warnings"] for r in result["results"] if r["warnings"]}
    assert warnings == {}


def test_charts_take_their_text_fallback_in_the_library(validated: dict[str, Any]) -> None:
    # The adaptivecards library (what the Playground and non-Teams hosts render with) does
    # not know Chart.Line: it must use the fallback, which holds the same values in words.
    results = {Path(r["file"]).stem: r for r in validated["results"]}
    chart = results["status_indicator_chart_sv"]
    assert chart["errors"] == [] and chart["fallbacks"] == ["Chart.Line"]
    shown = json.dumps(chart["rendered"], ensure_ascii=False)
    assert "Chart.Line" not in shown
    assert "Senaste värden: T1 2026: 70 %; T2 2026: 72 %; T3 2026: 74 %; T1 2027: 75 %." in shown
    assert results["status_form_sv"]["fallbacks"] == []


def test_the_validator_finds_real_problems(tmp_path: Path) -> None:
    # Guards against a validator that passes everything (a broken import, a renamed API).
    node = _node()
    bad = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "x", "isSubtile": True, "color": "pink"},
            {"type": "Input.Text", "id": "a"},
            {"type": "Input.Text", "id": "a"},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    done = subprocess.run(
        [node, str(VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    events = {e["event"] for e in json.loads(done.stdout)["results"][0]["errors"]}
    assert {"InvalidPropertyValue", "DuplicateId", "UnknownProperty"} <= events


def test_every_card_is_version_1_5_and_within_the_size_limit() -> None:
    for name, card in all_cards().items():
        assert card["type"] == "AdaptiveCard", name
        assert card["version"] == "1.5", name
        assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json", name
        assert paging.card_size(card) <= paging.CARD_LIMIT_BYTES, (name, paging.card_size(card))


def test_forty_items_are_spread_over_pages_that_each_fit() -> None:
    paged = [name for name in all_cards() if name.startswith("status_40_items_page")]
    assert len(paged) >= 2
    last = all_cards()[paged[-1]]
    assert f"Sida {len(paged)} av {len(paged)}" in cardtools.all_text(last)


def test_every_verb_a_card_emits_is_known() -> None:
    emitted = {
        action["verb"]
        for card in all_cards().values()
        for action in cardtools.actions(card)
        if action.get("type") == "Action.Execute"
    }
    assert emitted == {
        verbs.SUBMIT_STATUS,
        verbs.EDIT_STATUS,
        verbs.SHOW_PAGE,
        verbs.SHOW_HISTORY,
        verbs.REVIEW_APPROVE,
        verbs.REVIEW_RETURN,
    }
    assert emitted <= verbs.ALL_VERBS
    for card in all_cards().values():
        for action in cardtools.actions(card):
            # Skicka tillbaka on the review card opens the comment box (Action.ShowCard).
            assert action["type"] in ("Action.Execute", "Action.OpenUrl", "Action.ShowCard")


def test_input_ids_follow_the_convention() -> None:
    for name, card in all_cards().items():
        if name.startswith("review_"):
            continue  # the reviewer's comment box is not an answer field
        for key in cardtools.inputs(card):
            answer_field, _, item_id = key.partition(".")
            assert answer_field in ANSWER_FIELDS and item_id.isdigit(), (name, key)
