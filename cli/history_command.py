"""`lagesbot history ITEM`: an item's answers over the rounds and its review steps, newest
first, as the history card in Teams shows them (all of them, not paged)."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cards.views import HistoryEntry
from catalogue import texts
from cli.language import checked_language
from services.answering import item_history
from services.platform.config import Settings
from storage import item_history as history_store
from storage.db import create_engine, create_session_factory
from storage.models import Plan, PlanItem

ITEM_ARGUMENT = typer.Argument(..., help="The item's key (e.g. M1) or words of its title.")
PLAN_OPTION = typer.Option(None, "--plan", help="The plan's key, when several plans have the key.")
LANG_OPTION = typer.Option("sv", "--lang", help="Language: sv or en.")


class Refused(Exception):
    pass


def _entry_lines(entry: HistoryEntry, unit: str | None, tx: texts.Texts, zone: str) -> list[str]:
    when = tx.format_datetime(entry.at, zone)
    if entry.kind != "answer":
        line = tx.t(f"history.event.{entry.kind}", name=entry.actor, when=when, other=entry.other)
        return [f"  {line}", *([f"    {entry.comment}"] if entry.comment else [])]
    parts = [tx.t("history.status", status=entry.status_label or tx.t("card.no_status"))]
    if entry.likelihood is not None and entry.consequence is not None:
        parts.append(
            tx.t(
                "history.risk",
                score=entry.likelihood * entry.consequence,
                band=entry.risk_band_label or "",
                likelihood=entry.likelihood,
                consequence=entry.consequence,
            )
        )
    if entry.value is not None:
        value = tx.format_number(entry.value) + (f" {unit}" if unit else "")
        parts.append(tx.t("history.value", value=value))
    who = (
        tx.t("card.recorded_by", name=entry.actor, when=when)
        if entry.answered_for is None
        else tx.t("card.recorded_by_for", name=entry.actor, owner=entry.answered_for, when=when)
    )
    late = " · " + tx.t("card.late") if entry.late else ""
    lines = [f"  {tx.t('history.revision', revision=entry.revision)} · {who}{late}"]
    lines.append("    " + " · ".join(parts))
    if entry.comment:
        lines += [f"    {line}" for line in entry.comment.splitlines()]
    return lines


def render_history(item: PlanItem, entries: list[HistoryEntry], tx: texts.Texts, zone: str) -> str:
    out = [tx.t("history.title", title=item.title), tx.t("history.key", key=item.key), ""]
    if not entries:
        return "\n".join([*out, tx.t("history.empty"), ""])
    shown_round = None
    for entry in entries:
        if entry.round_name != shown_round:
            shown_round = entry.round_name
            out += ["", entry.round_name]
        out += _entry_lines(entry, item.unit, tx, zone)
    return "\n".join([*out, ""])


async def _find(
    session: AsyncSession, said: str, plan_key: str | None, tx: texts.Texts
) -> PlanItem:
    found: list[tuple[PlanItem, Plan]] = await history_store.matching_items(session, said)
    if plan_key is not None:
        found = [(item, plan) for item, plan in found if plan.key == plan_key]
    if not found:
        raise Refused(tx.t("history.not_found", query=said))
    if len(found) > 1:
        listed = "\n".join(f"  {plan.key} {item.key} {item.title}" for item, plan in found)
        raise Refused(tx.t("history.choose", query=said) + "\n" + listed)
    return found[0][0]


async def _history(said: str, plan_key: str | None, tx: texts.Texts) -> str:
    settings = Settings.from_env()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            item = await _find(session, said, plan_key, tx)
            entries = await item_history.history_entries(session, item, tx.language)
            return render_history(item, entries, tx, settings.default_time_zone)
    finally:
        await engine.dispose()


def history(
    item: str = ITEM_ARGUMENT,
    plan: str | None = PLAN_OPTION,
    lang: str = LANG_OPTION,
) -> None:
    """Print an item's answers over the rounds (who, when, status, risk, value, comment)."""
    tx = texts.for_language(checked_language(lang))
    try:
        typer.echo(asyncio.run(_history(item, plan, tx)), nl=False)
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
