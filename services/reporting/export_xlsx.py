"""A round as an Excel workbook: the digest's numbers per level (overview, strategies, goals,
items, risks, who has not answered) and every answer with its full history, for the intranet
and for auditors. The numbers are those of ``services.reporting.digest``, as on the card and in
``lagesbot report``.

The frames here are what a reader sees, in the reader's language: sheet names, headers and
every enum-like value (round state, item kind, answer source, status key) come from the text
catalogue. Fractions are ``Percent`` values and times are aware datetimes in the report's
time zone (named in the header), so the workbook can give them real number formats and the
text report can format them with Babel."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from services.goals.export import indicator_sheets
from services.reporting import digest_source
from services.reporting.digest import UNANSWERED, Digest
from storage import digest_queries
from storage.digest_queries import Scope
from storage.models import ReportingRound

# Excel format codes are written with "." and localised by Excel when shown, so a Swedish
# Excel shows "75,0 %"; the space before % is how Swedish writes a percentage.
PERCENT_FORMATS: Final[Mapping[str, str]] = {"sv": "0.0 %", "en": "0.0%"}
DATETIME_FORMATS: Final[Mapping[str, str]] = {"sv": "yyyy-mm-dd hh:mm", "en": "dd/mm/yyyy hh:mm"}
# Column widths in characters: from the longest value, within these bounds; longer text wraps.
MIN_WIDTH: Final = 8
MAX_WIDTH: Final = 60
WIDTH_PADDING: Final = 2
# The autofilter's drop-down button sits over the right end of each header cell.
FILTER_BUTTON: Final = 2
# Digits of a percentage: "3,6 %" tells 3.6 % from 4 % at region size without clutter.
PERCENT_DECIMALS: Final = 1


class UnknownRound(LookupError):
    pass


@dataclass(frozen=True)
class Percent:
    """A fraction (0.036) that a reader sees as a percentage ("3,6 %")."""

    fraction: float


def time_zone(name: str) -> ZoneInfo:
    """The zone of a report's times; raises ``ValueError`` for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError) as error:  # ZoneInfoNotFoundError is a LookupError
        raise ValueError(name) from error


def _labels(digest: Digest, tx: texts.Texts) -> dict[str, str]:
    labels = {str(r.status_key): str(r.label) for r in digest.statuses.itertuples()}
    labels[UNANSWERED] = tx.t("digest.status.unanswered")
    return labels


def status_labels(keys: pd.Series, digest: Digest, tx: texts.Texts) -> pd.Series:
    """Status keys as the scale's labels; a key the scale no longer has stays as stored."""
    labels = _labels(digest, tx)
    return keys.map(lambda key: labels.get(key, key) if isinstance(key, str) else None)


def _col(tx: texts.Texts, name: str, **params: object) -> str:
    return tx.t(f"digest.col.{name}", **params)


def state_label(tx: texts.Texts, state: str) -> str:
    return _known(tx, f"digest.state.{state}", state)


def kind_label(tx: texts.Texts, kind: str) -> str:
    return _known(tx, f"digest.kind.{kind}", kind)


def source_label(tx: texts.Texts, source: str) -> str:
    return _known(tx, f"digest.source.{source}", source)


def _known(tx: texts.Texts, msgid: str, value: str) -> str:
    # A value newer than the catalogue is shown as stored rather than as a message id.
    return tx.t(msgid) if tx.has(msgid) else value


def _labelled(
    values: pd.Series, label: Callable[[texts.Texts, str], str], tx: texts.Texts
) -> pd.Series:
    return values.map(lambda v: label(tx, str(v)) if isinstance(v, str) else None)


