"""`lagesbot report ROUND` and `lagesbot export ROUND --xlsx PATH`: the digest's numbers on the
command line and as a workbook (the same numbers the steering group's card shows)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from cli.language import checked_language
from services.platform.config import Settings
from services.reporting import digest_source, export_xlsx, report_source, word_report
from services.reporting.attainment_chart import (
    LIGHTS,
    counts_words,
    strategy_name,
    strategy_rows,
)
from services.reporting.digest import Digest
from services.reporting.export_xlsx import (
    Percent,
    is_missing,
    level_frame,
    missing_frame,
    overview_frame,
    risks_frame,
    status_labels,
)
from storage import rounds as round_store
from storage import steering
from storage.db import create_engine, create_session_factory
from storage.digest_queries import Scope
from storage.models import ReportingRound

ROUND_ARGUMENT = typer.Argument(..., help="The round's key (or id).")
GROUP_OPTION = typer.Option(
    None, "--steering-group", "-g", help="Only a steering group's scope (its key)."
)
LANG_OPTION = typer.Option("sv", "--lang", help="Language: sv or en.")
XLSX_OPTION = typer.Option(..., "--xlsx", dir_okay=False, help="The file to write (.xlsx).")
TOP_OPTION = typer.Option(20, "--top", min=1, help="Rows per list.")
DOCX_OPTION = typer.Option(
    None, "--docx", dir_okay=False, help="Write the follow-up report as a Word file (.docx)."
)


class Refused(Exception):
    pass


async def _find_round(session: AsyncSession, key: str) -> ReportingRound | None:
    rnd = await round_store.get_round_by_key(session, key)
    if rnd is None and key.isdigit():
        rnd = await round_store.get_round(session, int(key))
    return rnd


@dataclass(frozen=True)
class Target:
    """What a report covers: a round, a steering group's scope of it (or all of it), and the
    time zone its times are shown in (the group's, else the configured default)."""

    round: ReportingRound
    scope: Scope
    zone: str


async def _target(
    session: AsyncSession, round_key: str, group_key: str | None, tx: texts.Texts
) -> Target:
    rnd = await _find_round(session, round_key)
    if rnd is None:
        raise Refused(tx.t("digest.report.unknown_round", round=round_key))
    zone = Settings.from_env().default_time_zone
    scope = Scope()
    if group_key is not None:
        group = await steering.get_group(session, group_key)
        if group is None:
            raise Refused(tx.t("digest.report.unknown_group", group=group_key))
        scope, zone = Scope.of(group.scope), group.time_zone or zone
    try:
        export_xlsx.time_zone(zone)
    except ValueError:
        raise Refused(tx.t("digest.report.unknown_zone", zone=zone)) from None
    return Target(rnd, scope, zone)


async def _digest(round_key: str, group_key: str | None, tx: texts.Texts) -> tuple[Digest, str]:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            target = await _target(session, round_key, group_key, tx)
            digest = await digest_source.load_digest(
                session, target.round, target.scope, tx.language
            )
            return digest, target.zone
    finally:
        await engine.dispose()


def text_cell(value: object, tx: texts.Texts) -> str:
    """A value as the reader's language writes it: "3,6 %", "1 234", "23 nov. 2026 11:00"
    (times are aware, in the report's zone, which the row or column names)."""
    if is_missing(value):
        return "–"
    if isinstance(value, Percent):
        return tx.format_percent(value.fraction, export_xlsx.PERCENT_DECIMALS)
    if isinstance(value, datetime):
        return tx.format_datetime(value, value.tzinfo)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return tx.format_number(value)
    return str(value)


def _table(frame: pd.DataFrame, tx: texts.Texts) -> str:
    if frame.empty:
        return "  –"
    shown = frame.astype("object").map(lambda value: text_cell(value, tx))
    text = shown.to_string(index=False, max_colwidth=60)
    return "\n".join("  " + line for line in text.splitlines())


def render_report(
    digest: Digest, tx: texts.Texts, top: int, zone: str = texts.DEFAULT_TIME_ZONE
) -> str:
    """The report as text: every number of the digest, in the reader's language and with
    times in ``zone``; long lists cut at ``top``."""
    col = export_xlsx._col
    out: list[str] = [f"{digest.round.name} ({digest.round.key})", ""]
    out += [_table(overview_frame(digest, tx, zone), tx), ""]
    out += [tx.t("digest.status.heading"), _table(level_frame(digest, tx, "strategy"), tx), ""]
    out += [tx.t("digest.export.sheet.goal"), _table(level_frame(digest, tx, "goal").head(top), tx)]
    out += [*_more(tx, len(digest.by_goal) - top), ""]
    heading = (
        tx.t("digest.changes.heading", previous=digest.round.previous_round_name)
        if digest.round.previous_round_name
        else tx.t("digest.changes.heading_plain")
    )
    out.append(heading)
    out.append("  " + tx.t("digest.changes.summary", better=digest.better, worse=digest.worse))
    changes = pd.DataFrame(
        {
            col(tx, "change"): digest.changes["change"].map(lambda c: tx.t(f"digest.change.{c}")),
            col(tx, "title"): digest.changes["title"],
            col(tx, "previous_status"): status_labels(
                digest.changes["previous_status_key"], digest, tx
            ),
            col(tx, "status"): status_labels(digest.changes["status_key"], digest, tx),
            col(tx, "owner_name"): digest.changes["owner_name"],
        }
    )
    out += [_table(changes.head(top), tx), *_more(tx, len(changes) - top), ""]
    out += [tx.t("digest.risks.heading"), _table(risks_frame(digest, tx).head(top), tx)]
    out += [*_more(tx, len(digest.risks) - top), ""]
    out += [tx.t("digest.heat.heading"), _table(heat_table(digest, tx), tx), ""]
    out += attainment_lines(digest, tx, top)
    at_risk = pd.DataFrame(
        {
            col(tx, "title"): digest.at_risk["title"],
            col(tx, "status"): status_labels(digest.at_risk["status_key"], digest, tx),
            col(tx, "owner_name"): digest.at_risk["owner_name"],
            col(tx, "comment"): digest.at_risk["comment"],
        }
    )
    out += [tx.t("digest.at_risk.heading", count=len(at_risk)), _table(at_risk.head(top), tx)]
    out += [*_more(tx, len(at_risk) - top), ""]
    missing = digest.not_answered
    if missing.empty:
        out.append(tx.t("digest.missing.none"))
    else:
        out.append(
            tx.t(
                "digest.missing.heading",
                people=tx.n("count.owners", len(missing)),
                items=tx.n("digest.count.unanswered_items", int(missing["unanswered"].sum())),
            )
        )
        out += [_table(missing_frame(digest, tx).head(top), tx), *_more(tx, len(missing) - top)]
    return "\n".join(out) + "\n"


def attainment_lines(digest: Digest, tx: texts.Texts, top: int) -> list[str]:
    """Goals per colour under each strategy and the indicators projected to miss their
    target; nothing when the round has no indicators."""
    attainment = digest.attainment
    if attainment is None or not attainment.has_indicators:
        return []
    rows = strategy_rows(attainment)
    counts = pd.DataFrame(
        {
            tx.t("attainment.col.strategy"): [strategy_name(s, tx) for s in rows["strategy"]],
            **{tx.t(f"attainment.legend.{light}"): rows[light].astype(int) for light in LIGHTS},
            tx.t("attainment.intranet.total"): rows["total"].astype(int),
        }
    )
    out = [tx.t("attainment.digest.heading"), "  " + counts_words(attainment.totals, tx)]
    out += [_table(counts, tx), ""]
    misses = attainment.misses
    if misses.empty:
        return [*out, tx.t("attainment.report.no_misses"), ""]
    shown = pd.DataFrame(
        {
            tx.t("attainment.col.title"): misses["title"],
            tx.t("attainment.col.projected"): _amounts(misses, "projected", tx),
            tx.t("attainment.col.target"): _amounts(misses, "target", tx),
            tx.t("attainment.col.target_date"): misses["target_date"].map(
                lambda day: "–" if is_missing(day) else tx.format_date(day)
            ),
        }
    )
    out += [tx.t("attainment.report.misses_heading"), _table(shown.head(top), tx)]
    return [*out, *_more(tx, len(misses) - top), ""]


def _amounts(misses: pd.DataFrame, column: str, tx: texts.Texts) -> list[str]:
    """Values as the indicator writes them: its decimals (one when it has none) and unit."""
    shown = []
    for value, decimals, unit in zip(
        misses[column], misses["decimals"], misses["unit"], strict=True
    ):
        places = 1 if is_missing(decimals) else int(decimals)
        number = tx.format_number(Decimal(str(round(float(value), places))))
        shown.append(f"{number} {unit}" if isinstance(unit, str) and unit else number)
    return shown


def heat_table(digest: Digest, tx: texts.Texts) -> pd.DataFrame:
    """The matrix with likelihood as rows and consequence as columns, named in words."""
    corner = tx.t("digest.heat.corner")
    grid = digest.heat_map.rename_axis(index=corner, columns=None)
    return grid.rename(columns=str).reset_index()


def _more(tx: texts.Texts, hidden: int) -> list[str]:
    return ["  " + tx.t("digest.more", count=hidden)] if hidden > 0 else []


def _language(value: str) -> texts.Texts:
    return texts.for_language(checked_language(value))


async def _document(round_key: str, group_key: str | None, tx: texts.Texts) -> bytes:
    """The Word report of a round (or a steering group's scope of it), dated now."""
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            target = await _target(session, round_key, group_key, tx)
            group = None if group_key is None else await steering.get_group(session, group_key)
            data = await report_source.load_report(
                session,
                target.round,
                target.scope,
                tx.language,
                group_name=None if group is None else group.name,
            )
            return word_report.write_report(
                data, tx, generated_at=datetime.now(UTC), zone=target.zone
            )
    finally:
        await engine.dispose()


def report(
    round_key: str = ROUND_ARGUMENT,
    steering_group: str | None = GROUP_OPTION,
    lang: str = LANG_OPTION,
    top: int = TOP_OPTION,
    docx: Path | None = DOCX_OPTION,
) -> None:
    """Print a round's summary (answer rate, status per level, risks), or with --docx write
    the follow-up report as a Word document."""
    tx = _language(lang)
    try:
        if docx is not None:
            docx.write_bytes(asyncio.run(_document(round_key, steering_group, tx)))
            typer.echo(tx.t("report.exported", path=str(docx)))
            return
        digest, zone = asyncio.run(_digest(round_key, steering_group, tx))
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    typer.echo(render_report(digest, tx, top, zone), nl=False)


async def _workbook(round_key: str, group_key: str | None, tx: texts.Texts) -> bytes:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            target = await _target(session, round_key, group_key, tx)
            return await export_xlsx.round_workbook(
                session,
                target.round.id,
                scope=target.scope,
                language=tx.language,
                zone=target.zone,
            )
    finally:
        await engine.dispose()


def export(
    round_key: str = ROUND_ARGUMENT,
    xlsx: Path = XLSX_OPTION,
    steering_group: str | None = GROUP_OPTION,
    lang: str = LANG_OPTION,
) -> None:
    """Export a round to Excel: a sheet per level and every answer with its history."""
    tx = _language(lang)
    try:
        data = asyncio.run(_workbook(round_key, steering_group, tx))
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    xlsx.write_bytes(data)
    typer.echo(tx.t("digest.report.exported", path=str(xlsx)))
