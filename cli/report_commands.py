"""`lagesbot report ROUND` and `lagesbot export ROUND --xlsx PATH`: the digest's numbers on the
command line and as a workbook (the same numbers the steering group's card shows)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from cli.language import checked_language
from services.platform.config import Settings
from services.reporting import export_xlsx
from services.reporting.digest import Digest
from services.reporting.export_xlsx import level_frame, missing_frame, overview_frame, risks_frame
from storage import digest_queries, steering
from storage import rounds as round_store
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


class Refused(Exception):
    pass


async def _find_round(session: AsyncSession, key: str) -> ReportingRound | None:
    rnd = await round_store.get_round_by_key(session, key)
    if rnd is None and key.isdigit():
        rnd = await round_store.get_round(session, int(key))
    return rnd


async def _scope(session: AsyncSession, group_key: str | None, tx: texts.Texts) -> Scope:
    if group_key is None:
        return Scope()
    group = await steering.get_group(session, group_key)
    if group is None:
        raise Refused(tx.t("digest.report.unknown_group", group=group_key))
    return Scope.of(group.scope)


async def _digest(round_key: str, group_key: str | None, tx: texts.Texts) -> Digest:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            rnd = await _find_round(session, round_key)
            if rnd is None:
                raise Refused(tx.t("digest.report.unknown_round", round=round_key))
            scope = await _scope(session, group_key, tx)
            return await digest_queries.load_digest(session, rnd, scope, tx.language)
    finally:
        await engine.dispose()


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "  –"
    text = frame.to_string(index=False, na_rep="–", max_colwidth=60)
    return "\n".join("  " + line for line in text.splitlines())


def render_report(digest: Digest, tx: texts.Texts, top: int) -> str:
    """The report as text: every number of the digest; long lists cut at ``top``."""
    col = export_xlsx._col
    out: list[str] = [f"{digest.round.name} ({digest.round.key})", ""]
    overview = overview_frame(digest, tx, datetime.now(UTC)).iloc[:-1]
    out += [_table(overview), ""]
    out += [tx.t("digest.status.heading"), _table(level_frame(digest, tx, "strategy")), ""]
    out += [tx.t("digest.export.sheet.goal"), _table(level_frame(digest, tx, "goal").head(top))]
    out += [*_more(tx, len(digest.by_goal) - top), ""]
    heading = (
        tx.t("digest.changes.heading", previous=digest.round.previous_round_name)
        if digest.round.previous_round_name
        else tx.t("digest.changes.heading_plain")
    )
    out.append(heading)
    out.append("  " + tx.t("digest.changes.summary", better=digest.better, worse=digest.worse))
    labels = export_xlsx._labels(digest, tx)
    changes = pd.DataFrame(
        {
            col(tx, "change"): digest.changes["change"].map(lambda c: tx.t(f"digest.change.{c}")),
            col(tx, "title"): digest.changes["title"],
            col(tx, "previous_status"): digest.changes["previous_status_key"].map(labels),
            col(tx, "status"): digest.changes["status_key"].map(labels),
            col(tx, "owner_name"): digest.changes["owner_name"],
        }
    )
    out += [_table(changes.head(top)), *_more(tx, len(changes) - top), ""]
    out += [tx.t("digest.risks.heading"), _table(risks_frame(digest, tx).head(top))]
    out += [*_more(tx, len(digest.risks) - top), ""]
    out += [tx.t("digest.heat.heading"), _table(heat_table(digest, tx)), ""]
    at_risk = pd.DataFrame(
        {
            col(tx, "title"): digest.at_risk["title"],
            col(tx, "status"): digest.at_risk["status_key"].map(labels),
            col(tx, "owner_name"): digest.at_risk["owner_name"],
            col(tx, "comment"): digest.at_risk["comment"],
        }
    )
    out += [tx.t("digest.at_risk.heading", count=len(at_risk)), _table(at_risk.head(top))]
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
        out += [_table(missing_frame(digest, tx).head(top)), *_more(tx, len(missing) - top)]
    return "\n".join(out) + "\n"


def heat_table(digest: Digest, tx: texts.Texts) -> pd.DataFrame:
    """The matrix with likelihood as rows and consequence as columns, named in words."""
    corner = tx.t("digest.heat.corner")
    grid = digest.heat_map.rename_axis(index=corner, columns=None)
    return grid.rename(columns=str).reset_index()


def _more(tx: texts.Texts, hidden: int) -> list[str]:
    return ["  " + tx.t("digest.more", count=hidden)] if hidden > 0 else []


def _language(value: str) -> texts.Texts:
    return texts.for_language(checked_language(value))


def report(
    round_key: str = ROUND_ARGUMENT,
    steering_group: str | None = GROUP_OPTION,
    lang: str = LANG_OPTION,
    top: int = TOP_OPTION,
) -> None:
    """Print a round's summary: answer rate, status per level, risks."""
    tx = _language(lang)
    try:
        digest = asyncio.run(_digest(round_key, steering_group, tx))
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    typer.echo(render_report(digest, tx, top), nl=False)


async def _workbook(round_key: str, group_key: str | None, tx: texts.Texts) -> bytes:
    engine = create_engine(Settings.from_env().database_url)
    try:
        async with create_session_factory(engine)() as session:
            rnd = await _find_round(session, round_key)
            if rnd is None:
                raise Refused(tx.t("digest.report.unknown_round", round=round_key))
            scope = await _scope(session, group_key, tx)
            return await export_xlsx.round_workbook(
                session, rnd.id, scope=scope, language=tx.language
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
