"""The Word building blocks of the written report (python-docx and its OOXML): text that any
comment can be put into, tables built fast enough for a region, numbered captions, pictures
with alt text, the table of contents field and the document's language.

Word's outline, navigation pane and screen readers work from the built-in heading styles
("Heading 1".."Heading 3"), table header rows and the ``descr`` of a picture's ``docPr``; the
report uses exactly those rather than look-alike formatting."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any, Final

from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

# XML 1.0 cannot hold C0 control characters (but tab, line feed and carriage return), lone
# surrogates, U+FFFE and U+FFFF; lxml refuses the whole document for one of them. A comment
# is shown as typed, so such a character is shown as its visible stand-in (the Unicode
# "control pictures" for C0: U+0001 becomes ␁) rather than dropped or crashing the report.
_UNWRITABLE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL_PICTURES: Final = 0x2400
TABLE_STYLE: Final = "Table Grid"
PICTURE_WIDTH: Final = Cm(12)
# The text width of an A4 page with Word's default margins.
TABLE_WIDTH: Final = Cm(16)


def _stand_in(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return chr(_CONTROL_PICTURES + code) if code < 0x20 else "\ufffd"


def clean(text: object) -> str:
    """Text as Word can store it: every character kept, those XML cannot hold made visible;
    a carriage return before a line feed is one line break."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWRITABLE.sub(_stand_in, value)


def _sub(parent: Any, tag: str) -> Any:
    # lxml's SubElement: OxmlElement parses a snippet for every element, which cost more
    # than the rest of a region's report.
    return etree.SubElement(parent, qn(tag))


def _text_runs(parent: Any, text: str, *, bold: bool = False) -> None:
    """Runs under ``parent`` (a ``w:p``) holding ``text``: line feeds become line breaks,
    tabs tabs, everything else literal text (``xml:space="preserve"`` keeps spaces)."""
    run = _sub(parent, "w:r")
    if bold:
        _sub(_sub(run, "w:rPr"), "w:b")
    for index, line in enumerate(text.split("\n")):
        if index:
            _sub(run, "w:br")
        for part_index, part in enumerate(line.split("\t")):
            if part_index:
                _sub(run, "w:tab")
            if part:
                element = _sub(run, "w:t")
                element.set(qn("xml:space"), "preserve")
                element.text = part


_STYLE_IDS: Final = "_lagesbot_style_ids"


def styled(doc: Document, style: str | None = None) -> Paragraph:
    """A new paragraph in the named style. The style's id is looked up once per document:
    python-docx searches every style for each lookup, which dominated a region's report."""
    para = doc.add_paragraph()
    if style is not None:
        para._p.get_or_add_pPr().style = style_id(doc, style)
    return para


def style_id(doc: Document, name: str) -> str:
    cache: dict[str, str] = doc.part.__dict__.setdefault(_STYLE_IDS, {})
    if name not in cache:
        cache[name] = str(doc.styles[name].style_id)
    return cache[name]


def heading(doc: Document, text: object, level: int) -> Paragraph:
    """A paragraph in Word's built-in "Heading <level>" style: the document's outline."""
    para = styled(doc, f"Heading {level}")
    _text_runs(para._p, clean(text))
    return para


def paragraph(doc: Document, text: object, style: str | None = None) -> Paragraph:
    """A paragraph of (cleaned) text, verbatim: markup-looking text stays text."""
    para = styled(doc, style)
    _text_runs(para._p, clean(text))
    return para


def labelled(doc: Document, label: str, text: object) -> Paragraph:
    """ "Label: text" with the label in bold."""
    para = styled(doc)
    _text_runs(para._p, clean(label) + " ", bold=True)
    _text_runs(para._p, clean(text))
    return para


def _cell(row: Any, text: str, *, bold: bool = False, right: bool = False) -> None:
    para = _sub(_sub(row, "w:tc"), "w:p")
    if right:
        _sub(_sub(para, "w:pPr"), "w:jc").set(qn("w:val"), "right")
    _text_runs(para, text, bold=bold)


