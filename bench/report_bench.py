"""The Word report at region scale: the generated region (``bench.generate_region``: 50 000
plan items, 24 monthly rounds of history), and the time to write the follow-up report of its
open round for the whole region: reading the digest's frames and the items' details
(``report_source.load_report``), then writing the .docx (``word_report.write_report``).

Run: ``python -m bench.report_bench`` (SQLite; ``--backend postgresql``). ``--keep PATH``
keeps the generated SQLite file and reuses it on the next run with the same sizes (the digest
benchmark's ``--keep`` file works too). Target: the whole region's report within
``TARGET_SECONDS``; a steering group's part of it is a fraction of that.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import resource
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
from sqlalchemy import select

from bench.common import print_table, scratch_database, write_results
from bench.generate_region import Region, RegionSpec, generate_into
from catalogue import texts
from services.reporting import report_source, word_report
from storage.db import create_engine, create_session_factory
from storage.digest_queries import Scope
from storage.models import ReportingRound, RoundState

TARGET_SECONDS = 60.0


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _measure(database_url: str, root_unit_key: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(ReportingRound).where(ReportingRound.state == RoundState.OPEN)
            rnd = (
                (await session.execute(query.order_by(ReportingRound.id.desc()))).scalars().first()
            )
            assert rnd is not None, "the generated region has no open round"
            tx = texts.for_language("sv")
            started = time.perf_counter()
            cpu_started = time.process_time()
            data = await report_source.load_report(
                session, rnd, Scope(org_units=(root_unit_key,)), "sv"
            )
            read = time.perf_counter()
            content = word_report.write_report(data, tx, generated_at=datetime.now(UTC))
            written = time.perf_counter()
            cpu = time.process_time() - cpu_started
            # Before the document is read back below (a second tree of the same size).
            rss_written = _peak_rss_mb()
        document = docx.Document(io.BytesIO(content))
        headings = sum(
            1
            for p in document.paragraphs
            if p.style is not None and p.style.name.startswith("Heading")
        )
        return {
            "items": data.digest.rate.items,
            "read_s": read - started,
            "write_s": written - read,
            "total_s": written - started,
            "cpu_s": cpu,
            "docx_mb": len(content) / 1e6,
            "headings": headings,
            "tables": len(document.tables),
            "table_rows": sum(len(t.rows) for t in document.tables),
            "peak_rss_mb": rss_written,
            "load_avg_1m": os.getloadavg()[0],
        }
    finally:
        await engine.dispose()


async def run_backend(
    backend: str, spec: RegionSpec, keep: Path | None, keep_exists: bool = False
) -> dict[str, Any]:
    region: Region | None = None
    if backend == "sqlite" and keep is not None:
        url = f"sqlite+aiosqlite:///{keep}"
        if not keep_exists:
            region = await generate_into(url, spec)
        measured = await _measure(url, f"{spec.prefix}-REGION")
    else:
        async with scratch_database(backend) as url:
            region = await generate_into(url, spec, migrate_first=False)
            measured = await _measure(url, region.root_unit_key)
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
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--items", type=int, default=RegionSpec.items)
    parser.add_argument("--rounds", type=int, default=RegionSpec.rounds)
    parser.add_argument("--keep", type=Path, help="SQLite file to keep the region in and reuse")
    args = parser.parse_args(argv)
    goals = max(1, min(RegionSpec.goals, args.items // 20))
    spec = RegionSpec(items=args.items, rounds=args.rounds, goals=goals)
    keep_exists = args.keep is not None and args.keep.exists()
    row = asyncio.run(run_backend(args.backend, spec, args.keep, keep_exists))
    print_table(f"Word report of the open round: {spec.items} items, {spec.rounds} rounds", [row])
    path = write_results(
        "report",
        {"spec": {"items": spec.items, "rounds": spec.rounds, "seed": spec.seed}, "results": [row]},
    )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
