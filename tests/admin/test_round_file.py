"""Round files: the shipped examples parse, and mistakes are reported with the field and the
line they are on, in Swedish or English."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.followup.round_file import RoundFileInvalid, load_round_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "demo" / "rounds").glob("*.*"))


def errors_of(path: Path, language: str = "sv") -> list[str]:
    with pytest.raises(RoundFileInvalid) as caught:
        load_round_file(path)
    return [error.render(language) for error in caught.value.errors]


def test_there_are_examples_in_both_formats() -> None:
    assert {p.suffix for p in EXAMPLES} == {".toml", ".yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_shipped_examples_are_valid(path: Path) -> None:
    round_file = load_round_file(path)
    spec = round_file.spec()
    assert spec.plan_key == "rs-vp-2027"
    assert round_file.start == "schedule"
    assert spec.opens_at < spec.deadline_at
    assert spec.reminder_hours == (72, 24)
    assert spec.escalation_hours == 48


def test_toml_example_reads_swedish_kinds_and_local_time() -> None:
    spec = load_round_file(ROOT / "demo" / "rounds" / "tertial1_2027.toml").spec()
    assert spec.kinds == ("goal", "indicator", "activity", "risk")
    assert spec.org_units == ("HSN",)
    assert spec.opens_at == datetime(2027, 4, 26, 6, 0, tzinfo=UTC)
    assert spec.ask_risk


def test_yaml_errors_name_the_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "round.yaml"
    path.write_text(
        "name: Tertial 2\n"
        "plan: rs-vp-2027\n"
        "opens: '2027-09-01 08:00'\n"
        "deadline: den femtonde\n"
        "reminders: [3, 1]\n"
        "questions:\n"
        "  status: true\n"
        "  mood: true\n"
        "colour: blue\n",
        encoding="utf-8",
    )
    errors = errors_of(path)
    assert errors[0].startswith("Rad 4: deadline: Ange datum och tid")
    assert errors[1].startswith("Rad 8: questions.mood: okänt fält")
    assert errors[2].startswith("Rad 9: colour: okänt fält")
    english = errors_of(path, "en")
    assert english[0].startswith("Line 4: deadline: Give a date and time")


def test_toml_errors_name_the_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "round.toml"
    path.write_text(
        'name = "Tertial 2"\n'
        'plan = "rs-vp-2027"\n'
        'opens = "2027-09-15 08:00"\n'
        'deadline = "2027-09-01 16:00"\n'
        'start = "later"\n'
        "[questions]\n"
        'risk = "kanske"\n',
        encoding="utf-8",
    )
    errors = errors_of(path)
    assert "Rad 4: deadline: Sista svarsdag måste vara efter öppningstiden." in errors
    assert any(
        e.startswith("Rad 5: start: start ska vara en av draft, schedule, now") for e in errors
    )
    assert "Rad 7: questions.risk: Ange true eller false (är kanske)." in errors


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    toml = tmp_path / "broken.toml"
    toml.write_text('name = "Tertial 2"\nplan = \n', encoding="utf-8")
    assert errors_of(toml)[0].startswith("Rad 2: Filen kan inte läsas")
    yaml_file = tmp_path / "broken.yaml"
    yaml_file.write_text("name: Tertial 2\nplan: [rs\n", encoding="utf-8")
    assert errors_of(yaml_file)[0].startswith("Rad 3: Filen kan inte läsas")


def test_missing_fields_are_named(tmp_path: Path) -> None:
    path = tmp_path / "round.yaml"
    path.write_text("name: Tertial 2\n", encoding="utf-8")
    errors = errors_of(path, "en")
    assert "plan: Required." in errors
    assert "opens: Required." in errors
    assert "deadline: Required." in errors


def test_other_file_types_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "round.json"
    path.write_text("{}", encoding="utf-8")
    assert "round.json" in errors_of(path)[0]
