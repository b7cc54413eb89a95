"""A deterministic synthetic region: org units, people with line managers, a regional plan
(strategies, goals, indicators, activities, risks), and rounds of history with answers.

The same seed and sizes always give the same rows (ids, keys, texts, answers), so benchmark
figures are comparable between runs and machines. It backs the digest benchmark and can seed
a demo database::

    python -m bench.generate_region --database-url sqlite:///region.sqlite3 \
        --items 2000 --rounds 4

Rows are written with Core executemany in batches (a region is millions of rows); ids follow
the largest id already in each table, keys carry ``--prefix`` so a second region can be
generated next to the first.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.platform.config import normalise_database_url
from storage import migrate
from storage.db import create_engine
from storage.models import (
    ItemKind,
    OrgUnit,
    Person,
    Plan,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    ResponseSource,
    RiskScale,
    RoundItem,
    RoundState,
    StatusScale,
)

BATCH = 5000
BASE_TIME = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
ROUND_LENGTH = timedelta(days=14)
# Severity order of the default scale (best first), as the answers drift between rounds.
STATUS_BY_SEVERITY = ("done", "on_track", "not_started", "deviation", "at_risk")
FIRST_NAMES = (
    "Anna", "Bo", "Cecilia", "David", "Eva", "Fredrik", "Gunilla", "Hassan", "Ingrid", "Johan",
    "Karin", "Lars", "Maria", "Nils", "Olga", "Per", "Rut", "Sven", "Tove", "Ulf", "Vera", "Yusuf",
)  # fmt: skip
LAST_NAMES = (
    "Andersson", "Berg", "Carlsson", "Dahl", "Ek", "Forsberg", "Gustafsson", "Holm", "Isaksson",
    "Johansson", "Karlsson", "Lindqvist", "Mohammed", "Nilsson", "Olsson", "Persson", "Quist",
    "Svensson", "Törnqvist", "Wallin",
)  # fmt: skip
DEPARTMENTS = (
    "Hälso- och sjukvård", "Regional utveckling", "Kollektivtrafik", "Kultur och bildning",
    "Tandvård", "Regionservice", "Digitalisering", "Ekonomi och styrning", "HR", "Miljö",
)  # fmt: skip
THEMES = (
    "tillgänglighet", "patientsäkerhet", "kompetensförsörjning", "ekonomi i balans",
    "digitala tjänster", "klimat och miljö", "jämlik hälsa", "regional tillväxt",
    "arbetsmiljö", "kollektivtrafikens resande", "förebyggande arbete", "samverkan",
)  # fmt: skip
COMMENTS = (
    "Arbetet följer tidplanen.",
    "Försenat på grund av vakanser; en åtgärdsplan tas fram till nästa månad.",
    "Upphandlingen är klar och införandet pågår i tre av fyra verksamheter.",
    "Avvaktar beslut i nämnden.",
    "Kostnaderna ligger över budget, prognosen har justerats.",
    "Bemanningen är säkrad för perioden.",
)
KIND_NAMES = {
    ItemKind.ACTIVITY: "Aktivitet",
    ItemKind.INDICATOR: "Indikator",
    ItemKind.RISK: "Risk",
    ItemKind.ASSIGNMENT: "Uppdrag",
}
ITEM_KINDS = (
    (ItemKind.ACTIVITY, 0.45),
    (ItemKind.INDICATOR, 0.25),
    (ItemKind.RISK, 0.20),
    (ItemKind.ASSIGNMENT, 0.10),
)


@dataclass(frozen=True)
class RegionSpec:
    items: int = 50_000
    rounds: int = 24
    seed: int = 20261124
    departments: int = 8
    units_per_department: int = 12
    strategies: int = 6
    goals: int = 400
    items_per_owner: int = 8
    answer_rate: float = 0.92
    open_round_answer_rate: float = 0.6
    revision_rate: float = 0.15
    prefix: str = "gen"


@dataclass
class Region:
    """What was generated: ids and keys the benchmark needs."""

    spec: RegionSpec
    root_unit_key: str = ""
    plan_id: int = 0
    round_ids: list[int] = field(default_factory=list)
    round_keys: list[str] = field(default_factory=list)
    people: int = 0
    plan_items: int = 0
    round_items: int = 0
    responses: int = 0
    seconds: float = 0.0


class _Ids:
    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        self.next += 1
        return self.next


async def _max_id(conn: AsyncConnection, model: Any) -> int:
    return int((await conn.execute(select(func.coalesce(func.max(model.id), 0)))).scalar_one())


async def _insert(conn: AsyncConnection, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await conn.execute(insert(model), list(rows[start : start + BATCH]))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _split_people(count: int, buckets: int) -> list[int]:
    base, extra = divmod(count, buckets)
    return [base + (1 if n < extra else 0) for n in range(buckets)]


async def generate(conn: AsyncConnection, spec: RegionSpec) -> Region:
    """Writes the region through ``conn`` (the caller commits)."""
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    region = Region(spec)
    p = spec.prefix
    now = BASE_TIME  # fixed, so the same seed gives byte-identical rows

    unit_ids = _Ids(await _max_id(conn, OrgUnit))
    person_ids = _Ids(await _max_id(conn, Person))
    item_ids = _Ids(await _max_id(conn, PlanItem))
    round_ids = _Ids(await _max_id(conn, ReportingRound))
    round_item_ids = _Ids(await _max_id(conn, RoundItem))
    request_ids = _Ids(await _max_id(conn, ReportRequest))
    response_ids = _Ids(await _max_id(conn, Response))
    plan_id = await _max_id(conn, Plan) + 1

    # Organisation: region > departments > units, each with a manager.
    units: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []

    def person(unit_id: int, manager_id: int | None, title: str) -> int:
        pid = person_ids.take()
        people.append(
            {
                "id": pid,
                "entra_object_id": f"{p}-{spec.seed}-{pid:08d}",
                "upn": f"{p}.{pid}@region-exempel.se",
                "display_name": _name(rng),
                "email": f"{p}.{pid}@region-exempel.se",
                "job_title": title,
                "line_manager_id": manager_id,
                "org_unit_id": unit_id,
                "preferred_language": "sv",
                "time_zone": "Europe/Stockholm",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        return pid

    root = unit_ids.take()
    region.root_unit_key = f"{p}-REGION"
    units.append(
        {"id": root, "key": region.root_unit_key, "name": "Region Exempel", "parent_id": None}
    )
    director = person(root, None, "Regiondirektör")
    leaf_units: list[int] = []
    for d in range(spec.departments):
        dept = unit_ids.take()
        units.append(
            {
                "id": dept,
                "key": f"{p}-D{d + 1}",
                "name": DEPARTMENTS[d % len(DEPARTMENTS)]
                + (f" {d + 1}" if d >= len(DEPARTMENTS) else ""),
                "parent_id": root,
            }
        )
        head = person(dept, director, "Förvaltningschef")
        for u in range(spec.units_per_department):
            unit = unit_ids.take()
            units.append(
                {
                    "id": unit,
                    "key": f"{p}-D{d + 1}-E{u + 1}",
                    "name": f"Enhet {d + 1}.{u + 1}",
                    "parent_id": dept,
                }
            )
            leaf_units.append(unit)
            person(unit, head, "Enhetschef")
    managers_by_unit = {
        row["org_unit_id"]: row["id"] for row in people if row["job_title"] == "Enhetschef"
    }
    owners_by_unit: dict[int, list[int]] = {}
    owner_total = max(1, spec.items // spec.items_per_owner)
    for unit, count in zip(leaf_units, _split_people(owner_total, len(leaf_units)), strict=True):
        owners_by_unit[unit] = [
            person(unit, managers_by_unit[unit], "Handläggare") for _ in range(count)
        ]
    region.people = len(people)

    await _insert(conn, OrgUnit, units)
    await _insert(conn, Person, people)
    await conn.execute(
        insert(Plan),
        [
            {
                "id": plan_id,
                "key": f"{p}-plan",
                "name": "Regionplan med budget",
                "period": "2025-2026",
                "org_unit_id": root,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    region.plan_id = plan_id

    # The plan: strategies > goals > items; a goal belongs to one department.
    items: list[dict[str, Any]] = []
    asked: list[tuple[int, int, ItemKind]] = []  # (item id, owner id, kind)

    def item(
        key: str, kind: ItemKind, title: str, parent: int | None, unit: int, owner: int, pos: int
    ) -> int:
        iid = item_ids.take()
        items.append(
            {
                "id": iid,
                "plan_id": plan_id,
                "key": key,
                "parent_id": parent,
                "kind": kind,
                "title": title,
                "description": None,
                "owner_id": owner,
                "delegate_id": None,
                "org_unit_id": unit,
                "unit": "%" if kind is ItemKind.INDICATOR else None,
                # Indicators have a target, so the digest's attainment has work to do.
                "target": Decimal(80) if kind is ItemKind.INDICATOR else None,
                "link_url": None,
                "link_title": None,
                "position": pos,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        return iid

    strategy_ids = [
        item(
            f"S{s + 1}",
            ItemKind.STRATEGY,
            f"Strategi {s + 1}: {THEMES[s % len(THEMES)]}",
            None,
            root,
            director,
            s + 1,
        )
        for s in range(spec.strategies)
    ]
    goal_units: list[tuple[int, list[int]]] = []
    dept_units = [
        leaf_units[d * spec.units_per_department : (d + 1) * spec.units_per_department]
        for d in range(spec.departments)
    ]
    for g in range(spec.goals):
        dept = g % spec.departments
        unit = rng.choice(dept_units[dept])
        owner = managers_by_unit[unit]
        theme = rng.choice(THEMES)
        gid = item(
            f"M{g + 1}",
            ItemKind.GOAL,
            f"Mål {g + 1}: bättre {theme} i {DEPARTMENTS[dept % len(DEPARTMENTS)].lower()}",
            strategy_ids[g % spec.strategies],
            unit,
            owner,
            g // spec.strategies + 1,
        )
        goal_units.append((gid, dept_units[dept]))
        asked.append((gid, owner, ItemKind.GOAL))
    kinds = [k for k, _ in ITEM_KINDS]
    weights = [w for _, w in ITEM_KINDS]
    remaining = max(0, spec.items - spec.strategies - spec.goals)
    positions: dict[int, int] = {}
    for n in range(remaining):
        goal_id, units_of_goal = goal_units[rng.randrange(len(goal_units))]
        unit = rng.choice(units_of_goal)
        # A small region has fewer case officers than units: the unit's manager owns it.
        owner = rng.choice(owners_by_unit[unit] or [managers_by_unit[unit]])
        kind = rng.choices(kinds, weights)[0]
        positions[goal_id] = positions.get(goal_id, 0) + 1
        title = f"{KIND_NAMES[kind]} {n + 1}: {rng.choice(THEMES)} – {rng.choice(COMMENTS)[:40]}"
        iid = item(f"P{n + 1}", kind, title, goal_id, unit, owner, positions[goal_id])
        asked.append((iid, owner, kind))
    region.plan_items = len(items)
    await _insert(conn, PlanItem, items)

    status_scale_id = (
        await conn.execute(select(StatusScale.id).order_by(StatusScale.id).limit(1))
    ).scalar_one()
    risk_scale_id = (
        await conn.execute(select(RiskScale.id).order_by(RiskScale.id).limit(1))
    ).scalar_one()

    # History: one round a month; each asks every goal and item; the last one is open.
    severity = {iid: rng.choice((1, 1, 1, 0, 2, 3)) for iid, _, _ in asked}
    risk = {
        iid: (rng.randint(1, 4), rng.randint(1, 4))
        for iid, _, kind in asked
        if kind is ItemKind.RISK
    }
    owners = sorted({owner for _, owner, _ in asked})
    previous: int | None = None
    for r in range(spec.rounds):
        rid = round_ids.take()
        opens = BASE_TIME.replace(year=BASE_TIME.year + r // 12, month=r % 12 + 1)
        last = r == spec.rounds - 1
        key = f"{p}-{opens:%Y-%m}"
        await conn.execute(
            insert(ReportingRound),
            [
                {
                    "id": rid,
                    "key": key,
                    "name": f"Månadsuppföljning {opens:%Y-%m}",
                    "plan_id": plan_id,
                    "period_label": f"{opens:%Y-%m}",
                    "scope": {},
                    "state": RoundState.OPEN if last else RoundState.CLOSED,
                    "opens_at": opens,
                    "deadline_at": opens + ROUND_LENGTH,
                    "closed_at": None if last else opens + ROUND_LENGTH + timedelta(days=2),
                    "reminder_offsets_hours": {"before_deadline": [72, 24]},
                    "escalation_delay_hours": 48,
                    "status_scale_id": status_scale_id,
                    "risk_scale_id": risk_scale_id,
                    "ask_status": True,
                    "ask_comment": True,
                    "ask_risk": True,
                    "ask_value": True,
                    "comment_max_length": 2000,
                    "previous_round_id": previous,
                    "created_by": "bench",
                    "created_at": opens,
                }
            ],
        )
        region.round_ids.append(rid)
        region.round_keys.append(key)
        previous = rid
        requests = {owner: request_ids.take() for owner in owners}
        await _insert(
            conn,
            ReportRequest,
            [
                {
                    "id": rq,
                    "round_id": rid,
                    "person_id": owner,
                    "created_at": opens,
                    "sent_at": opens,
                }
                for owner, rq in requests.items()
            ],
        )
        round_items = [
            {
                "id": round_item_ids.take(),
                "round_id": rid,
                "item_id": iid,
                "owner_id": owner,
                "ask_risk": kind is ItemKind.RISK,
                "ask_value": kind is ItemKind.INDICATOR,
            }
            for iid, owner, kind in asked
        ]
        await _insert(conn, RoundItem, round_items)
        region.round_items += len(round_items)
        del round_items
        rate = spec.open_round_answer_rate if last else spec.answer_rate
        await _insert(
            conn,
            Response,
            list(
                _answers(rng, spec, asked, severity, risk, rid, opens, requests, response_ids, rate)
            ),
        )
    region.responses = int(
        (
            await conn.execute(
                select(func.count(Response.id)).where(Response.round_id.in_(region.round_ids))
            )
        ).scalar_one()
    )

    if conn.dialect.name == "postgresql":
        for table in (
            "org_units",
            "people",
            "plans",
            "plan_items",
            "reporting_rounds",
            "round_items",
            "requests",
            "responses",
        ):
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        await conn.execute(text("ANALYZE"))
    region.seconds = time.perf_counter() - started
    return region


def _answers(
    rng: random.Random,
    spec: RegionSpec,
    asked: Sequence[tuple[int, int, ItemKind]],
    severity: dict[int, int],
    risk: dict[int, tuple[int, int]],
    round_id: int,
    opens: datetime,
    requests: dict[int, int],
    ids: _Ids,
    rate: float,
) -> Iterator[dict[str, Any]]:
    for iid, owner, kind in asked:
        # Status drifts a step now and then, so rounds differ the way real ones do.
        if rng.random() < 0.2:
            severity[iid] = min(4, max(0, severity[iid] + rng.choice((-1, 1))))
        if kind is ItemKind.RISK and rng.random() < 0.25:
            was_likelihood, was_consequence = risk[iid]
            risk[iid] = (
                min(4, max(1, was_likelihood + rng.choice((-1, 1)))),
                min(4, max(1, was_consequence + rng.choice((-1, 1)))),
            )
        if rng.random() >= rate:
            continue
        revisions = 2 if rng.random() < spec.revision_rate else 1
        at = opens + timedelta(hours=rng.randint(1, 300))
        for revision in range(1, revisions + 1):
            final = revision == revisions
            status = STATUS_BY_SEVERITY[severity[iid] if final else rng.randrange(5)]
            lk, cq = risk.get(iid, (None, None))
            yield {
                "id": ids.take(),
                "round_id": round_id,
                "item_id": iid,
                "request_id": requests[owner],
                "revision": revision,
                "status_key": status,
                "likelihood": lk,
                "consequence": cq,
                "comment": rng.choice(COMMENTS)
                if severity[iid] >= 3 or rng.random() < 0.3
                else None,
                # A slow climb per round (no random draw: the other answers stay as they were).
                "value": Decimal(50 + iid % 40 + round_id % 12)
                if kind is ItemKind.INDICATOR
                else None,
                "answered_by_id": owner,
                "answered_at": at + timedelta(hours=revision),
                "source": ResponseSource.TEAMS_CARD,
                "submission_key": None,
            }


async def generate_into(
    database_url: str, spec: RegionSpec, *, migrate_first: bool = True
) -> Region:
    engine = create_engine(normalise_database_url(database_url))
    try:
        if migrate_first:
            await migrate.upgrade(engine)
        async with engine.begin() as conn:
            return await generate(conn, spec)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--items", type=int, default=RegionSpec.items)
    parser.add_argument("--rounds", type=int, default=RegionSpec.rounds)
    parser.add_argument("--seed", type=int, default=RegionSpec.seed)
    parser.add_argument("--prefix", default=RegionSpec.prefix)
    args = parser.parse_args(argv)
    goals = max(1, min(RegionSpec.goals, args.items // 20))
    spec = RegionSpec(
        items=args.items, rounds=args.rounds, seed=args.seed, prefix=args.prefix, goals=goals
    )
    region = asyncio.run(generate_into(args.database_url, spec))
    print(
        f"{region.plan_items} plan items, {region.people} people, {len(region.round_ids)} rounds, "
        f"{region.round_items} round items, {region.responses} answers in {region.seconds:.1f} s; "
        f"open round: {region.round_keys[-1]}"
    )


if __name__ == "__main__":
    main()
