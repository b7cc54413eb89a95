"""The digest card a steering group gets: snapshots, Adaptive Cards 1.5 validation, colours
that always come with words, and a region-sized scope summarised within Teams' size limit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cards import paging
from cards.digest_card import LIST_ROWS, NAME_ROWS, create_digest_card
from cards.views import DigestCardView, Shortened
from services.delivery.digest_view import digest_card_view, digest_view
from services.reporting.digest import Digest, RiskAxes, compute_digest, empty_frame
from storage.digest_queries import ANSWER_COLUMNS, PREVIOUS_COLUMNS
from tests import cardtools
from tests.digest.frames import AXES, ROUND, frames, region_frames

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
VALIDATOR = ROOT / "tests" / "tools" / "validate_cards.mjs"
UPDATE = os.environ.get("LAGESBOT_UPDATE_SNAPSHOTS") == "1"
GENERATED = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
INTRANET = "https://region.sharepoint.com/sites/styrning/SitePages/T3-2026.aspx"
EXPORT = "https://region.sharepoint.com/sites/styrning/Dokument/T3-2026.xlsx"

Card = dict[str, Any]


def view(language: str = "sv", digest: Digest | None = None, **changes: Any) -> DigestCardView:
    """The card's view of ``digest`` (the small round's by default): frames → compute_digest →
    the conversion delivery uses."""
    base = digest_card_view(
        compute_digest(frames(), ROUND, AXES) if digest is None else digest,
        group_name="Regionstyrelsens styrgrupp",
        language=language,
        time_zone="Europe/Stockholm",
        generated_at=GENERATED,
        occasion="weekly",
        intranet_url=INTRANET,
        export_url=EXPORT,
    )
    return replace(base, **changes)


def _first_round() -> Card:
    f = frames()
    bare = replace(f, answers=empty_frame(ANSWER_COLUMNS), previous=empty_frame(PREVIOUS_COLUMNS))
    digest = compute_digest(bare, replace(ROUND, previous_round_name=None), AXES)
    return create_digest_card(view(digest=digest, intranet_url=None, export_url=None))


@cache
def region_digest() -> Digest:
    return compute_digest(region_frames(), ROUND, AXES)


@cache
def region_card() -> Card:
    return create_digest_card(view(digest=region_digest(), occasion="deadline"))


def _five_by_five(language: str) -> RiskAxes:
    scale = tomllib.loads((ROOT / "demo" / "risk_scale_5x5.toml").read_text(encoding="utf-8"))
    return RiskAxes(
        likelihood_max=5,
        consequence_max=5,
        likelihood_labels={level["value"]: level[language] for level in scale["likelihood"]},
        consequence_labels={level["value"]: level[language] for level in scale["consequence"]},
        bands=tuple((b["min"], b["max"], b[language], b["card_colour"]) for b in scale["bands"]),
    )


# Long names whose initials collide (Måttlig/Medelhög, Mycket låg/Mycket hög).
LONG_NAMES = RiskAxes(
    likelihood_max=5,
    consequence_max=5,
    likelihood_labels={n: f"Synnerligen osannolik nivå {n}" for n in range(1, 6)},
    consequence_labels={n: f"Katastrofalkonsekvens {n}" for n in range(1, 6)},
    bands=(
        (1, 3, "Mycket låg", "good"),
        (4, 6, "Måttlig", "good"),
        (7, 12, "Medelhög", "warning"),
        (13, 19, "Mycket hög", "attention"),
        (20, 25, "Oacceptabel", "attention"),
    ),
)


VARIANTS: dict[str, Callable[[], Card]] = {
    "digest_weekly_sv": lambda: create_digest_card(view()),
    "digest_weekly_en": lambda: create_digest_card(view("en")),
    "digest_first_round_sv": _first_round,
    "digest_risk_5x5_sv": lambda: create_digest_card(
        view(digest=compute_digest(frames(), ROUND, _five_by_five("sv")))
    ),
    "digest_risk_long_names_sv": lambda: create_digest_card(
        view(digest=compute_digest(frames(), ROUND, LONG_NAMES))
    ),
}


def _serialise(card: Card) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_card_matches_its_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.json"
    rendered = _serialise(VARIANTS[name]())
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; create it with LAGESBOT_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{name}.json differs; if intended, regenerate with LAGESBOT_UPDATE_SNAPSHOTS=1"
    )


def test_the_adaptivecards_library_accepts_every_digest_card(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is required for the card validator"
    cards = {name: make() for name, make in VARIANTS.items()}
    cards["digest_region"] = region_card()
    files = []
    for name, card in cards.items():
        path = tmp_path / f"{name}.json"
        path.write_text(_serialise(card), encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [node, str(VALIDATOR), *files], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert len(results) == len(cards)
    problems = {Path(r["file"]).stem: r["errors"] + r["warnings"] for r in results}
    assert problems == {key: [] for key in cards}


def test_every_colour_comes_with_words() -> None:
    for card in (create_digest_card(view()), region_card()):
        for element in cardtools.walk(card):
            if element.get("type") in ("TextBlock", "TextRun") and element.get("color") not in (
                None,
                "default",
            ):
                words = element["text"].replace("●", "").replace("○", "").strip()
                assert any(ch.isalpha() for ch in words), element
            if element.get("type") == "TableCell" and element.get("style"):
                texts = [i["text"] for i in element["items"]]
                assert any(any(ch.isalpha() for ch in t) for t in texts), element


def _heat_table(card: Card) -> Card:
    [table] = [e for e in cardtools.walk(card) if e.get("type") == "Table"]
    return table


def test_the_card_shows_the_heat_map_with_counts_and_band_names() -> None:
    card = create_digest_card(view())
    table = _heat_table(card)
    rows = [[" ".join(i["text"] for i in c["items"]) for c in r["cells"]] for r in table["rows"]]
    assert rows[0] == ["S ↓ K →", "1", "2", "3", "4"]
    assert rows[2] == ["3", "0 L", "0 M", "0 H", "1 MH"]
    assert rows[4] == ["1", "0 L", "1 L", "0 L", "0 M"]
    # Every name the cells abbreviate is spelled out under the table.
    text = cardtools.all_text(card)
    assert "Rader: sannolikhet (S), kolumner: konsekvens (K)." in text
    assert "Sannolikhet: 1 Osannolik, 2 Mindre sannolik, 3 Möjlig, 4 Sannolik" in text
    assert "Konsekvens: 1 Försumbar, 2 Lindrig, 3 Kännbar, 4 Allvarlig" in text
    assert "Risknivå: L = Låg · M = Medel · H = Hög · MH = Mycket hög" in text


# The rule for the heat map, stated here on its own: on the narrowest card Teams shows (a
# 320 px phone leaves 280 px), a column gets its weight's share less 16 px of cell padding,
# and a character takes 7 px in small text, 8 px in default-size text (bold digits and
# capitals included). No word in a cell may be longer than that, or Teams breaks it mid-word.
NARROWEST_PX, PADDING_PX, CHAR_PX = 280, 16, {"small": 7, None: 8}


@pytest.mark.parametrize(
    ("language", "axes"),
    [
        ("sv", AXES),
        ("en", AXES),
        ("sv", _five_by_five("sv")),
        ("en", _five_by_five("en")),
        ("sv", LONG_NAMES),
    ],
)
def test_no_heat_map_word_is_longer_than_its_column_holds_on_a_phone(
    language: str, axes: RiskAxes
) -> None:
    card = create_digest_card(view(language, digest=compute_digest(frames(), ROUND, axes)))
    table = _heat_table(card)
    weights = [column["width"] for column in table["columns"]]
    assert len(weights) == axes.consequence_max + 1
    for row in table["rows"]:
        assert len(row["cells"]) == len(weights)
        for weight, cell in zip(weights, row["cells"], strict=True):
            room = NARROWEST_PX * weight / sum(weights) - PADDING_PX
            for block in cell["items"]:
                fits = int(room // CHAR_PX[block.get("size")])
                for word in block["text"].replace("\\", "").split():
                    assert len(word) <= fits, (word, fits, axes.bands)
    # The short band names stay distinct, so the legend tells them apart.
    shown_bands = {
        axes.band(likelihood * consequence)
        for likelihood in range(1, axes.likelihood_max + 1)
        for consequence in range(1, axes.consequence_max + 1)
    }
    names = {c["items"][1]["text"] for r in table["rows"][1:] for c in r["cells"][1:]}
    assert len(names) == len(shown_bands)


def test_links_to_the_intranet_summary_and_the_export_only_when_published() -> None:
    linked = create_digest_card(view())
    assert [(a["title"], a["url"]) for a in cardtools.actions(linked)] == [
        ("Sammanfattning på intranätet", INTRANET),
        ("Excel-export", EXPORT),
    ]
    assert cardtools.actions(create_digest_card(view(intranet_url=None, export_url=None))) == []


def test_links_to_the_word_report_published_or_as_it_stands() -> None:
    report = "https://intranat.example/Lägesbot/t2/t2.docx"
    now = "https://lagesbot.example/api/reports/abc.def"
    published = create_digest_card(view(report_url=report, report_now_url=now))
    assert [(a["title"], a["url"]) for a in cardtools.actions(published)] == [
        ("Sammanfattning på intranätet", INTRANET),
        ("Rapporten (Word)", report),
        ("Excel-export", EXPORT),
    ]
    open_round = create_digest_card(view(intranet_url=None, export_url=None, report_now_url=now))
    assert [(a["title"], a["url"]) for a in cardtools.actions(open_round)] == [
        ("Rapport i Word, läget nu", now)
    ]
    english = create_digest_card(view("en", intranet_url=None, export_url=None, report_url=report))
    assert cardtools.action_titles(english) == ["Report (Word)"]


def test_a_region_sized_scope_is_summarised_within_the_size_limit() -> None:
    card = region_card()
    assert paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES
    text = cardtools.all_text(card)
    assert "5\u00a0400 av 6\u00a0000" in text  # the numbers stay exact
    assert "… och" in text  # the lists say how much is left out
    assert "Strategi 1:" in text
    # The worst risk (score 16) leads the list.
    assert "Riskvärde 16 (4 × 4) · Mycket hög".replace("(", "\\(").replace(")", "\\)") in text


def test_a_region_sized_view_holds_only_the_rows_the_card_can_show() -> None:
    digest = region_digest()
    shown = digest_view(digest, "sv")
    lists: dict[str, tuple[Shortened[Any], int]] = {
        "by_strategy": (shown.by_strategy, len(digest.by_strategy)),
        "worse": (shown.worse, digest.worse),
        "better": (shown.better, digest.better),
        "risks": (shown.risks, len(digest.risks)),
        "at_risk": (shown.at_risk, len(digest.at_risk)),
    }
    for name, (listed, total) in lists.items():
        assert listed.total == total, name
        assert len(listed.rows) == min(total, LIST_ROWS), name
    assert len(shown.by_goal.rows) == min(shown.by_goal.total, LIST_ROWS)
    assert shown.not_answered.total == len(digest.not_answered)
    assert len(shown.not_answered.rows) == min(len(digest.not_answered), NAME_ROWS)
    assert shown.risks.total > LIST_ROWS  # the region has more than a card shows


def test_an_empty_scope_says_so() -> None:
    f = frames()
    empty = replace(f, items=f.items.iloc[0:0])
    card = create_digest_card(view(digest=compute_digest(empty, ROUND, AXES)))
    assert "inga punkter inom styrgruppens område" in cardtools.all_text(card)
