"""What a reader sees of a TextBlock's text, as the Adaptive Card renderers in Teams build it.

The renderers first expand the date functions on the raw text (the adaptivecards library's
``formatText`` with the patterns below, copied from its ``text-formatters.js``; the native
renderers' ``DateTimePreparser`` matches the same syntax), then turn the result into HTML with
a CommonMark processor. markdown-it (the CommonMark implementation of the JavaScript world,
here its Python port) stands in for Teams' processor, with raw HTML, strikethrough and tables
switched on so that anything that could become formatting does. The visible text is the HTML's
text with whitespace collapsed as a browser collapses it, one line per paragraph, without the
spaces at a line's ends (which nobody can see).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt

_STAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|(?:(?:-|\+)\d{2}:\d{2}))"
DATE_FUNCTION = re.compile(r"\{{2}DATE\((" + _STAMP + r")(?:, ?(COMPACT|LONG|SHORT))?\)\}{2}")
TIME_FUNCTION = re.compile(r"\{{2}TIME\((" + _STAMP + r")\)\}{2}")
# What an expanded date function turns into here: never something a user types.
EXPANDED = "⟦date⟧"

_MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])
_COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Shown:
    text: str  # paragraphs joined with "\n"
    tags: set[str] = field(default_factory=set)  # every HTML element but <p>


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = [""]
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self.paragraphs.append("")
        else:
            self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.paragraphs[-1] += data


def shown(text: str) -> Shown:
    dated = TIME_FUNCTION.sub(EXPANDED, DATE_FUNCTION.sub(EXPANDED, text))
    collector = _Collect()
    collector.feed(_MARKDOWN.render(dated))
    collector.close()
    lines = [_COLLAPSIBLE.sub(" ", p).strip() for p in collector.paragraphs]
    return Shown("\n".join(line for line in lines if line), collector.tags)


def as_read(typed: str) -> str:
    """``typed`` as a reader sees plain text: one line per line that has anything visible on
    it, runs of spaces and tabs shown as one space, no (invisible) space at a line's ends."""
    lines = [_COLLAPSIBLE.sub(" ", line).strip() for line in typed.split("\n")]
    return "\n".join(line for line in lines if line)
