"""Digest at region scale: a generated region (50 000 plan items, 24 monthly rounds of history
with answers and revisions), and the time from "a digest is due" to the finished card for the
open round: reading the frames from the store, computing the numbers, rendering the card.

Run: ``python -m bench.digest_bench`` (SQLite; ``--backend postgresql`` or ``both``).
Generating the region takes a while; ``--keep PATH`` keeps the SQLite file and reuses it on
the next run with the same sizes. Target: about a second for the whole digest.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import print_table, scratch_database, write_results
from bench.generate_region import Region, RegionSpec, generate_into
from cards import paging
from cards.digest_card import create_digest_card
from services.delivery.digest_view import digest_card_view
from services.goals.source import load_attainment
from services.platform.config import normalise_database_url
from services.reporting import digest_source
from services.reporting.digest import compute_digest
from storage.db import create_engine, create_session_factory
from storage.digest_queries import Scope
from storage.models import ReportingRound, Response, RoundState

TARGET_SECONDS = 1.0


async def _measure(database_url: str, root_unit_key: str, repeat: int) -> dict[str, Any]:
    engine = create_engine(database_url)
    try:
        sessions = create_session_factory(engine)
        async with sessions() as session:
            query = select(ReportingRound).where(ReportingRound.state == RoundState.OPEN)
            rnd = (
                (await session.execute(query.order_by(ReportingRound.id.desc()))).scalars().first()
            )
            assert rnd is not None, "the generated region has no open round"
            answers = (await session.execute(select(func.count(Response.id)))).scalar_one()
        scope = Scope(org_units=(root_unit_key,))
        runs: list[dict[str, float]] = []
        size = 0
        items = 0
        for _ in range(repeat + 1):  # the first run warms caches and is not counted
            async with sessions() as session:
                started = time.perf_counter()
                cpu_started = time.process_time()
                rnd = await session.get(ReportingRound, rnd.id)
                assert rnd is not None
                frames = await digest_source.load_frames(session, rnd, scope)
                info = await digest_source.round_info(session, rnd)
                read = time.perf_counter()
                digest = compute_digest(frames, info, digest_source.risk_axes(rnd, "sv"))
                computed = time.perf_counter()
                # Indicators against targets over every round, trends and projections.
                attainment = await load_attainment(session, rnd, frames)
                digest = replace(digest, attainment=attainment)
                attained = time.perf_counter()
                card = create_digest_card(
                    digest_card_view(
                        digest,
                        group_name="Regionstyrelsen",
                        language="sv",
                        time_zone="Europe/Stockholm",
                        generated_at=datetime.now(UTC),
                        occasion="weekly",
                    )
                )
                rendered = time.perf_counter()
                cpu = time.process_time() - cpu_started
            size = paging.card_size(card)
            items = digest.rate.items
            runs.append(
                {
                    "read_s": read - started,
                    "compute_s": computed - read,
                    "attainment_s": attained - computed,
                    "render_s": rendered - attained,
                    "total_s": rendered - started,
                    # CPU of this process (both threads): the figure that does not depend on
                    # what else the machine runs at the time.
                    "cpu_s": cpu,
                }
            )
        counted = runs[1:]
        result: dict[str, Any] = {
            key: statistics.median(r[key] for r in counted) for key in counted[0]
        }
        result["max_total_s"] = max(r["total_s"] for r in counted)
        result.update(items_in_digest=items, answers_in_store=answers, card_bytes=size)
        result["load_avg_1m"] = os.getloadavg()[0]
        return result
    finally:
        await engine.dispose()


async def _kept_region(spec: RegionSpec, keep: Path, exists: bool) -> tuple[str, Region | None]:
    """The region in a kept SQLite file: generated once, reused afterwards."""
    url = f"sqlite+aiosqlite:///{keep}"
    if exists:
        return url, None
    return url, await generate_into(url, spec)


async def run_backend(
    backend: str, spec: RegionSpec, repeat: int, keep: Path | None, keep_exists: bool = False
) -> dict[str, Any]:
    region: Region | None
    if backend == "sqlite" and keep is not None:
        url, region = await _kept_region(spec, keep, keep_exists)
        measured = await _measure(url, f"{spec.prefix}-REGION", repeat)
    else:
        async with scratch_database(backend) as url:
            region = await generate_into(url, spec, migrate_first=False)
            measured = await _measure(url, region.root_unit_key, repeat)
    row: dict[str, Any] = {"backend": backend, **measured}
    if region is not None:
        row["generate_s"] = region.seconds
    row["target_s"] = TARGET_SECONDS
    row["met"] = measured["total_s"] <= TARGET_SECONDS
    return row


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--items", type=int, default=RegionSpec.items)
    parser.add_argument("--rounds", type=int, default=RegionSpec.rounds)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="SQLite file to keep the region in and reuse")
    parser.add_argument(
        "--database-url", help="measure a region generated before (bench.generate_region)"
    )
    args = parser.parse_args(argv)
    spec = RegionSpec(items=args.items, rounds=args.rounds)
    if args.database_url:
        url = normalise_database_url(args.database_url)
        measured = asyncio.run(_measure(url, f"{spec.prefix}-REGION", args.repeat))
        backend = "postgresql" if url.startswith("postgresql") else "sqlite"
        rows = [
            {
                "backend": backend,
                **measured,
                "target_s": TARGET_SECONDS,
                "met": measured["total_s"] <= TARGET_SECONDS,
            }
        ]
        print_table(f"Digest of the open round: {url.rsplit('/', 1)[-1]}", rows)
        print(f"\nwritten to {write_results('digest', {'results': rows})}")
        return
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    rows = [
        asyncio.run(
            run_backend(
                b,
                spec,
                args.repeat,
                args.keep if b == "sqlite" else None,
                args.keep is not None and args.keep.exists(),
            )
        )
        for b in backends
    ]
    print_table(f"Digest of the open round: {spec.items} items, {spec.rounds} rounds", rows)
    path = write_results(
        "digest",
        {"spec": {"items": spec.items, "rounds": spec.rounds, "seed": spec.seed}, "results": rows},
    )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
