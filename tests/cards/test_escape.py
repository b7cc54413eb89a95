"""User text shown in card markdown stays literal text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.escape import ZWSP, escape_markdown, excerpt, plain, shorten

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
        "  2\\. två",
        "\\= rubrik",
        "mitt - i 1. raden",
    ]
    assert escape_markdown("1) ett") == "1\\) ett"


def test_date_functions_cannot_be_injected() -> None:
    raw = "Möte {{DATE(2026-11-23T10:00:00Z, SHORT)}} kl {{TIME(2026-11-23T10:00:00Z)}}"
    escaped = escape_markdown(raw)
    assert "{{" not in escaped and "}}" not in escaped
    assert "{\\{" not in escaped  # the braces are split by more than the escape
    without_escapes = escaped.replace("\\", "").replace(ZWSP, "")
    assert without_escapes == raw
    assert not re.search(r"\{\\?\{", escaped.replace(ZWSP + "\\{", "X"))


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
    assert escaped.replace("\\", "").replace(ZWSP, "") == " ".join(raw.replace("\\", "").split())
