"""Goal attainment on the intranet page and in ``lagesbot report``: a chart per strategy with
the colours named, its numbers in words as the image's alt text and in a table beside it on
the page, and the counts and projected misses in the text report."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from catalogue import texts
from cli.report_commands import render_report
from services.goals.rollup import compute_attainment
from services.reporting.attainment_chart import strategy_charts
from services.reporting.digest import Digest, compute_digest
from services.reporting.intranet import page_sections
from tests.digest.frames import AXES, ROUND
from tests.goals.frames import INDICATORS, values
from tests.goals.test_rollup import ROUNDS, _frames


def _digest() -> Digest:
    frames = _frames()
    series = {11: [70.0, 72.0, 74.0], 12: [14.0, 13.0, 11.0], 13: [70.0, 75.0, 78.0]}
    rows = [
        (item, rnd, period, at, series[item][n])
        for item in series
        for n, (rnd, period, at) in enumerate(ROUNDS)
    ]
    digest = compute_digest(frames, ROUND, AXES)
    return replace(
        digest, attainment=compute_attainment(frames, INDICATORS, values(rows), round_id=3)
    )


def test_the_page_has_the_attainment_table_with_the_colours_in_words() -> None:
    sections = page_sections(_digest(), texts.for_language("sv"), export_url=None)
    table = sections[1]
    assert "<h3>Måluppfyllelse</h3>" in table
    assert "2 mål: 1 gult, 1 rött" in table
    for word in ("Strategi", "Grön", "Gul", "Röd", "Utan bedömning", "Totalt"):
        assert f"<th>{word}</th>" in table
    # God och jämlik hälsa: 0 green, 1 yellow, 1 red, 0 not judged, 2 in all.
    assert (
        "<tr><td>God och jämlik hälsa</td><td>0</td><td>1</td><td>1</td><td>0</td><td>2</td></tr>"
        in table
    )
    assert "<tr><td>Totalt</td><td>0</td><td>1</td><td>1</td><td>0</td><td>2</td></tr>" in table


def test_a_page_without_indicators_has_no_attainment_table() -> None:
    digest = replace(_digest(), attainment=None)
    sections = page_sections(digest, texts.for_language("sv"), export_url=None)
    assert not any("Måluppfyllelse" in section for section in sections)


def test_each_strategy_chart_is_a_png_with_the_numbers_as_alt_text() -> None:
    charts = strategy_charts(_digest().attainment, texts.for_language("en"))
    assert [chart.strategy for chart in charts] == ["God och jämlik hälsa"]
    chart = charts[0]
    assert chart.alt_text == "Goal attainment for God och jämlik hälsa: 2 goals: 1 yellow, 1 red."
    image = Image.open(io.BytesIO(chart.png))
    assert image.format == "PNG"
    assert image.size == (chart.width, chart.height)


def test_the_text_report_shows_the_counts_per_strategy_and_the_projected_misses() -> None:
    out = render_report(_digest(), texts.for_language("sv"), top=20)
    part = out[out.index("Måluppfyllelse") :]
    assert "2 mål: 1 gult, 1 rött" in part
    lines = part.splitlines()
    header = next(line for line in lines if "Strategi" in line)
    assert header.split() == ["Strategi", "Grön", "Gul", "Röd", "Utan", "bedömning", "Totalt"]
    row = next(line for line in lines if "God och jämlik hälsa" in line)
    assert row.split()[-5:] == ["0", "1", "1", "0", "2"]
    misses = part[part.index("Indikatorer som riskerar att inte nå målet") :]
    assert "Andel inom 90 dagar" in misses
    assert "74 %" in misses and "90 %" in misses
    assert "31 dec. 2027" in misses
