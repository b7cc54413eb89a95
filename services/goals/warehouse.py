"""The configured pull of indicator values from the region's data warehouse.

A TOML file names the warehouse (any SQLAlchemy async URL: the region's PostgreSQL, SQL
Server through its driver, or an SQLite file) and either one query returning (indicator
key, period, value[, as-of date]) for every indicator, or a query per indicator returning
(period, value[, as-of date])::

    plan = "rs-vp-2027"
    url = "postgresql+asyncpg://lagesbot@dw.region.se/dw"
    source = "datalagret"          # shown on the card: "Utfall 87 % (från datalagret, …)"
    query = "SELECT matetal, period, varde, per_datum FROM uppfoljning.v_matetal"

    [indicators.I7]                # instead of (or beside) the shared query
    query = "SELECT period, andel, per FROM uppfoljning.v_vantetider"

The rows go through the values import (``services.goals.values_import``): every row is
checked and one bad row stores nothing. The scheduler pulls when a round of the plan opens
and once a day while one is open; every failure is recorded (audit log and the pull's
state, which ``lagesbot values status`` shows admins), never skipped silently.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.goals.values_import import import_values
from services.imports.common import ImportFailed, ImportSummary, Row, Table
from storage import audit
from storage.models import Plan, ReportingRound, RoundState, SyncState

STATE_KEY: Final = "warehouse:{plan}"
COLUMNS: Final = ("indicator", "period", "value", "as_of")


class WarehouseConfigError(ValueError):
    """The TOML file is missing a key or has a wrong one."""


@dataclass(frozen=True)
class WarehouseConfig:
    plan: str
    url: str
    source: str = "datalagret"
    query: str | None = None
    per_indicator: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str) -> WarehouseConfig:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            per = {str(k): str(v["query"]) for k, v in data.get("indicators", {}).items()}
            config = cls(
                plan=str(data["plan"]),
                url=str(data["url"]),
                source=str(data.get("source", "datalagret")),
                query=data.get("query"),
                per_indicator=per,
            )
        except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
            raise WarehouseConfigError(f"{path}: {exc}") from exc
        if config.query is None and not config.per_indicator:
            raise WarehouseConfigError(f"{path}: no query")
        return config


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


async def fetch_rows(config: WarehouseConfig) -> list[tuple[str, ...]]:
    """(indicator, period, value, as_of) as text, from the warehouse's queries."""
    engine = create_async_engine(config.url)
    rows: list[tuple[str, ...]] = []
    try:
        async with engine.connect() as connection:
            if config.query is not None:
                for record in (await connection.execute(text(config.query))).all():
                    cells = [_cell(v) for v in record]
                    rows.append(tuple([*cells[:4], *[""] * (4 - len(cells[:4]))]))
            for key, query in config.per_indicator.items():
                for record in (await connection.execute(text(query))).all():
                    cells = [_cell(v) for v in record][:3]
                    rows.append((key, *cells, *[""] * (3 - len(cells))))
    finally:
        await engine.dispose()
    return rows


def as_table(config: WarehouseConfig, rows: list[tuple[str, ...]]) -> Table:
    """The warehouse's rows as a values file, numbered from 2 like a sheet."""
    records = [
        Row(number, {**dict(zip(COLUMNS, row, strict=True)), "source": config.source})
        for number, row in enumerate(rows, start=2)
    ]
    return Table(
        source=config.source,
        headers=[*COLUMNS, "source"],
        columns={name: name for name in (*COLUMNS, "source")},
        rows=records,
    )


async def _remember(session: AsyncSession, plan: str, now: datetime, **state: Any) -> None:
    key = STATE_KEY.format(plan=plan)
    row = await session.get(SyncState, key)
    value = json.dumps({"at": now.isoformat(), **state}, ensure_ascii=False)
    if row is None:
        session.add(SyncState(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    await session.flush()


async def last_pull(session: AsyncSession, plan: str) -> dict[str, Any] | None:
    """The last pull's time and outcome ({"at", "ok", "error" or "counts"})."""
    row = await session.get(SyncState, STATE_KEY.format(plan=plan))
    return None if row is None else dict(json.loads(row.value))


async def pull(
    session: AsyncSession, config: WarehouseConfig, *, now: datetime, actor: str
) -> ImportSummary:
    """Fetch and load; on failure nothing is loaded, the error is recorded and raised."""
    try:
        rows = await fetch_rows(config)
        summary = await import_values(
            session, as_table(config, rows), plan_key=config.plan, actor=actor
        )
    except Exception as exc:
        await session.rollback()
        detail = (
            "; ".join(e.render("sv") for e in exc.errors[:20])
            if isinstance(exc, ImportFailed)
            else f"{type(exc).__name__}: {exc}"
        )
        audit.record(session, actor=actor, action="values.pull_failed", target_type="plan",
                     target_id=config.plan, details={"error": detail})  # fmt: skip
        await _remember(session, config.plan, now, ok=False, error=detail)
        await session.commit()
        raise
    await _remember(session, config.plan, now, ok=True, counts=summary.counts())
    return summary


async def pull_due(session: AsyncSession, config: WarehouseConfig, now: datetime) -> bool:
    """Due when a round of the plan is open and there was no pull since it opened, nor yet
    today (UTC)."""
    query = (
        select(ReportingRound.opens_at)
        .join(Plan, Plan.id == ReportingRound.plan_id)
        .where(ReportingRound.state == RoundState.OPEN, Plan.key == config.plan)
    )
    opened = (await session.scalars(query)).all()
    if not opened:
        return False
    last = await last_pull(session, config.plan)
    if last is None:
        return True
    at = datetime.fromisoformat(str(last["at"]))
    return at < max(opened) or at.date() < now.date()


def warehouse_configs(paths: str) -> tuple[WarehouseConfig, ...]:
    """The warehouses of ``LAGESBOT_WAREHOUSE`` (TOML files, separated by the OS's path
    separator); a bad file stops the start, as a wrong setting should."""
    return tuple(WarehouseConfig.load(p) for p in paths.split(os.pathsep) if p.strip())
