"""The follow-up report as a Word document (``lagesbot report ROUND --docx FILE``, the
intranet's copy of a closed round, the steering group's download): what a planning
controller would otherwise type by hand for the board, ready for light editing.

Outline (Word heading styles, so the navigation pane, the table of contents and screen
readers see it): the title page (plan, round, period, date), the table of contents, then

- Heading 1 "Sammanfattning": answer rate, items per status, status per strategy, and goal
  attainment per strategy once the store records it (``ReportData.attainment``);
- Heading 1 "Uppföljning per strategi och mål", Heading 2 per strategy, Heading 3 per goal:
  the goal's status and comment, its indicators (outcome, target, previous outcome,
  assessment) and its activities and assignments with status and comment;
- Heading 1 "Risker": the matrix as an image (caption, alt text) and as a table, and the
  risks, highest score first;
- Heading 1 "Intern kontroll": the control points;
- Heading 1 "Ej besvarat": who has not answered.

Every number comes from the digest (``services.reporting.digest``), so the document, the
card, the text report and the Excel export agree. Comments are written exactly as typed.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import docx
import numpy as np
import pandas as pd
from docx.document import Document

from catalogue import texts
from services.reporting import docx_parts as parts
from services.reporting.digest import UNANSWERED, Digest
from services.reporting.export_xlsx import Percent, is_missing, level_frame, missing_frame
from services.reporting.heat_map import heat_map_png
from services.reporting.report_source import ReportData

DOCX_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LANGUAGE_TAGS: Final = {"sv": "sv-SE", "en": "en-GB"}
# Reported in their own sections, not under their goal.
OWN_SECTION_KINDS: Final = frozenset({"risk", "control_point"})
ACTIVITY_KINDS: Final = ("activity", "assignment")
NONE: Final = -1
DASH: Final = "–"
NBSP: Final = "\u00a0"


def shown(value: object, tx: texts.Texts) -> str:
    """A value as the reader's language writes it: "1 234" (a non-breaking space between
    thousands), "72,5", "75,0 %", "1 dec. 2026"; nothing is a dash."""
    if is_missing(value):
        return DASH
    if isinstance(value, Percent):
        return tx.format_percent(value.fraction, 1)
    if isinstance(value, datetime):
        return tx.format_date(value, value.tzinfo)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return tx.format_number(value)
    return parts.clean(value)


def quantity(value: object, unit: object, tx: texts.Texts) -> str:
    """An outcome or target with its unit: "72,5 %", "1 200 st"."""
    if is_missing(value):
        return DASH
    number = shown(value, tx)
    return f"{number}{NBSP}{unit}" if isinstance(unit, str) and unit.strip() else number


class _Writer:
    """One document being written: the numbering of figures and tables, and the lookups
    every section needs."""

    def __init__(self, report: ReportData, tx: texts.Texts, zone: str) -> None:
        self.report = report
        self.digest: Digest = report.digest
        self.tx = tx
        self.zone = zone
        self.doc: Document = docx.Document()
        self.figures = 0
        self.tables = 0
        labels = {str(r.status_key): str(r.label) for r in self.digest.statuses.itertuples()}
        labels[UNANSWERED] = tx.t("digest.status.unanswered")
        self.labels = labels
        d = report.details
        self.details: dict[Hashable, tuple[Any, ...]] = {
            item_id: tuple(rest)
            for item_id, *rest in zip(
                d["item_id"], d["unit"], d["target"], d["value"], d["previous_value"], strict=True
            )
        }

    def col(self, name: str) -> str:
        return self.tx.t(f"report.col.{name}" if name in _REPORT_COLUMNS else f"digest.col.{name}")

    def status(self, row: Any) -> str:
        key = row.status_key if bool(row.answered) else UNANSWERED
        if not isinstance(key, str):
            key = UNANSWERED
        return self.labels.get(key, key)

    def table(
        self,
        caption: str,
        header: Sequence[str],
        rows: Iterable[Sequence[str]],
        numeric: Sequence[bool] | None = None,
    ) -> None:
        """A numbered caption ("Tabell 3. …") above the table, as tables are captioned."""
        self.tables += 1
        parts.caption(self.doc, self.tx.t("report.table"), self.tables, caption)
        parts.table(self.doc, header, list(rows), numeric)

    def frame_table(self, caption: str, frame: pd.DataFrame, first_text: bool = True) -> None:
        rows = [[shown(v, self.tx) for v in r] for r in frame.itertuples(index=False, name=None)]
        numeric = [not (first_text and i == 0) for i in range(len(frame.columns))]
        self.table(caption, [str(c) for c in frame.columns], rows, numeric)


_REPORT_COLUMNS: Final = frozenset(
    {"outcome", "target", "previous_value", "assessment", "share", "count", "band", "unit"}
)


def write_report(
    report: ReportData,
    tx: texts.Texts,
    *,
    generated_at: datetime,
    zone: str = texts.DEFAULT_TIME_ZONE,
) -> bytes:
    """The .docx of ``report``, in ``tx``'s language, dated ``generated_at`` (in ``zone``)."""
    writer = _Writer(report, tx, zone)
    doc = writer.doc
    parts.a4_page(doc)
    parts.set_language(doc, LANGUAGE_TAGS.get(tx.language, "sv-SE"))
    parts.update_fields_on_open(doc)
    _properties(writer, generated_at)
    _title_page(writer, generated_at)
    parts.paragraph(doc, tx.t("report.toc.heading"), style="TOC Heading")
    parts.table_of_contents(doc, tx.t("report.toc.placeholder"))
    parts.page_break(doc)
    _summary(writer)
    _plan(writer)
    _risks(writer)
    _control_points(writer)
    _not_answered(writer)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _document_title(report: ReportData, tx: texts.Texts) -> str:
    return tx.t("report.document_title", plan=report.plan_name, round=report.digest.round.name)


