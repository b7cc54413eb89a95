"""The text catalogue: both languages complete, every id the code uses present, formats right."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from catalogue import texts

ROOT = Path(__file__).resolve().parents[2]
# Production code only: tests may use ids on purpose that are not in the catalogue.
CODE_DIRS = ("bot", "cards", "dialogs", "services", "storage", "cli")
MSGID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def all_ids(language: texts.Language) -> set[str]:
    return set(texts.catalogue(language)) | set(texts.plural_catalogue(language))


def namespaces() -> set[str]:
    return {msgid.split(".", 1)[0] for msgid in all_ids("sv") if "." in msgid}


def used_in_code() -> tuple[set[str], set[str]]:
    """String constants that look like message ids (in a namespace of the catalogue), and
    regexes for f-strings that build one, such as f"error.{axis}_missing"."""
    known = namespaces()
    exact: set[str] = set()
    patterns: set[str] = set()
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr):
                    parts = [
                        re.escape(v.value)
                        if isinstance(v, ast.Constant) and isinstance(v.value, str)
                        else "[a-z0-9_]+"
                        for v in node.values
                    ]
                    first = node.values[0] if node.values else None
                    if (
                        isinstance(first, ast.Constant)
                        and isinstance(first.value, str)
                        and first.value.split(".", 1)[0] in known
                        and "." in first.value
                    ):
                        patterns.add("".join(parts))
                elif (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and MSGID.match(node.value)
                    and node.value.split(".", 1)[0] in known
                ):
                    exact.add(node.value)
    return exact, patterns


def test_both_catalogues_have_the_same_ids() -> None:
    sv, en = set(texts.catalogue("sv")), set(texts.catalogue("en"))
    assert sv - en == set(), "missing in English"
    assert en - sv == set(), "missing in Swedish"
    assert len(sv) > 50
    plural_sv, plural_en = set(texts.plural_catalogue("sv")), set(texts.plural_catalogue("en"))
    assert plural_sv - plural_en == set(), "plural entries missing in English"
    assert plural_en - plural_sv == set(), "plural entries missing in Swedish"
    assert {"count.items", "count.people"} <= plural_sv


def test_the_catalogue_files_have_no_untranslated_or_fuzzy_entries() -> None:
    from babel.messages.pofile import read_po

    for language in texts.LANGUAGES:
        ids = []
        for path in texts.catalogue_paths(language):
            with path.open("rb") as handle:
                ids += [m.id for m in read_po(handle) if m.id]
        loaded = len(texts.catalogue(language)) + len(texts.plural_catalogue(language))
        assert len(ids) == loaded, f"{language}: empty, fuzzy or incomplete plural entries"


def test_translations_use_the_same_placeholders() -> None:
    for msgid, swedish in texts.catalogue("sv").items():
        english = texts.catalogue("en")[msgid]
        assert texts.placeholders(swedish) == texts.placeholders(english), msgid
    for msgid, forms in texts.plural_catalogue("sv").items():
        every_form = [*forms, *texts.plural_catalogue("en")[msgid]]
        names = {texts.placeholders(form) for form in every_form}
        assert len(names) == 1, (msgid, names)


def test_plural_entries_are_complete_in_both_languages() -> None:
    from babel.messages.pofile import read_po

    for language in texts.LANGUAGES:
        # Swedish and English: one form for exactly 1, one for everything else.
        assert texts.plural_rule(language) == "(n != 1)", language
        for path in texts.catalogue_paths(language):
            with path.open("rb") as handle:
                catalog = read_po(handle)
            assert catalog.num_plurals == 2, (language, path.name)
            for message in catalog:
                if isinstance(message.id, tuple):
                    assert message.id[0] == message.id[1], f"{path.name}: msgid_plural = msgid"
                    assert isinstance(message.string, tuple), message.id
                    assert len(message.string) == 2 and all(message.string), (
                        f"{language}/{path.name}: {message.id[0]} needs both forms"
                    )
        for msgid, forms in texts.plural_catalogue(language).items():
            assert len(forms) == 2 and all(forms), (language, msgid)


def test_counts_with_a_noun_take_the_right_form() -> None:
    sv, en = texts.for_language("sv"), texts.for_language("en")
    assert [sv.n("count.people", n) for n in (0, 1, 2)] == ["0 personer", "1 person", "2 personer"]
    assert [sv.n("count.items", n) for n in (1, 2)] == ["1 punkt", "2 punkter"]
    assert [en.n("count.people", n) for n in (1, 2)] == ["1 person", "2 people"]
    assert [en.n("count.items", n) for n in (0, 1)] == ["0 items", "1 item"]
    assert sv.n("count.items", 12500) == "12\u00a0500 punkter"
    assert en.n("count.items", 12500) == "12,500 items"
    # A text about two counts: the form follows the one given, the other is a phrase.
    assert sv.n("admin.preview.summary", 1, items=sv.n("count.items", 1)) == (
        "1 person tillfrågas om 1 punkt."
    )
    assert en.n("admin.preview.summary", 3, items=en.n("count.items", 12)) == (
        "3 people are asked about 12 items."
    )
    assert sv.has("count.items") and not sv.has("no.such_text")
    assert sv.n("no.such_text", 2) == "no.such_text"


def test_every_message_id_used_in_the_code_is_in_both_catalogues() -> None:
    exact, patterns = used_in_code()
    assert "card.submit" in exact  # the scan does see the card builders
    for language in texts.LANGUAGES:
        have = all_ids(language)
        assert exact - have == set(), f"ids used in code but missing in {language}"
        for pattern in patterns:
            assert any(re.fullmatch(pattern, msgid) for msgid in have), (language, pattern)


def calls_in_code() -> dict[str, set[str]]:
    """Message ids given literally to ``….t(…)`` and ``….n(…)``."""
    found: dict[str, set[str]] = {"t": set(), "n": set()}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in found
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and MSGID.match(node.args[0].value)
                ):
                    found[node.func.attr].add(node.args[0].value)
    return found


def test_plural_entries_are_used_with_n_and_plain_ones_with_t() -> None:
    calls = calls_in_code()
    assert "count.items" in calls["n"]  # the scan does see the plural calls
    for language in texts.LANGUAGES:
        assert calls["n"] - set(texts.plural_catalogue(language)) == set(), language
        assert calls["t"] & set(texts.plural_catalogue(language)) == set(), language


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("sv", "sv"),
        ("sv-SE", "sv"),
        ("en", "en"),
        ("en-GB", "en"),
        ("EN_us", "en"),
        ("fi-FI", "sv"),
        ("", "sv"),
        (None, "sv"),
    ],
)
def test_language_tags_map_to_a_supported_language(tag: str | None, expected: str) -> None:
    assert texts.for_language(tag).language == expected


def test_texts_fill_in_parameters_with_numbers_in_the_locale() -> None:
    sv, en = texts.for_language("sv"), texts.for_language("en")
    assert sv.t("card.page", page=2, page_count=3) == "Sida 2 av 3"
    assert en.t("card.page", page=2, page_count=3) == "Page 2 of 3"
    assert "2\u00a0000" in sv.t("error.comment_too_long", max=2000, length=2100)
    assert "2,000" in en.t("error.comment_too_long", max=2000, length=2100)


def test_a_missing_parameter_or_id_does_not_crash() -> None:
    sv = texts.for_language("sv")
    assert sv.t("card.page", page=2) == "Sida 2 av {page_count}"
    assert sv.t("no.such_text") == "no.such_text"


def test_dates_and_times_are_shown_in_the_persons_zone_and_language() -> None:
    moment = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    assert texts.for_language("sv").format_datetime(moment, "Europe/Stockholm") == (
        "23 nov. 2026 14:05"
    )
    assert texts.for_language("en").format_datetime(moment, "Europe/London") == (
        "23 Nov 2026, 13:05"
    )
    summer = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)
    assert texts.for_language("sv").format_date(summer, "Europe/Stockholm") == "2 juni 2026"
    assert texts.for_language("sv").format_date(date(2026, 1, 5)) == "5 jan. 2026"
    # A broken zone in imported data falls back to Stockholm instead of failing the card.
    assert texts.for_language("sv").format_time(moment, "Mars/Olympus") == "14:05"
    with pytest.raises(ValueError, match="naive"):
        texts.for_language("sv").format_datetime(datetime(2026, 1, 1), "Europe/Stockholm")


def test_numbers_and_percentages() -> None:
    sv, en = texts.for_language("sv"), texts.for_language("en")
    assert sv.format_number(Decimal("12500.5000")) == "12\u00a0500,5"
    assert en.format_number(Decimal("12500.5000")) == "12,500.5"
    assert sv.format_number(Decimal("90.0000")) == "90"
    assert sv.format_number(Decimal("1200.5"), grouping=False) == "1200,5"
    assert en.format_number(1200.5, grouping=False) == "1200.5"
    assert sv.format_percent(0.725) == "72\u00a0%"
    assert en.format_percent(Decimal("0.725"), decimals=1) == "72.5%"
    assert sv.format_percent(Decimal("0.725"), decimals=1) == "72,5\u00a0%"


def test_command_words_in_every_language() -> None:
    assert texts.all_translations("command.my_items") == {"mina punkter", "my items"}
    assert texts.all_translations("command.help") == {"hjälp", "help"}
