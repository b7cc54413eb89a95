"""The round's review setting (issue 17): in a round file and in the form's values, as the
mode's key or in words; anything else is an error next to the field; a copy keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.followup.round_file import RoundFileInvalid, load_round_file
from storage.models import ReviewMode

ROUND = """name = "Tertial 1 2027"
plan = "rs-vp-2027"
opens = "2027-04-26 08:00"
deadline = "2027-05-07 16:00"
"""


@pytest.mark.parametrize(
    ("written", "mode"),
    [
        (None, ReviewMode.NONE),
        ('"line_manager"', ReviewMode.LINE_MANAGER),
        ('"närmaste chef"', ReviewMode.LINE_MANAGER),
        ('"org_unit_head"', ReviewMode.ORG_UNIT_HEAD),
        ('"enhetschef"', ReviewMode.ORG_UNIT_HEAD),
        ('"ingen"', ReviewMode.NONE),
    ],
)
def test_a_round_file_names_who_reviews(tmp_path: Path, written: str | None, mode: str) -> None:
    path = tmp_path / "round.toml"
    path.write_text(ROUND + (f"review = {written}\n" if written else ""), encoding="utf-8")
    assert load_round_file(path).spec().review == mode


def test_an_unknown_review_is_an_error_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "round.toml"
    path.write_text(ROUND + 'review = "styrelsen"\n', encoding="utf-8")
    with pytest.raises(RoundFileInvalid) as caught:
        load_round_file(path)
    [error] = [e.render("sv") for e in caught.value.errors]
    assert "Rad 5" in error and "styrelsen" in error