def _properties(writer: _Writer, generated_at: datetime) -> None:
    properties = writer.doc.core_properties
    properties.title = parts.clean(_document_title(writer.report, writer.tx))[:255]
    properties.subject = parts.clean(writer.report.plan_name)[:255]
    properties.author = "Lägesbot"
    properties.created = generated_at
    properties.modified = generated_at
    properties.revision = 1


def _title_page(writer: _Writer, generated_at: datetime) -> None:
    doc, tx, report = writer.doc, writer.tx, writer.report
    info = report.digest.round
    parts.paragraph(doc, report.plan_name, style="Title")
    parts.paragraph(doc, tx.t("report.subtitle", round=info.name), style="Subtitle")
    period = report.period_label or report.plan_period
    if period:
        parts.labelled(doc, tx.t("report.period"), period)
    if report.group_name:
        parts.labelled(doc, tx.t("report.group"), report.group_name)
    parts.labelled(doc, tx.t("report.deadline"), tx.format_date(info.deadline, writer.zone))
    if info.closed_at is not None:
        parts.labelled(doc, tx.t("report.closed"), tx.format_date(info.closed_at, writer.zone))
    else:
        date = tx.format_date(generated_at, writer.zone)
        parts.paragraph(doc, tx.t("report.open_state", date=date))
    parts.labelled(doc, tx.t("report.generated"), tx.format_date(generated_at, writer.zone))
    parts.page_break(doc)


# --- summary --------------------------------------------------------------------------------


