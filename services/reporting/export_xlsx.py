"""A round as an Excel workbook: the digest's numbers per level (overview, strategies, goals,
items, risks, who has not answered) and every answer with its full history, for the intranet
and for auditors. The numbers are those of ``services.reporting.digest``, as on the card and in
``lagesbot report``."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from services.reporting import digest_source
from services.reporting.digest import UNANSWERED, Digest
from storage import digest_queries
from storage.digest_queries import Scope
from storage.models import ReportingRound


class UnknownRound(LookupError):
    pass


def _labels(digest: Digest, tx: texts.Texts) -> dict[str, str]:
    labels = {str(r.status_key): str(r.label) for r in digest.statuses.itertuples()}
    labels[UNANSWERED] = tx.t("digest.status.unanswered")
    return labels


def _col(tx: texts.Texts, name: str) -> str:
    return tx.t(f"digest.col.{name}")


def overview_frame(digest: Digest, tx: texts.Texts, generated_at: datetime) -> pd.DataFrame:
    rate = digest.rate
    labels = _labels(digest, tx)
    rows: list[tuple[str, Any]] = [
        (tx.t("digest.export.round"), f"{digest.round.name} ({digest.round.key})"),
        (tx.t("digest.export.state"), digest.round.state),
        (tx.t("digest.export.items"), rate.items),
        (tx.t("digest.export.answered"), rate.answered),
        (tx.t("digest.export.rate"), round(rate.rate, 4)),
        (tx.t("digest.export.owners"), rate.owners),
        (tx.t("digest.export.owners_done"), rate.owners_done),
        (tx.t("digest.export.better"), digest.better),
        (tx.t("digest.export.worse"), digest.worse),
    ]
    rows += [(labels[str(key)], int(count)) for key, count in digest.status_totals().items()]
    rows.append(
        (tx.t("digest.export.generated"), generated_at.astimezone(UTC).replace(tzinfo=None))
    )
    return pd.DataFrame(rows, columns=[_col(tx, "measure"), _col(tx, "amount")])


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
    labels = _labels(digest, tx)
    t = digest.items
    changes = digest.changes.set_index("item_id")["change"]
    return pd.DataFrame(
        {
            _col(tx, "item_key"): t["item_key"],
            _col(tx, "title"): t["title"],
            _col(tx, "kind"): t["kind"],
            _col(tx, "strategy"): t["strategy"],
            _col(tx, "goal"): t["goal"],
            _col(tx, "owner_name"): t["owner_name"],
            _col(tx, "status"): t["status_key"].where(t["answered"], UNANSWERED).map(labels),
            _col(tx, "previous_status"): t["previous_status_key"].map(labels),
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
    labels = _labels(digest, tx)
    r = digest.risks
    return pd.DataFrame(
        {
            _col(tx, "title"): r["title"],
            _col(tx, "owner_name"): r["owner_name"],
            _col(tx, "likelihood"): r["likelihood"],
            _col(tx, "consequence"): r["consequence"],
            _col(tx, "score"): r["score"],
            _col(tx, "status"): r["status_key"].map(labels),
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


def history_frame(history: pd.DataFrame, digest: Digest, tx: texts.Texts) -> pd.DataFrame:
    labels = _labels(digest, tx)
    answered_at = pd.to_datetime(history["answered_at"], utc=True).dt.tz_localize(None)
    return pd.DataFrame(
        {
            _col(tx, "item_key"): history["item_key"],
            _col(tx, "title"): history["title"],
            _col(tx, "revision"): history["revision"],
            _col(tx, "status"): history["status_key"].map(labels),
            _col(tx, "likelihood"): history["likelihood"].astype("Int64"),
            _col(tx, "consequence"): history["consequence"].astype("Int64"),
            _col(tx, "comment"): history["comment"],
            _col(tx, "value"): history["value"].map(lambda v: None if v is None else float(v)),
            _col(tx, "answered_by"): history["answered_by"],
            _col(tx, "answered_at"): answered_at,
            _col(tx, "source"): history["source"],
        }
    )


def workbook_bytes(sheets: list[tuple[str, pd.DataFrame]]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets:
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


async def round_workbook(
    session: AsyncSession,
    round_id: int,
    *,
    scope: Scope | None = None,
    language: str = "sv",
    generated_at: datetime | None = None,
) -> bytes:
    """The .xlsx of one round (optionally one steering group's scope of it)."""
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
            overview_frame(digest, tx, generated_at or datetime.now(UTC)),
        ),
        (tx.t("digest.export.sheet.strategy"), level_frame(digest, tx, "strategy")),
        (tx.t("digest.export.sheet.goal"), level_frame(digest, tx, "goal")),
        (tx.t("digest.export.sheet.items"), items_frame(digest, tx)),
        (tx.t("digest.export.sheet.risks"), risks_frame(digest, tx)),
        (tx.t("digest.export.sheet.missing"), missing_frame(digest, tx)),
        (tx.t("digest.export.sheet.answers"), history_frame(history, digest, tx)),
    ]
    return workbook_bytes(sheets)
