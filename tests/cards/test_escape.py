"""User text shown in card markdown stays literal text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.escape import escape_markdown, excerpt, plain, shorten
from tests.cards.rendering import DATE_FUNCTION, EXPANDED, TIME_FUNCTION, as_read, shown

SPECIAL = set("\\`*_[]()<>#|~&!{}")


def unescaped_specials(text: str) -> list[str]:
    """Markdown punctuation not preceded by a backslash (backslash pairs are literal)."""
    found: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in SPECIAL:
            found.append(char)
        index += 1
    return found


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("[x](http://evil)", "\\[x\\]\\(http://evil\\)"),
        ("**viktigt**", "\\*\\*viktigt\\*\\*"),
        ("_kursiv_ och ~~struken~~", "\\_kursiv\\_ och \\~\\~struken\\~\\~"),
        ("`kod`", "\\`kod\\`"),
        ("<b>fet</b> & <script>", "\\<b\\>fet\\</b\\> \\& \\<script\\>"),
        ("![bild](https://evil/x.png)", "\\!\\[bild\\]\\(https://evil/x.png\\)"),
        ("C:\\temp", "C:\\\\temp"),
        ("# Rubrik", "\\# Rubrik"),
        ("Vanlig text, 12.5 % och 3-4 veckor.", "Vanlig text, 12.5 % och 3-4 veckor."),
    ],
)
def test_markdown_and_html_are_escaped(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_list_markers_at_line_start_are_escaped() -> None:
    text = escape_markdown("- punkt\n+ plus\n1. ett\n  2. två\n= rubrik\nmitt - i 1. raden")
    assert text.split("\n\n") == [
        "\\- punkt",
        "\\+ plus",
        "1\\. ett",
        "2\\. två",  # leading spaces are not shown, and four would make a code block
        "\\= rubrik",
        "mitt - i 1. raden",
    ]
    assert escape_markdown("1) ett") == "1\\) ett"


def test_date_functions_cannot_be_injected() -> None:
    raw = "Möte {{DATE(2026-11-23T10:00:00Z, SHORT)}} kl {{TIME(2026-11-23T10:00:00Z)}}"
    escaped = escape_markdown(raw)
    assert DATE_FUNCTION.search(raw) and TIME_FUNCTION.search(raw)
    assert not DATE_FUNCTION.search(escaped) and not TIME_FUNCTION.search(escaped)
    assert "{{" not in escaped and "}}" not in escaped
    assert shown(escaped).text == raw


HOSTILE = [
    "{{x}}",
    "{{DATE(2026-11-23T10:00:00Z, SHORT)}} och {{TIME(2026-11-23T10:00:00Z)}}",
    "${user.name} och ${'{{'}",
    '[a](http://x) och [Klicka här](https://evil.example "titel")',
    "**b** och __c__ och *d* och _e_",
    "<at>Ingrid Dahl</at> tack",
    "<b>fet</b> & &amp; &copy; &#123;&#x7b;",
    "![bild](https://evil/x.png)",
    "`kod` och ```block```",
    "~~struken~~",
    "<https://evil.example> och <a href='x'>länk</a>",
    "[ref]: https://evil.example",
    "C:\\temp\\ och \\*inte fet\\*",
    "# Rubrik\n> citat\n- punkt\n+ plus\n* stjärna\n1. ett\n2) två",
    "    indragen kod\n\tmed tabb",
    "rad med två mellanslag  \nefter hård radbrytning\\\nmed snedstreck",
    "***\n---\n===\n___",
    "| a | b |\n|---|---|\n| 1 | 2 |",
]


@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_text_is_shown_exactly_as_typed_and_stays_inert(typed: str) -> None:
    seen = shown(escape_markdown(typed))
    assert seen.text == as_read(typed)
    assert seen.tags <= {"br"}, seen.tags  # no link, emphasis, code, list, heading, image
    assert "br" not in seen.tags  # every line its own paragraph, no hard breaks
    assert "\u200b" not in escape_markdown(typed)


@pytest.mark.parametrize("typed", HOSTILE)
def test_titles_are_shown_as_typed_on_one_line(typed: str) -> None:
    seen = shown(escape_markdown(typed, keep_line_breaks=False))
    assert seen.text == " ".join(typed.split())
    assert seen.tags == set()


def test_line_breaks_are_kept_as_paragraphs_and_titles_become_one_line() -> None:
    assert escape_markdown("rad ett\r\nrad två\n\n\n\nrad tre") == "rad ett\n\nrad två\n\nrad tre"
    assert escape_markdown("titel\nmed  radbrytning", keep_line_breaks=False) == (
        "titel med radbrytning"
    )


def test_invisible_and_control_characters_are_removed() -> None:
    assert escape_markdown("abc\u202eevil\u0007\x00") == "abcevil"
    assert plain("ok\u202e\u0008text") == "oktext"


def test_empty_text() -> None:
    assert escape_markdown(None) == ""
    assert escape_markdown("") == ""
    assert plain(None) == ""
    assert excerpt(None, 10) == ""


def test_shorten_and_excerpt() -> None:
    assert shorten("kort", 10) == "kort"
    assert shorten("en ganska lång mening med många ord", 20) == "en ganska lång…"
    assert len(shorten("x" * 50, 20)) == 20
    cut = excerpt("**" * 100, 11)
    assert cut.endswith("…")
    assert unescaped_specials(cut) == []


@given(st.text(max_size=300))
def test_no_markdown_punctuation_is_left_unescaped(raw: str) -> None:
    escaped = escape_markdown(raw)
    assert unescaped_specials(escaped) == []
    assert "{{" not in escaped and "}}" not in escaped
    for line in escaped.split("\n"):
        assert not re.match(r"^\s*([-+=]|\d+[.)])", line), line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf")), max_size=200))
def test_escaping_keeps_the_words(raw: str) -> None:
    escaped = escape_markdown(raw, keep_line_breaks=False)
    assert escaped.replace("\\", "") == " ".join(raw.replace("\\", "").split())


# Printable text with the characters markdown cares about over-represented.
_TYPED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\\`*_[]()<>#|~&!{}$-+=.:;/ \t\n1aåZ")),
        st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp")),
    ),
    max_size=120,
)


@given(_TYPED)
def test_whatever_is_typed_is_shown_as_typed(typed: str) -> None:
    seen = shown(escape_markdown(typed))
    assert seen.text == as_read(typed)
    assert seen.tags == set()
    assert EXPANDED not in seen.text or EXPANDED in typed