def overview_frame(
    digest: Digest,
    tx: texts.Texts,
    zone: str = texts.DEFAULT_TIME_ZONE,
    generated_at: datetime | None = None,
) -> pd.DataFrame:
    """The round's key figures, one per row; with ``generated_at`` a last row saying when."""
    rate = digest.rate
    labels = _labels(digest, tx)
    tz = time_zone(zone)
    info = digest.round
    rows: list[tuple[str, Any]] = [
        (tx.t("digest.export.round"), f"{info.name} ({info.key})"),
        (tx.t("digest.export.state"), state_label(tx, info.state)),
        (tx.t("digest.export.deadline", zone=zone), info.deadline.astimezone(tz)),
    ]
    if info.closed_at is not None:
        rows.append((tx.t("digest.export.closed_at", zone=zone), info.closed_at.astimezone(tz)))
    rows += [
        (tx.t("digest.export.items"), rate.items),
        (tx.t("digest.export.answered"), rate.answered),
        (tx.t("digest.export.rate"), Percent(rate.rate)),
        (tx.t("digest.export.owners"), rate.owners),
        (tx.t("digest.export.owners_done"), rate.owners_done),
        (tx.t("digest.export.better"), digest.better),
        (tx.t("digest.export.worse"), digest.worse),
    ]
    rows += [(labels[str(key)], int(count)) for key, count in digest.status_totals().items()]
    if generated_at is not None:
        rows.append((tx.t("digest.export.generated", zone=zone), generated_at.astimezone(tz)))
    frame = pd.DataFrame({_col(tx, "measure"): [r[0] for r in rows]})
    # Built as an object column so each value keeps its own type (text, count, time, percent).
    frame[_col(tx, "amount")] = pd.Series([r[1] for r in rows], dtype="object")
    return frame


def level_frame(digest: Digest, tx: texts.Texts, level: str) -> pd.DataFrame:
    frame = digest.by_strategy if level == "strategy" else digest.by_goal
    labels = _labels(digest, tx)
    none_label = tx.t(
        "digest.status.no_strategy" if level == "strategy" else "digest.status.no_goal"
    )
    out = frame.drop(columns=[f"{level}_id"]).copy()
    out[level] = out[level].where(frame[f"{level}_id"].notna(), none_label)
    return out.rename(
        columns={
            level: _col(tx, level),
            **labels,
            "total": _col(tx, "total"),
        }
    )


def items_frame(digest: Digest, tx: texts.Texts) -> pd.DataFrame:
    t = digest.items
    changes = digest.changes.set_index("item_id")["change"]
    return pd.DataFrame(
        {
            _col(tx, "item_key"): t["item_key"],
            _col(tx, "title"): t["title"],
            _col(tx, "kind"): _labelled(t["kind"], kind_label, tx),
            _col(tx, "strategy"): t["strategy"],
            _col(tx, "goal"): t["goal"],
            _col(tx, "owner_name"): t["owner_name"],
            _col(tx, "status"): status_labels(
                t["status_key"].where(t["answered"], UNANSWERED), digest, tx
            ),
            _col(tx, "previous_status"): status_labels(t["previous_status_key"], digest, tx),
            _col(tx, "change"): t["item_id"]
            .map(changes)
            .map(lambda c: tx.t(f"digest.change.{c}") if isinstance(c, str) else None),
            _col(tx, "likelihood"): t["likelihood"],
            _col(tx, "consequence"): t["consequence"],
            _col(tx, "score"): t["score"],
            _col(tx, "comment"): t["comment"],
        }
    )


def risks_frame(digest: Digest, tx: texts.Texts) -> pd.DataFrame:
    r = digest.risks
    return pd.DataFrame(
        {
            _col(tx, "title"): r["title"],
            _col(tx, "owner_name"): r["owner_name"],
            _col(tx, "likelihood"): r["likelihood"],
            _col(tx, "consequence"): r["consequence"],
            _col(tx, "score"): r["score"],
            _col(tx, "status"): status_labels(r["status_key"], digest, tx),
            _col(tx, "comment"): r["comment"],
        }
    )


def missing_frame(digest: Digest, tx: texts.Texts) -> pd.DataFrame:
    m = digest.not_answered
    return pd.DataFrame(
        {
            _col(tx, "owner_name"): m["owner_name"],
            _col(tx, "unanswered"): m["unanswered"],
            _col(tx, "items"): m["items"],
        }
    )


