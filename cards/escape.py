"""Making text from users and the store safe to show in Adaptive Card markdown.

TextBlock text and FactSet values are markdown in every Teams client, and TextBlocks also
expand ``{{DATE(...)}}``/``{{TIME(...)}}`` functions. A plan title or comment such as
``[Klicka här](https://evil.example)`` would otherwise become a link whose target the reader
cannot see, and ``**`` or a leading ``-`` would change how a colleague's answer looks.

The escape shows exactly what was typed and adds nothing a reader could see or copy: every
markdown punctuation character gets a backslash (CommonMark escapes, which the Teams desktop,
web and mobile renderers consume, so none is shown), and that includes ``{`` and ``}``. The
date functions are matched on the raw text before markdown runs (the adaptivecards renderers
call ``formatText``/``DateTimePreparser`` first, then markdown), and their pattern needs two
braces in a row, so ``\\{\\{DATE(`` is never a date. An earlier version split the braces with a
zero-width space, which readers then found in copied text.

Why not a RichTextBlock, whose TextRuns are documented as "markdown is not supported": the
web renderer shows a TextRun as plain text, but the iOS renderer still runs it through its
markdown parser, so no single string reads the same on both; TextBlock with escapes does.

Line starts that would make a list, heading, quote or code block are escaped too (leading
spaces are dropped: four of them make a code block, and no renderer shows them anyway). Bare
URLs are left alone on purpose: the reader sees exactly where such a link goes. ``<at>`` is
plain text in a card unless the card also carries a mention entity, which ours never do.

Only markdown places need this; Action titles, choice titles, placeholders and input values are
plain text in every client and must NOT be escaped (the backslashes would show).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

# Every character with a meaning in CommonMark inline syntax, or in the HTML some clients feed
# the text through (iOS renders text containing < > & as HTML).
_PUNCTUATION: Final = frozenset("\\`*_[]()<>#|~&!{}")

# Line starts that make a list, a heading, a quote or a setext underline.
# (")" after a number is already escaped as punctuation, so "1)" needs no rule here.)
_BLOCK_START: Final = re.compile(r"^([ \t]*)(?:(\d{1,9})\.|([-+=]))", re.MULTILINE)

# Direction overrides reorder what a reader sees (an old trick to disguise text); other
# control characters have no business in a card.
_INVISIBLE: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\ufeff"
)


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in text
        if ch in "\n\t" or (ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs"))
    )


# Sizing a status card renders the same titles and comments many times over.
@functools.lru_cache(maxsize=8192)
def escape_markdown(text: str | None, *, keep_line_breaks: bool = True) -> str:
    """``text`` as literal text for a TextBlock or fact value.

    With ``keep_line_breaks`` a single line break stays a line break (markdown would join the
    lines); without it, the text becomes one line, as titles should be.
    """
    if not text:
        return ""
    text = _clean(text)
    if keep_line_breaks:
        # Spaces and tabs at a line's ends are not shown, and four of them make a code block.
        text = "\n".join(line.strip(" \t") for line in text.split("\n"))
    else:
        text = " ".join(text.split())
    out: list[str] = []
    for ch in text:
        if ch in _PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = _BLOCK_START.sub(_escape_block_start, "".join(out))
    if keep_line_breaks:
        # Markdown joins single line breaks, so each becomes a paragraph break; blank lines
        # collapse into one, since runs of them would only pad the card.
        lines = [line.rstrip() for line in escaped.split("\n")]
        escaped = "\n\n".join(line for line in lines if line.strip())
    return escaped


def _escape_block_start(match: re.Match[str]) -> str:
    indent, digits, bullet = match.groups()
    if digits is not None:
        return f"{indent}{digits}\\."
    return f"{indent}\\{bullet}"


def plain(text: str | None, limit: int | None = None) -> str:
    """Text for places that are NOT markdown (choice titles, action titles, input values):
    control characters removed, optionally shortened with an ellipsis."""
    if not text:
        return ""
    cleaned = _clean(text)
    return cleaned if limit is None else shorten(cleaned, limit)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary where one is near, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def excerpt(text: str | None, limit: int) -> str:
    """A shortened, escaped one-paragraph excerpt of user text (the previous round's comment).

    Shortened before escaping so the cut never splits an escape sequence."""
    if not text:
        return ""
    return escape_markdown(shorten(" ".join(_clean(text).split()), limit))
