"""A closed round's summary on the SharePoint intranet: ``lagesbot publish ROUND`` and the
round-close hook.

What is published (all through Graph, to the configured site):
- the Excel export (``services.reporting.export_xlsx.round_workbook``) in the site's document
  library,
- the follow-up report as a Word document (``services.reporting.word_report``) beside it,
- the risk heat map as a PNG next to them,
- a site page with the digest's content (answer rate, items per status, items needing
  attention with the owner's comment, the highest risks), the heat map and links to the
  export and the report; published, so everyone with access to the site can read it.

Publishing again replaces the files (the library keeps their versions) and updates the same
page. The web addresses are stored on ``RoundSummary``; a failure is stored in
``publish_error`` (and logged), so closing a round never fails because the intranet is down.

Microsoft documents only ``Sites.ReadWrite.All`` for creating and updating site pages; a
tenant that grants the app ``Sites.Selected`` alone gets the files but Graph refuses the page
(403). That is not a failure to retry: the round counts as published without a page
(``intranet_page_url`` stays empty, the audit log says ``round.page_not_permitted``) and the
scheduler tells the admins once which permission to grant (``services.graph.jobs``).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.texts import Texts, for_language
from services.graph.interface import (
    Graph,
    GraphError,
    PageImage,
    PagePermissionMissing,
    PublishedPage,
    UploadedFile,
)
from services.reporting.attainment_chart import (
    LIGHTS,
    counts_words,
    strategy_charts,
    strategy_name,
    strategy_rows,
)
from services.reporting.digest import UNANSWERED, Digest
from services.reporting.digest_source import load_digest
from services.reporting.heat_map import heat_map_png
from storage import audit
from storage.digest_queries import Scope
from storage.models import ReportingRound, RiskScale, RoundState, RoundSummary

log = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The page lists this many risks and concerns; the rest is in the Excel export.
MAX_LISTED = 25

Workbook = Callable[[AsyncSession, int], Awaitable[bytes]]
# The Word report of a round: (session, round, now) -> .docx bytes.
ReportDocument = Callable[[AsyncSession, ReportingRound, datetime], Awaitable[bytes]]


class PublishRefused(ValueError):
    """The round cannot be published (unknown, or not closed yet)."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


def _default_workbook(language: str) -> Workbook:
    async def workbook(session: AsyncSession, round_id: int) -> bytes:
        # Imported here: the export pulls in openpyxl, which only publishing needs.
        from services.reporting.export_xlsx import round_workbook

        return await round_workbook(session, round_id, language=language)

    return workbook


def _default_document(language: str) -> ReportDocument:
    async def document(session: AsyncSession, rnd: ReportingRound, now: datetime) -> bytes:
        # Imported here: python-docx is only needed when a report is written.
        from services.reporting.report_source import load_report
        from services.reporting.word_report import write_report

        tx = for_language(language)
        data = await load_report(session, rnd, Scope(), tx.language)
        # Seconds of CPU for a region: off the event loop, which the sender's pacing shares.
        return await asyncio.to_thread(write_report, data, tx, generated_at=now)

    return document


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return slug or "runda"


# --- page content -------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape("" if value is None or value is pd.NA else str(value))


def page_sections(
    digest: Digest, tx: Texts, *, export_url: str | None, report_url: str | None = None
) -> list[str]:
    """The page's text sections (HTML; every value from the store is escaped)."""
    labels = _status_labels(digest, tx)
    sections = [
        _intro_section(digest, tx, export_url, report_url),
        _status_section(digest, labels, tx),
        _at_risk_section(digest, labels, tx),
    ]
    attainment = _attainment_section(digest, tx)
    if attainment:
        # Right after the intro, where the page shows the charts: the table beside them.
        sections.insert(1, attainment)
    if not digest.risks.empty:
        sections.append(_risks_section(digest, tx))
    return sections


def _status_labels(digest: Digest, tx: Texts) -> dict[Any, Any]:
    """Each status key's label, the unanswered one included."""
    labels = dict(zip(digest.statuses["status_key"], digest.statuses["label"], strict=False))
    labels[UNANSWERED] = tx.t("intranet.unanswered")
    return labels


def _intro_section(
    digest: Digest, tx: Texts, export_url: str | None, report_url: str | None = None
) -> str:
    """The heading, the answer rate, when the round closed and the links to the report and
    the export."""
    info = digest.round
    rate = digest.rate
    intro = [
        f"<h2>{_e(tx.t('intranet.heading', round=info.name))}</h2>",
        "<p>"
        + _e(
            tx.t(
                "intranet.answer_rate",
                answered=rate.answered,
                items=tx.n("count.items", rate.items),
                percent=tx.format_percent(rate.rate),
                owners_done=rate.owners_done,
                owners=tx.n("count.owners", rate.owners),
            )
        )
        + "</p>",
    ]
    if info.closed_at is not None:
        intro.append(
            f"<p>{_e(tx.t('intranet.closed_at', date=tx.format_date(info.closed_at)))}</p>"
        )
    if report_url:
        intro.append(f'<p><a href="{_e(report_url)}">{_e(tx.t("report.page_link"))}</a></p>')
    if export_url:
        intro.append(f'<p><a href="{_e(export_url)}">{_e(tx.t("intranet.export_link"))}</a></p>')
    return "".join(intro)