def _summary(writer: _Writer) -> None:
    doc, tx, digest = writer.doc, writer.tx, writer.digest
    parts.heading(doc, tx.t("report.summary.heading"), 1)
    rate = digest.rate
    parts.paragraph(
        doc,
        tx.t(
            "intranet.answer_rate",
            answered=rate.answered,
            items=tx.n("count.items", rate.items),
            percent=tx.format_percent(rate.rate, 1),
            owners_done=rate.owners_done,
            owners=tx.n("count.owners", rate.owners),
        ),
    )
    if digest.round.previous_round_name:
        parts.paragraph(
            doc,
            tx.t("report.summary.changes", previous=digest.round.previous_round_name)
            + " "
            + tx.t("digest.changes.summary", better=digest.better, worse=digest.worse),
        )
    totals = digest.status_totals()
    whole = max(int(totals.sum()), 1)
    writer.table(
        tx.t("report.summary.status_caption"),
        [writer.col("status"), writer.col("count"), writer.col("share")],
        [
            [
                writer.labels.get(str(key), str(key)),
                shown(int(n), tx),
                shown(Percent(n / whole), tx),
            ]
            for key, n in totals.items()
        ],
        [False, True, True],
    )
    writer.frame_table(tx.t("report.summary.strategy_caption"), level_frame(digest, tx, "strategy"))
    if writer.report.attainment is not None:
        _attainment(writer, writer.report.attainment)


def _attainment(writer: _Writer, frame: pd.DataFrame) -> None:
    """Goals per attainment colour under each strategy (see ``ReportData.attainment``)."""
    tx = writer.tx
    parts.heading(writer.doc, tx.t("report.attainment.heading"), 2)
    shown_frame = frame.drop(columns=["strategy_id"]).rename(
        columns={"strategy": writer.col("strategy")}
    )
    writer.frame_table(tx.t("report.attainment.caption"), shown_frame)


# --- per strategy and goal ------------------------------------------------------------------


# Items grouped as the report reads: strategy id -> goal id -> the items, in plan order
# (NONE for items without such an ancestor). Plain rows, since a region has 50 000 items
# and pandas selections per goal cost more than the whole document.
Groups = dict[int, dict[int, list[Any]]]


def _key(value: Any) -> int:
    return NONE if value is None or value is pd.NA or pd.isna(value) else int(value)


def plan_groups(table: pd.DataFrame) -> Groups:
    """The items by strategy and goal, each level in the order its first item comes in the
    plan, the items without such an ancestor last."""
    groups: Groups = {}
    for row in table.itertuples(index=False):
        goals = groups.setdefault(_key(row.strategy_id), {})
        goals.setdefault(_key(row.goal_id), []).append(row)
    ordered = {k: groups[k] for k in groups if k != NONE}
    if NONE in groups:
        ordered[NONE] = groups[NONE]
    for strategy, goals in ordered.items():
        keep = {k: goals[k] for k in goals if k != NONE}
        if NONE in goals:
            keep[NONE] = goals[NONE]
        ordered[strategy] = keep
    return ordered


def _plan(writer: _Writer) -> None:
    tx, digest = writer.tx, writer.digest
    parts.heading(writer.doc, tx.t("report.plan.heading"), 1)
    table = digest.items[~digest.items["kind"].isin(OWN_SECTION_KINDS)]
    frame = digest.by_strategy
    counts = {
        int(key): frame.iloc[at]
        for at, key in enumerate(frame["strategy_id"].fillna(NONE).astype("int64"))
    }
    for key, goals in plan_groups(table).items():
        _strategy(writer, key, goals, counts.get(key))


def _strategy(
    writer: _Writer, key: int, goals: dict[int, list[Any]], counts: pd.Series | None
) -> None:
    tx = writer.tx
    first = next(iter(goals.values()))[0]
    title = tx.t("digest.status.no_strategy") if key == NONE else str(first.strategy)
    parts.heading(writer.doc, title, 2)
    if counts is not None:
        _status_counts(writer, counts)
    for goal, rows in goals.items():
        own = [r for r in rows if r.item_id == key]
        for row in own:
            _own_answer(writer, row)
        below = [r for r in rows if r.item_id != key]
        if below:
            _goal(writer, goal, below)