def history_frame(
    history: pd.DataFrame, digest: Digest, tx: texts.Texts, zone: str = texts.DEFAULT_TIME_ZONE
) -> pd.DataFrame:
    answered_at = pd.to_datetime(history["answered_at"], utc=True).dt.tz_convert(time_zone(zone))
    return pd.DataFrame(
        {
            _col(tx, "item_key"): history["item_key"],
            _col(tx, "title"): history["title"],
            _col(tx, "revision"): history["revision"],
            _col(tx, "status"): status_labels(history["status_key"], digest, tx),
            _col(tx, "likelihood"): history["likelihood"].astype("Int64"),
            _col(tx, "consequence"): history["consequence"].astype("Int64"),
            _col(tx, "comment"): history["comment"],
            _col(tx, "value"): history["value"].map(lambda v: None if v is None else float(v)),
            _col(tx, "answered_by"): history["answered_by"],
            _col(tx, "answered_at", zone=zone): answered_at,
            _col(tx, "source"): _labelled(history["source"], source_label, tx),
        }
    )


# --- the workbook ---------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """None, NaN, pd.NA and NaT: a cell with nothing in it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def excel_value(value: object) -> object:
    """A frame's value as openpyxl stores it. Excel has no time zones: an aware time is
    written as its local wall-clock time (the header names the zone)."""
    if is_missing(value):
        return None
    if isinstance(value, Percent):
        return value.fraction
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _shown_width(value: object, language: str) -> int:
    """About how many characters Excel shows for a value in its format."""
    if is_missing(value):
        return 0
    if isinstance(value, Percent):
        return len(f"{value.fraction * 100:.{PERCENT_DECIMALS}f} %")
    if isinstance(value, datetime):
        return len(DATETIME_FORMATS[language])
    text = str(excel_value(value))
    return max((len(line) for line in text.splitlines()), default=0)


def _write_sheet(sheet: Worksheet, frame: pd.DataFrame, language: str) -> None:
    header = [str(name) for name in frame.columns]
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    widths = [len(name) + WIDTH_PADDING + FILTER_BUTTON for name in header]
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=excel_value(value))
            if isinstance(value, Percent):
                cell.number_format = PERCENT_FORMATS[language]
            elif isinstance(value, datetime) and not is_missing(value):
                cell.number_format = DATETIME_FORMATS[language]
            shown = _shown_width(value, language) + WIDTH_PADDING
            if shown > MAX_WIDTH:
                cell.alignment = wrap
            widths[column - 1] = max(widths[column - 1], shown)
    for column, width in enumerate(widths, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width, MIN_WIDTH), MAX_WIDTH)
    # The header stays in view while scrolling, and every column can be filtered and sorted.
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(header), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"


def workbook_bytes(sheets: list[tuple[str, pd.DataFrame]], language: str = "sv") -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets:
        # Excel allows 31 characters in a sheet name.
        _write_sheet(book.create_sheet(title=name[:31]), frame, language)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def round_workbook(
    session: AsyncSession,
    round_id: int,
    *,
    scope: Scope | None = None,
    language: str = "sv",
    generated_at: datetime | None = None,
    zone: str = texts.DEFAULT_TIME_ZONE,
) -> bytes:
    """The .xlsx of one round (optionally one steering group's scope of it), its times in
    ``zone``."""
    rnd = await session.get(ReportingRound, round_id)
    if rnd is None:
        raise UnknownRound(round_id)
    tx = texts.for_language(language)
    digest = await digest_source.load_digest(session, rnd, scope or Scope(), tx.language)
    history = await digest_queries.answer_history_frame(session, rnd.id)
    in_scope = set(digest.items["item_id"])
    history = history[history["item_id"].isin(in_scope)].reset_index(drop=True)
    sheets = [
        (
            tx.t("digest.export.sheet.overview"),
            overview_frame(digest, tx, zone, generated_at or datetime.now(UTC)),
        ),
        (tx.t("digest.export.sheet.strategy"), level_frame(digest, tx, "strategy")),
        (tx.t("digest.export.sheet.goal"), level_frame(digest, tx, "goal")),
        (tx.t("digest.export.sheet.items"), items_frame(digest, tx)),
        (tx.t("digest.export.sheet.risks"), risks_frame(digest, tx)),
        (tx.t("digest.export.sheet.missing"), missing_frame(digest, tx)),
        (tx.t("digest.export.sheet.answers"), history_frame(history, digest, tx, zone)),
        *indicator_sheets(digest.attainment, tx, Percent),
    ]
    return workbook_bytes(sheets, tx.language)
