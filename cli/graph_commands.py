"""`lagesbot sync people`, `lagesbot sync links` and `lagesbot publish ROUND`: the Microsoft
Graph jobs, also run by the scheduler (people sync) and at round close (publish)."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.texts import Texts, for_language
from services.delivery.leaver_notices import notify_admins_of_leavers
from services.graph.client import MsGraph
from services.graph.interface import Graph, GraphError, PagePermissionMissing
from services.graph.link_titles import refresh_link_titles
from services.graph.people_sync import PeopleSyncReport, SyncNotConfigured, SyncScope, sync_people
from services.platform.config import Settings
from services.reporting.intranet import PublishRefused, Workbook, publish_round
from storage.db import create_engine, create_session_factory
from storage.models import utcnow

app = typer.Typer(help="Synchronise from Microsoft Graph (Entra ID, SharePoint).")

LANG_OPTION = typer.Option("sv", "--lang", help="Language of the output: sv or en.")
ACTOR_OPTION = typer.Option(None, help="Who runs it (for the audit log).")

T = TypeVar("T")
# Tests replace these to run the commands against the local fakes.
graph_factory: Callable[[Settings], MsGraph] = MsGraph.from_settings
workbook_factory: Workbook | None = None


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _fail(tx: Texts, msgid: str, **params: object) -> None:
    typer.echo(tx.t(msgid, **params), err=True)
    raise typer.Exit(1)


async def _in_transaction(
    settings: Settings, work: Callable[[AsyncSession, Graph], Awaitable[T]]
) -> T:
    engine = create_engine(settings.database_url)
    try:
        async with graph_factory(settings) as graph, create_session_factory(engine)() as session:
            try:
                result = await work(session, graph)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _settings(tx: Texts) -> Settings:
    settings = Settings.from_env()
    if not settings.graph_configured:
        _fail(tx, "graph.not_configured")
    return settings


def print_sync_report(report: PeopleSyncReport, tx: Texts) -> None:
    if report.full:
        typer.echo(tx.t("sync.full"))
    typer.echo(
        tx.t(
            "sync.summary",
            created=len(report.created),
            updated=len(report.updated),
            reactivated=len(report.reactivated),
            deactivated=len(report.deactivated),
        )
    )
    for upn in report.deactivated:
        typer.echo("  " + tx.t("sync.left", upn=upn))
    for user, reason in report.skipped:
        typer.echo("  " + tx.t("sync.skipped", user=user, reason=reason), err=True)
    if report.managers_outside_scope:
        typer.echo(tx.n("sync.managers_outside", report.managers_outside_scope))
    if report.orphaned_items:
        typer.echo(tx.t("sync.orphans_heading", count=len(report.orphaned_items)))
        for item in report.orphaned_items:
            typer.echo(
                "  "
                + tx.t(
                    "sync.orphan",
                    plan=item.plan_key,
                    item=item.item_key,
                    title=item.title,
                    owner=item.owner_name,
                    upn=item.owner_upn,
                )
            )


@app.command("people")
def people(lang: str = LANG_OPTION, actor: str | None = ACTOR_OPTION) -> None:
    """Read people, line managers and languages from Entra ID (the groups or departments in
    the settings). People who have left are deactivated; their items are listed."""
    tx = for_language(lang)
    settings = _settings(tx)
    try:
        scope = SyncScope(settings.sync_group_ids, settings.sync_departments)
    except SyncNotConfigured:
        _fail(tx, "sync.not_configured")
        return
    who = _actor(actor)

    async def work(session: AsyncSession, graph: Graph) -> tuple[PeopleSyncReport, int]:
        now = utcnow()
        report = await sync_people(
            session,
            graph,
            scope,
            now=now,
            actor=who,
            default_language=settings.default_language,
        )
        # Admins with a 1:1 chat are told in Teams; the server's sender delivers it.
        notices = await notify_admins_of_leavers(
            session,
            report.left_person_ids,
            admins=settings.admin_object_ids,
            run_at=now,
            default_language=settings.default_language,
        )
        return report, notices

    try:
        report, notices = asyncio.run(_in_transaction(settings, work))
    except GraphError as exc:
        _fail(tx, "graph.failed", error=str(exc))
        return
    print_sync_report(report, tx)
    if notices:
        typer.echo(tx.t("leavers.admins_told", count=notices))


@app.command("links")
def links(
    lang: str = LANG_OPTION,
    only_missing: bool = typer.Option(False, "--only-missing", help="Only items without a title."),
) -> None:
    """Fetch the titles of the plan items' SharePoint links."""
    tx = for_language(lang)
    settings = _settings(tx)

    async def work(session: AsyncSession, graph: Graph) -> tuple[int, int]:
        report = await refresh_link_titles(
            session, graph, extra_hosts=settings.sharepoint_hosts, only_missing=only_missing
        )
        return report.updated, report.unknown

    try:
        updated, unknown = asyncio.run(_in_transaction(settings, work))
    except GraphError as exc:
        _fail(tx, "graph.failed", error=str(exc))
        return
    typer.echo(tx.t("links.summary", updated=updated, unknown=unknown))


def publish(
    round_key: str = typer.Argument(..., metavar="ROUND", help="The round's key."),
    lang: str = LANG_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Publish a closed round's summary on the intranet (page, risk heat map, Excel, Word)."""
    tx = for_language(lang)
    settings = _settings(tx)
    if not settings.sharepoint_site_id:
        _fail(tx, "intranet.site_missing")
    who = _actor(actor)

    async def work(
        session: AsyncSession, graph: Graph
    ) -> tuple[str | None, str | None, str | None, str | None]:
        summary = await publish_round(
            session,
            graph,
            round_key=round_key,
            site_id=settings.sharepoint_site_id,
            library_path=settings.sharepoint_library_path,
            now=utcnow(),
            actor=who,
            language=settings.default_language,
            workbook=workbook_factory,
        )
        return (
            summary.intranet_page_url,
            summary.intranet_export_url,
            summary.intranet_report_url,
            summary.publish_error,
        )

    try:
        page_url, export_url, report_url, error = asyncio.run(_in_transaction(settings, work))
    except PublishRefused as refused:
        _fail(tx, refused.msgid, **refused.params)
        return
    if error:
        _fail(tx, "intranet.failed", error=error)
    if page_url is None:
        # Graph refused only the page (403): the files are in the library.
        typer.echo(
            tx.t(
                "permission.published_without_page",
                export_url=export_url,
                permission=PagePermissionMissing.permission,
            )
        )
        return
    typer.echo(tx.t("intranet.published", page_url=page_url, export_url=export_url))
    typer.echo(tx.t("report.published", report_url=report_url))