def _status_counts(writer: _Writer, counts: pd.Series) -> None:
    """ "12 punkter: 5 Enligt plan, 3 Avvikelse, 4 Ej besvarad" from the digest's counts."""
    tx = writer.tx
    keys = [*writer.digest.statuses["status_key"], UNANSWERED]
    listed = ", ".join(
        f"{tx.format_number(int(counts[k]))} {writer.labels.get(str(k), str(k))}"
        for k in keys
        if k in counts.index and int(counts[k]) > 0
    )
    total = tx.n("count.items", int(counts["total"]))
    parts.paragraph(writer.doc, tx.t("report.strategy.counts", items=total, counts=listed))


def _own_answer(writer: _Writer, row: Any) -> None:
    """The status an owner gave a goal (or strategy) and the comment, verbatim."""
    tx = writer.tx
    status = tx.t("report.goal.by", status=writer.status(row), owner=row.owner_name)
    parts.labelled(writer.doc, tx.t("report.goal.status"), status)
    if isinstance(row.comment, str) and row.comment:
        parts.labelled(writer.doc, tx.t("report.goal.comment"), row.comment)


def _goal(writer: _Writer, key: int, rows: list[Any]) -> None:
    tx = writer.tx
    title = tx.t("report.no_goal") if key == NONE else str(rows[0].goal)
    parts.heading(writer.doc, title, 3)
    own = [r for r in rows if r.item_id == key]
    if key != NONE and not own:
        parts.paragraph(writer.doc, tx.t("report.goal.not_asked"))
    for row in own:
        _own_answer(writer, row)
    below = [r for r in rows if r.item_id != key]
    indicators = [r for r in below if r.kind == "indicator"]
    if indicators:
        _indicators(writer, title, indicators)
    activities = [r for r in below if r.kind in ACTIVITY_KINDS]
    if activities:
        _activities(writer, title, activities)
    others = [r for r in below if r.kind != "indicator" and r.kind not in ACTIVITY_KINDS]
    if others:
        _activities(writer, title, others, caption="report.others.caption")


def _comment(row: Any) -> str:
    return row.comment if isinstance(row.comment, str) else ""


def _indicators(writer: _Writer, goal: str, rows: list[Any]) -> None:
    tx = writer.tx
    header = [writer.col(c) for c in ("title", "owner_name", "outcome", "target")]
    header += [writer.col(c) for c in ("previous_value", "assessment", "comment")]
    body = []
    for row in rows:
        unit, target, value, previous = writer.details.get(row.item_id, (None,) * 4)
        body.append(
            [
                str(row.title),
                str(row.owner_name),
                quantity(value, unit, tx),
                quantity(target, unit, tx),
                quantity(previous, unit, tx),
                writer.status(row),
                _comment(row),
            ]
        )
    numeric = [False, False, True, True, True, False, False]
    writer.table(tx.t("report.indicators.caption", goal=goal), header, body, numeric)


def _kind(tx: texts.Texts, kind: str) -> str:
    return tx.t(f"digest.kind.{kind}") if tx.has(f"digest.kind.{kind}") else kind


def _activities(
    writer: _Writer, goal: str, rows: list[Any], caption: str = "report.activities.caption"
) -> None:
    tx = writer.tx
    header = [writer.col(c) for c in ("title", "kind", "owner_name", "status", "comment")]
    body = [
        [str(r.title), _kind(tx, str(r.kind)), str(r.owner_name), writer.status(r), _comment(r)]
        for r in rows
    ]
    writer.table(tx.t(caption, goal=goal), header, body)


# --- risks, internal control, who has not answered ------------------------------------------


