"""The digest as a steering group reads it: goals per light for each strategy as a chart with
the same numbers in words, and the projected misses first among what needs attention. The
adaptivecards library (no charts) shows the chart's fallback."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cards.digest_card import create_digest_card
from services.delivery.digest_view import digest_card_view
from services.goals.rollup import compute_attainment
from services.reporting.digest import compute_digest
from tests.cardtools import all_text
from tests.digest.frames import AXES, ROUND
from tests.goals.frames import INDICATORS, values
from tests.goals.test_rollup import ROUNDS, _frames

ROOT = Path(__file__).resolve().parents[2]


def _card(language: str = "sv") -> dict[str, object]:
    frames = _frames()
    series = {11: [70.0, 72.0, 74.0], 12: [14.0, 13.0, 11.0], 13: [70.0, 75.0, 78.0]}
    rows = [
        (item, rnd, period, at, series[item][n])
        for item in series
        for n, (rnd, period, at) in enumerate(ROUNDS)
    ]
    digest = compute_digest(frames, ROUND, AXES)
    digest = replace(
        digest, attainment=compute_attainment(frames, INDICATORS, values(rows), round_id=3)
    )
    view = digest_card_view(
        digest,
        group_name="Regionstyrelsen",
        language=language,
        time_zone="Europe/Stockholm",
        generated_at=datetime(2027, 12, 31, 8, tzinfo=UTC),
    )
    return create_digest_card(view)


def test_counts_per_strategy_in_words_and_misses_first() -> None:
    text = all_text(_card())
    assert "Måluppfyllelse" in text
    assert "God och jämlik hälsa: 2 mål: 1 gult, 1 rött" in text  # the chart's fallback
    assert "2 mål: 1 gult, 1 rött" in text
    attention = text.index("Punkter som behöver uppmärksamhet")
    first_miss = text.index("Andel inom 90 dagar", attention)
    assert first_miss < text.index("Brist på sjuksköterskor", attention)
    assert "Prognos 74 % den 31 dec. 2027, mål 90 %." in text
    assert "Riskerar att inte nå målet" in text
    english = all_text(_card("en"))
    assert "2 goals: 1 yellow, 1 red" in english


def test_the_library_takes_the_charts_fallback(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(_card(), ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [node, str(ROOT / "tests/tools/validate_cards.mjs"), str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout)["results"][0]
    assert result["errors"] == [] and result["warnings"] == []
    assert result["fallbacks"] == ["Chart.HorizontalBar.Stacked"]