def _row(
    table: Any, cells: Sequence[str], numeric: Sequence[bool], *, header: bool = False
) -> None:
    row = _sub(table, "w:tr")
    if header:
        # Repeated on every page, and announced by screen readers as the column headers.
        _sub(_sub(row, "w:trPr"), "w:tblHeader")
    for text, right in zip(cells, numeric, strict=True):
        _cell(row, clean(text), bold=header, right=right)


def table(
    doc: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool] | None = None,
) -> Table:
    """A table with a bold, repeating header row; ``numeric`` columns are right-aligned.

    Rows are appended as XML: python-docx's cell access is quadratic in the table's size,
    and a region's report has tables of thousands of rows."""
    right = list(numeric) if numeric is not None else [False] * len(header)
    grid: Table = doc._body.add_table(0, len(header), TABLE_WIDTH)
    element = grid._tbl
    element.tblPr.style = style_id(doc, TABLE_STYLE)
    _row(element, header, right, header=True)
    for cells in rows:
        _row(element, cells, right)
    return grid


def _field(para: Paragraph, instruction: str, shown: str) -> None:
    """A complex field (``fldChar`` begin / ``instrText`` / separate / result / end) whose
    current result is ``shown``; Word recomputes it when fields are updated."""

    def char(kind: str) -> Any:
        run = OxmlElement("w:r")
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        run.append(mark)
        return run

    para._p.append(char("begin"))
    code = OxmlElement("w:r")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    code.append(text)
    para._p.append(code)
    para._p.append(char("separate"))
    _text_runs(para._p, shown)
    para._p.append(char("end"))


def caption(doc: Document, label: str, number: int, text: str) -> Paragraph:
    """ "Figur 1. text" in the Caption style, the number a SEQ field, so Word's list of
    figures and cross-references find it."""
    para = styled(doc, "Caption")
    _text_runs(para._p, clean(label) + " ")
    _field(para, f"SEQ {label} \\* ARABIC", str(number))
    _text_runs(para._p, ". " + clean(text))
    return para


def picture(doc: Document, png: bytes, *, alt_text: str, title: str) -> Paragraph:
    """The image in its own paragraph, its alt text in ``docPr/@descr`` (what Word's "Alt
    Text" pane and screen readers read) and its title in ``docPr/@title``."""
    para = doc.add_paragraph()
    shape = para.add_run().add_picture(io.BytesIO(png), width=PICTURE_WIDTH)
    properties = shape._inline.docPr
    properties.set("descr", clean(alt_text))
    properties.set("title", clean(title))
    return para


def table_of_contents(doc: Document, placeholder: str) -> Paragraph:
    """A TOC field over heading levels 1-3 with links; Word fills it when fields are updated,
    which ``update_fields_on_open`` asks it to do when the document is opened."""
    para = doc.add_paragraph()
    _field(para, 'TOC \\o "1-3" \\h \\z \\u', clean(placeholder))
    return para


# What CT_Settings lists after updateFields: Word refuses a settings part out of schema order,
# so updateFields goes before the first of these.
_AFTER_UPDATE_FIELDS: Final = frozenset(
    {
        "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
        "decimalSymbol", "listSeparator",
    }
)  # fmt: skip


def update_fields_on_open(doc: Document) -> None:
    """Ask Word to update the fields (the table of contents, caption numbers) on opening."""
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    for child in settings:
        if etree.QName(child).localname in _AFTER_UPDATE_FIELDS:
            child.addprevious(update)
            return
    settings.append(update)


def set_language(doc: Document, tag: str) -> None:
    """The language of all text (spelling, hyphenation, screen readers' voice): ``sv-SE``."""
    doc.core_properties.language = tag
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    properties = None if defaults is None else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if properties is None:
        return
    language = properties.find(qn("w:lang"))
    if language is None:
        # w:lang comes late in a run's properties; none that could follow it is in a default.
        language = _sub(properties, "w:lang")
    language.set(qn("w:val"), tag)


def a4_page(doc: Document) -> None:
    """A4 with 2.5 cm margins (the template is US Letter): 16 cm of text, the tables' width."""
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)


def page_break(doc: Document) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
