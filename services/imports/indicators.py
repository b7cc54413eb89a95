"""The plan import's indicator (mätetal) columns: what an indicator is judged by.

An indicator carries its target (``målvärde``, already a plan column), the direction that is
better (``riktning``: högre/lägre), a baseline (``utgångsvärde``), the decimals it is shown
with, the margin that separates yellow from red (``marginal``, per cent of the target; the
plan's own margin or 10 % when empty), the date the target is for (``måldatum``, else the end
of the plan's period) and optional targets per follow-up period (``periodmål``: "T1 2027:
80; T2 2027: 85", by the rounds' period labels).

Every change of these settings is appended to ``indicator_settings`` with who changed it, so
re-importing a plan with a new target keeps the old one on record.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import Column, Row, RowError, Table, fold, row_error
from services.platform.numbers import parse_stored_decimal
from storage.models import IndicatorSettings, ItemKind, PlanItem

INDICATOR_COLUMNS: Final = (
    Column("direction", ("riktning", "önskad riktning", "bättre när", "better when"), False, 32),
    Column("baseline", ("utgångsvärde", "utgångsläge", "basvärde", "baseline value"), False, 64),
    Column("decimals", ("decimaler", "antal decimaler", "decimal places"), False, 8),
    Column("margin", ("marginal", "tolerans", "margin %", "marginal %"), False, 32),
    Column("target_date", ("måldatum", "target date", "datum för målvärde"), False, 32),
    Column("period_targets", ("periodmål", "delmål", "period targets", "targets"), False, 2000),
)

# The item attributes the columns above set (same names).
INDICATOR_FIELDS: Final = tuple(column.name for column in INDICATOR_COLUMNS)
# What a settings revision records: these and the plan columns unit and target.
SETTINGS_FIELDS: Final = ("unit", "target", *INDICATOR_FIELDS)

DIRECTION_NAMES: Final = {
    "hogre": "higher",
    "hogre_ar_battre": "higher",
    "oka": "higher",
    "upp": "higher",
    "higher": "higher",
    "higher_is_better": "higher",
    "up": "higher",
    "increase": "higher",
    "lagre": "lower",
    "lagre_ar_battre": "lower",
    "minska": "lower",
    "ned": "lower",
    "lower": "lower",
    "lower_is_better": "lower",
    "down": "lower",
    "decrease": "lower",
}
MAX_DECIMALS: Final = 4
_PERIOD_SPLIT: Final = re.compile(r"\s*[;\n]\s*")
_PERIOD_PAIR: Final = re.compile(r"^(?P<period>[^:=]+?)\s*[:=]\s*(?P<value>.+)$")


def _number(row: Row, table: Table, column: str, errors: list[RowError]) -> Decimal | None:
    raw = row.get(column)
    try:
        return parse_stored_decimal(raw)
    except ValueError:
        label = table.label(column)
        errors.append(row_error(row.number, column, "bad_number", label=label, value=raw))
        return None


def _direction(row: Row, errors: list[RowError]) -> str | None:
    raw = row.get("direction")
    if not raw:
        return None
    direction = DIRECTION_NAMES.get(fold(raw))
    if direction is None:
        errors.append(row_error(row.number, "direction", "bad_direction", value=raw))
    return direction


def _decimals(row: Row, errors: list[RowError]) -> int | None:
    raw = row.get("decimals")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_DECIMALS:
        errors.append(row_error(row.number, "decimals", "bad_decimals", value=raw))
        return None
    return int(raw)


def _margin(row: Row, table: Table, errors: list[RowError]) -> Decimal | None:
    margin = _number(row, table, "margin", errors)
    if margin is not None and not Decimal(0) <= margin <= Decimal(100):
        errors.append(row_error(row.number, "margin", "bad_margin", value=row.get("margin")))
        return None
    return margin


def parse_date(raw: str) -> date | None:
    """An ISO date; Excel date cells come as "2027-12-31 00:00:00". None when not a date."""
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def _target_date(row: Row, table: Table, errors: list[RowError]) -> date | None:
    raw = row.get("target_date")
    if not raw:
        return None
    found = parse_date(raw)
    if found is None:
        label = table.label("target_date")
        errors.append(row_error(row.number, "target_date", "bad_date", label=label, value=raw))
    return found


def parse_period_targets(text: str) -> dict[str, str] | None:
    """ "T1 2027: 80; T2 2027: 85" -> {"T1 2027": "80.0000", ...}; None when malformed."""
    targets: dict[str, str] = {}
    for part in _PERIOD_SPLIT.split(text.strip()):
        if not part:
            continue
        pair = _PERIOD_PAIR.match(part)
        if pair is None:
            return None
        try:
            value = parse_stored_decimal(pair["value"])
        except ValueError:
            return None
        if value is None:
            return None
        targets[pair["period"].strip()] = str(value)
    return targets or None


def _period_targets(row: Row, errors: list[RowError]) -> dict[str, str] | None:
    raw = row.get("period_targets")
    if not raw:
        return None
    targets = parse_period_targets(raw)
    if targets is None:
        errors.append(row_error(row.number, "period_targets", "bad_period_targets", value=raw))
    return targets


def indicator_values(row: Row, table: Table, errors: list[RowError]) -> dict[str, Any]:
    """The indicator attributes from the columns the file has (absent columns leave the
    stored value alone)."""
    readers: dict[str, Any] = {
        "direction": lambda: _direction(row, errors),
        "baseline": lambda: _number(row, table, "baseline", errors),
        "decimals": lambda: _decimals(row, errors),
        "margin": lambda: _margin(row, table, errors),
        "target_date": lambda: _target_date(row, table, errors),
        "period_targets": lambda: _period_targets(row, errors),
    }
    return {name: read() for name, read in readers.items() if table.has(name)}


def settings_of(item: PlanItem) -> dict[str, Any]:
    """An indicator's settings as JSON-safe values, as a history row keeps them."""
    result: dict[str, Any] = {}
    for name in SETTINGS_FIELDS:
        value = getattr(item, name)
        if isinstance(value, Decimal | date):
            value = str(value) if isinstance(value, Decimal) else value.isoformat()
        result[name] = value
    return result


async def record_settings_history(session: AsyncSession, plan_id: int, actor: str) -> int:
    """Append a settings revision for every indicator of the plan whose settings differ from
    its latest revision (or that has none yet); returns how many were appended."""
    latest = (
        select(IndicatorSettings.item_id, func.max(IndicatorSettings.revision).label("revision"))
        .group_by(IndicatorSettings.item_id)
        .subquery()
    )
    query = (
        select(PlanItem, IndicatorSettings)
        .outerjoin(latest, latest.c.item_id == PlanItem.id)
        .outerjoin(
            IndicatorSettings,
            (IndicatorSettings.item_id == PlanItem.id)
            & (IndicatorSettings.revision == latest.c.revision),
        )
        .where(PlanItem.plan_id == plan_id, PlanItem.kind == ItemKind.INDICATOR)
    )
    appended = 0
    for item, last in (await session.execute(query)).all():
        settings = settings_of(item)
        if last is not None and last.settings == settings:
            continue
        revision = 1 if last is None else last.revision + 1
        session.add(
            IndicatorSettings(
                item_id=item.id, revision=revision, settings=settings, changed_by=actor
            )
        )
        appended += 1
    await session.flush()
    return appended