def _risks(writer: _Writer) -> None:
    doc, tx, digest = writer.doc, writer.tx, writer.digest
    parts.heading(doc, tx.t("report.risks.heading"), 1)
    risks = digest.risks
    if risks.empty:
        parts.paragraph(doc, tx.t("report.risks.none"))
        return
    parts.paragraph(doc, tx.n("report.risks.count", len(risks)))
    if digest.risk_axes is not None:
        _heat_map(writer)
    axes = digest.risk_axes
    header = [writer.col(c) for c in ("title", "owner_name", "likelihood", "consequence")]
    header += [writer.col(c) for c in ("score", "band", "status", "comment")]
    body = []
    for row in risks.to_dict("records"):
        band = axes.band(int(row["score"])) if axes is not None else None
        body.append(
            [
                str(row["title"]),
                str(row["owner_name"]),
                shown(row["likelihood"], tx),
                shown(row["consequence"], tx),
                shown(row["score"], tx),
                DASH if band is None else band[0],
                writer.labels.get(str(row["status_key"]), str(row["status_key"])),
                row["comment"] if isinstance(row["comment"], str) else "",
            ]
        )
    numeric = [False, False, True, True, True, False, False, False]
    writer.table(tx.t("report.risks.caption"), header, body, numeric)


def heat_map_alt_text(digest: Digest, tx: texts.Texts) -> str:
    """What the matrix shows, in words: its axes and the count in every cell that has one."""
    grid = digest.heat_map
    cells = [
        tx.t(
            "report.heat.alt_cell",
            likelihood=int(likelihood),
            consequence=int(consequence),
            count=tx.n("report.count.risks", int(grid.loc[likelihood, consequence])),
        )
        for likelihood in grid.index
        for consequence in grid.columns
        if int(grid.loc[likelihood, consequence]) > 0
    ]
    return tx.t(
        "report.heat.alt",
        likelihood_max=int(max(grid.index, default=0)),
        consequence_max=int(max(grid.columns, default=0)),
        cells="; ".join(cells),
    )


def _heat_map(writer: _Writer) -> None:
    doc, tx, digest = writer.doc, writer.tx, writer.digest
    title = tx.t("intranet.heat_map_title", round=digest.round.name)
    png, _, _ = heat_map_png(
        digest.heat_map,
        band_colours=list(writer.report.band_colours),
        title=title,
        likelihood_label=tx.t("intranet.likelihood"),
        consequence_label=tx.t("intranet.consequence"),
    )
    parts.picture(doc, png, alt_text=heat_map_alt_text(digest, tx), title=title)
    writer.figures += 1
    parts.caption(doc, tx.t("report.figure"), writer.figures, tx.t("report.heat.caption"))
    corner = tx.t("digest.heat.corner")
    grid = digest.heat_map
    writer.table(
        tx.t("report.heat.table_caption"),
        [corner, *(str(int(c)) for c in grid.columns)],
        [
            [str(int(likelihood)), *(shown(int(v), tx) for v in grid.loc[likelihood])]
            for likelihood in grid.index
        ],
        [False, *([True] * len(grid.columns))],
    )


def _control_points(writer: _Writer) -> None:
    doc, tx, digest = writer.doc, writer.tx, writer.digest
    parts.heading(doc, tx.t("report.control.heading"), 1)
    points = digest.items[digest.items["kind"] == "control_point"]
    if points.empty:
        parts.paragraph(doc, tx.t("report.control.none"))
        return
    header = [writer.col(c) for c in ("title", "owner_name", "status", "score", "comment")]
    body = [
        [
            str(row.title),
            str(row.owner_name),
            writer.status(row),
            shown(row.score, tx),
            row.comment if isinstance(row.comment, str) else "",
        ]
        for row in points.itertuples()
    ]
    writer.table(tx.t("report.control.caption"), header, body, [False, False, False, True, False])


def _not_answered(writer: _Writer) -> None:
    doc, tx, digest = writer.doc, writer.tx, writer.digest
    parts.heading(doc, tx.t("report.missing.heading"), 1)
    missing = digest.not_answered
    if missing.empty:
        parts.paragraph(doc, tx.t("digest.missing.none"))
        return
    parts.paragraph(
        doc,
        tx.t(
            "digest.missing.heading",
            people=tx.n("count.owners", len(missing)),
            items=tx.n("digest.count.unanswered_items", int(missing["unanswered"].sum())),
        ),
    )
    writer.frame_table(tx.t("report.missing.caption"), missing_frame(digest, tx))