def _attainment_section(digest: Digest, tx: Texts) -> str:
    """Goals per colour under each strategy and over the scope, as a table: the numbers
    of the charts, every colour named in words."""
    rows = strategy_rows(digest.attainment)
    if rows.empty or digest.attainment is None:
        return ""
    head = [tx.t("attainment.col.strategy")]
    head += [tx.t(f"attainment.legend.{light}") for light in LIGHTS]
    head.append(tx.t("attainment.intranet.total"))
    header = "".join(f"<th>{_e(cell)}</th>" for cell in head)
    body = [_count_row(strategy_name(row["strategy"], tx), row) for _, row in rows.iterrows()]
    totals = digest.attainment.totals
    body.append(_count_row(tx.t("attainment.intranet.total"), totals))
    return (
        f"<h3>{_e(tx.t('attainment.digest.heading'))}</h3>"
        f"<p>{_e(counts_words(totals, tx))}</p>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _count_row(name: str, counts: pd.Series) -> str:
    cells = "".join(f"<td>{int(counts[light])}</td>" for light in (*LIGHTS, "total"))
    return f"<tr><td>{_e(name)}</td>{cells}</tr>"


def _status_section(digest: Digest, labels: dict[Any, Any], tx: Texts) -> str:
    """The number of items per status, as a table."""
    totals = digest.status_totals()
    rows = "".join(
        f"<tr><td>{_e(labels.get(key, key))}</td><td>{int(count)}</td></tr>"
        for key, count in totals.items()
    )
    status = [
        f"<h3>{_e(tx.t('intranet.status_heading'))}</h3>",
        f"<table><tbody>{rows}</tbody></table>",
    ]
    return "".join(status)


def _at_risk_section(digest: Digest, labels: dict[Any, Any], tx: Texts) -> str:
    """The items needing attention, with the owner's comment."""
    concern = [f"<h3>{_e(tx.t('intranet.at_risk_heading'))}</h3>"]
    if digest.at_risk.empty:
        concern.append(f"<p>{_e(tx.t('intranet.none'))}</p>")
    else:
        concern.append("<ul>")
        for row in digest.at_risk.head(MAX_LISTED).itertuples():
            comment = row.comment if isinstance(row.comment, str) and row.comment else None
            concern.append(
                f"<li><strong>{_e(row.title)}</strong> ({_e(row.owner_name)}, "
                f"{_e(labels.get(row.status_key, row.status_key))})"
                + (f": {_e(comment)}" if comment else "")
                + "</li>"
            )
        concern.append("</ul>")
    return "".join(concern)


def _risks_section(digest: Digest, tx: Texts) -> str:
    """The highest risks with their likelihood, consequence and score."""
    risks = [f"<h3>{_e(tx.t('intranet.risks_heading'))}</h3><ul>"]
    for risk in digest.risks.head(MAX_LISTED).to_dict("records"):
        risks.append(
            f"<li><strong>{_e(risk['title'])}</strong> ({_e(risk['owner_name'])}): "
            + _e(
                tx.t(
                    "intranet.risk_score",
                    likelihood=int(risk["likelihood"]),
                    consequence=int(risk["consequence"]),
                    score=int(risk["score"]),
                )
            )
            + "</li>"
        )
    risks.append("</ul>")
    return "".join(risks)


# --- publishing ---------------------------------------------------------------------------


async def _summary_for(session: AsyncSession, rnd: ReportingRound, actor: str) -> RoundSummary:
    summary = (
        await session.execute(select(RoundSummary).where(RoundSummary.round_id == rnd.id))
    ).scalar_one_or_none()
    if summary is None:
        # A round closed before summaries were kept: record the close as the round has it.
        assert rnd.closed_at is not None
        summary = RoundSummary(round_id=rnd.id, closed_by=actor, closed_at=rnd.closed_at)
        session.add(summary)
        await session.flush()
    return summary


async def publish_round(
    session: AsyncSession,
    graph: Graph,
    *,
    round_key: str,
    site_id: str,
    library_path: str,
    now: datetime,
    actor: str,
    language: str = "sv",
    workbook: Workbook | None = None,
    document: ReportDocument | None = None,
) -> RoundSummary:
    """Publish the closed round's summary; returns its RoundSummary with the URLs (without
    the page's when Graph refused it for lack of permission), or with ``publish_error`` set
    when Graph failed (the caller commits either way)."""
    rnd = await _closed_round(session, round_key)
    summary = await _summary_for(session, rnd, actor)
    tx = for_language(language)
    digest = await load_digest(session, rnd, Scope(), language)
    folder = f"{library_path.strip('/')}/{_slug(rnd.key)}"
    try:
        content = await (workbook or _default_workbook(language))(session, rnd.id)
        export = await graph.upload_file(
            site_id, f"{folder}/{_slug(rnd.key)}.xlsx", content, XLSX_TYPE
        )
        written = await (document or _default_document(language))(session, rnd, now)
        report = await graph.upload_file(
            site_id, f"{folder}/{_slug(rnd.key)}.docx", written, DOCX_TYPE
        )
        image = await _upload_heat_map(session, graph, rnd, digest, tx, site_id, folder)
        charts = await _upload_attainment_charts(graph, digest, tx, site_id, folder)
        page: PublishedPage | None = None
        try:
            page = await graph.publish_page(
                site_id,
                name=f"lagesbot-{_slug(rnd.key)}.aspx",
                title=tx.t("intranet.page_title", round=rnd.name),
                html_sections=page_sections(
                    digest, tx, export_url=export.web_url, report_url=report.web_url
                ),
                image=image,
                images=charts,
            )
        except PagePermissionMissing as refused:
            log.warning("round %s published without a page: %s", rnd.key, refused)
            _record_page_refused(session, rnd, actor=actor, refused=refused)
    except GraphError as exc:
        log.error("publishing round %s to the intranet failed: %s", rnd.key, exc)
        _record_failure(session, summary, rnd, actor=actor, error=str(exc))
        return summary
    _record_published(
        session, summary, rnd, actor=actor, page=page, files=(export, report), now=now
    )
    return summary


async def _closed_round(session: AsyncSession, round_key: str) -> ReportingRound:
    """The round to publish; refused when it is unknown or not closed yet."""
    rnd = (
        await session.execute(select(ReportingRound).where(ReportingRound.key == round_key))
    ).scalar_one_or_none()
    if rnd is None:
        raise PublishRefused("intranet.unknown_round", round=round_key)
    if rnd.state != RoundState.CLOSED or rnd.closed_at is None:
        raise PublishRefused("intranet.not_closed", round=round_key)
    return rnd


def _record_failure(
    session: AsyncSession, summary: RoundSummary, rnd: ReportingRound, *, actor: str, error: str
) -> None:
    """Keep Graph's error on the summary and in the audit log."""
    summary.publish_error = error[:2000]
    audit.record(
        session,
        actor=actor,
        action="round.publish_failed",
        target_type="round",
        target_id=rnd.id,
        details={"error": summary.publish_error},
    )


def _record_page_refused(
    session: AsyncSession, rnd: ReportingRound, *, actor: str, refused: PagePermissionMissing
) -> None:
    audit.record(
        session,
        actor=actor,
        action="round.page_not_permitted",
        target_type="round",
        target_id=rnd.id,
        details={"permission": refused.permission, "error": str(refused)[:500]},
    )


def _record_published(
    session: AsyncSession,
    summary: RoundSummary,
    rnd: ReportingRound,
    *,
    actor: str,
    page: PublishedPage | None,
    files: tuple[UploadedFile, UploadedFile],
    now: datetime,
) -> None:
    """Keep the addresses of the page, the export and the report on the summary and in the
    audit log."""
    export, report = files
    summary.intranet_page_url = page.web_url if page is not None else None
    summary.intranet_export_url = export.web_url
    summary.intranet_report_url = report.web_url
    summary.published_at = now
    summary.publish_error = None
    audit.record(
        session,
        actor=actor,
        action="round.published",
        target_type="round",
        target_id=rnd.id,
        details={
            "page": page.web_url if page else None,
            "export": export.web_url,
            "report": report.web_url,
        },
    )


async def _upload_heat_map(
    session: AsyncSession,
    graph: Graph,
    rnd: ReportingRound,
    digest: Digest,
    tx: Texts,
    site_id: str,
    folder: str,
) -> PageImage | None:
    if rnd.risk_scale_id is None:
        return None
    scale = await session.get(RiskScale, rnd.risk_scale_id)
    if scale is None:
        return None
    bands = [(b.min_score, b.max_score, b.colour) for b in scale.bands]
    title = tx.t("intranet.heat_map_title", round=rnd.name)
    png, width, height = heat_map_png(
        digest.heat_map,
        band_colours=bands,
        title=title,
        likelihood_label=tx.t("intranet.likelihood"),
        consequence_label=tx.t("intranet.consequence"),
    )
    uploaded = await graph.upload_file(
        site_id, f"{folder}/riskkarta.png", png, "image/png", sharepoint_ids=True
    )
    return PageImage(file=uploaded, alt_text=title, width=width, height=height)


async def _upload_attainment_charts(
    graph: Graph, digest: Digest, tx: Texts, site_id: str, folder: str
) -> list[PageImage]:
    """A chart per strategy beside the heat map, uploaded the way the heat map is (the
    page's image web part needs the file's SharePoint ids)."""
    # Seconds of CPU for many strategies: off the event loop, as the Word report is.
    charts = await asyncio.to_thread(strategy_charts, digest.attainment, tx)
    images: list[PageImage] = []
    for number, chart in enumerate(charts, start=1):
        uploaded = await graph.upload_file(
            site_id,
            f"{folder}/maluppfyllelse-{number}.png",
            chart.png,
            "image/png",
            sharepoint_ids=True,
        )
        images.append(
            PageImage(
                file=uploaded, alt_text=chart.alt_text, width=chart.width, height=chart.height
            )
        )
    return images
