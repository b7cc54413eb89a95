"""The BI feed at region scale: the full answer history of the generated region (50 000 plan
items, 24 monthly rounds: about 1.25 million answers, revisions included) read through
``GET /api/odata/AnswerHistory`` page by page, following ``@odata.nextLink`` to the end, the
way Power BI or a warehouse loader does, from ``lagesbot serve`` as its own process with Entra
ID token checking on (a local issuer signs the token, as in the tests).

Reported: rows and pages read, rows per second, page latency, and the server's memory. The
feed reads keyset pages (never OFFSET) and holds one page at a time, so its memory is flat:
the bench checks that the server's RSS grows by at most ``RSS_GROWTH_BOUND_MB`` from the
fifth page to the last and that its peak (VmHWM) stays under ``RSS_PEAK_BOUND_MB``.

Run: ``python -m bench.feed_bench`` (PostgreSQL; ``--backend sqlite`` with ``--keep PATH``
keeps the generated region for the next run). ``--quick`` reads a small region (2 000 items,
3 rounds) to check that it all runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import (
    current_rss_mb,
    free_port,
    peak_rss_mb,
    percentile,
    print_table,
    scratch_database,
    serve_process,
    write_results,
)
from bench.generate_region import RegionSpec, generate_into
from tests.fakes import entra_issuer
from tests.fakes.entra_issuer import EntraIssuer

APP_ID = "00000000-0000-4000-8000-0000000bfeed"
TENANT_ID = "72f988bf-0000-4000-8000-0000000bfeed"
READ_ROLE = "Lagesbot.Read.All"
PAGE_SIZE = 5000
WARM_PAGES = 5
RSS_GROWTH_BOUND_MB = 40.0
RSS_PEAK_BOUND_MB = 400.0
QUICK_ITEMS, QUICK_ROUNDS = 2000, 3


@asynccontextmanager
async def _region(
    backend: str, spec: RegionSpec, keep: Path | None, kept: bool
) -> AsyncIterator[tuple[str, float | None]]:
    """The generated region's database URL, and how long generating it took (None: kept)."""
    if backend == "sqlite" and keep is not None:
        url = f"sqlite+aiosqlite:///{keep}"
        if kept:
            yield url, None
        else:
            yield url, (await generate_into(url, spec)).seconds
        return
    async with scratch_database(backend) as url:
        yield url, (await generate_into(url, spec, migrate_first=False)).seconds


async def _chain(
    http: aiohttp.ClientSession, url: str, token: str, pid: int, params: dict[str, str]
) -> tuple[int, list[float], list[float], Any]:
    """Follows the page chain to the end: rows read, page latencies, the server's RSS after
    every page, and the last row."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    rows = 0
    latencies: list[float] = []
    rss: list[float] = []
    last: Any = None
    next_url: str | None = url
    while next_url is not None:
        page_started = time.perf_counter()
        async with http.get(next_url, headers=headers, params=params) as response:
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {await response.text()}")
            body = json.loads(await response.read())
        latencies.append(time.perf_counter() - page_started)
        rows += len(body["value"])
        last = body["value"][-1] if body["value"] else last
        next_url, params = body.get("@odata.nextLink"), {}
        rss.append(current_rss_mb(pid))
    return rows, latencies, rss, last


async def _incremental(
    http: aiohttp.ClientSession, url: str, token: str, pid: int, last: Any
) -> dict[str, Any]:
    """An incremental refresh: what was answered in the last week of the history."""
    since = datetime.fromisoformat(last["AnsweredAt"]) - timedelta(days=7)
    started = time.perf_counter()
    wanted = {"$filter": f"AnsweredAt ge {since.isoformat()}"}
    rows, latencies, _rss, _last = await _chain(http, url, token, pid, wanted)
    return {
        "incremental_rows": rows,
        "incremental_s": time.perf_counter() - started,
        "incremental_first_page_ms": latencies[0] * 1000,
    }


async def _stream(http: aiohttp.ClientSession, url: str, token: str, pid: int) -> dict[str, Any]:
    """The whole history, then an incremental refresh of its last week."""
    started = time.perf_counter()
    rows, latencies, rss, last = await _chain(http, url, token, pid, {})
    pages = len(latencies)
    seconds = time.perf_counter() - started
    warm = rss[min(WARM_PAGES, len(rss)) - 1]
    return {
        "rows": rows,
        "pages": pages,
        "seconds": seconds,
        "rows_per_s": rows / seconds if seconds else float("nan"),
        "page_p50_ms": percentile(latencies, 0.5) * 1000,
        "page_p95_ms": percentile(latencies, 0.95) * 1000,
        "rss_first_mb": rss[0],
        "rss_warm_mb": warm,
        "rss_last_mb": rss[-1],
        "rss_growth_mb": max(rss[min(WARM_PAGES, len(rss)) - 1 :]) - warm,
        **await _incremental(http, url, token, pid, last),
    }


async def run(
    backend: str, spec: RegionSpec, page_size: int, keep: Path | None, kept: bool = False
) -> dict[str, Any]:
    issuer = EntraIssuer()
    issuer_server = await entra_issuer.start(issuer)
    try:
        async with _region(backend, spec, keep, kept) as (url, generate_s):
            port = free_port()
            env = {
                "DATABASE_URL": url,
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_TENANT_ID": TENANT_ID,
                "LAGESBOT_ALLOWED_TENANTS": TENANT_ID,
                "LAGESBOT_FEED_LOGIN_URL": issuer.base_url,
                "LAGESBOT_FEED_PAGE_SIZE": str(page_size),
                "LAGESBOT_WORKERS": "0",
                "LAGESBOT_LOG_LEVEL": "WARNING",
            }
            token = issuer.token(tenant=TENANT_ID, audience=f"api://{APP_ID}", roles=(READ_ROLE,))
            async with (
                serve_process(env, port, log_name=f"feed-{backend}") as process,
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as http,
            ):
                feed = f"http://127.0.0.1:{port}/api/odata/AnswerHistory"
                measured = await _stream(http, feed, token, process.pid)
                measured["rss_peak_mb"] = peak_rss_mb(process.pid)
    finally:
        await issuer_server.close()
    measured.update(
        load_avg_1m=os.getloadavg()[0],
        backend=backend,
        page_size=page_size,
        generate_s=generate_s,
        met=measured["rss_growth_mb"] <= RSS_GROWTH_BOUND_MB
        and measured["rss_peak_mb"] <= RSS_PEAK_BOUND_MB,
    )
    return measured


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--items", type=int, default=RegionSpec.items)
    parser.add_argument("--rounds", type=int, default=RegionSpec.rounds)
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
    parser.add_argument("--keep", type=Path, help="SQLite file to keep the region in and reuse")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ITEMS} items, {QUICK_ROUNDS} rounds"
    )
    args = parser.parse_args(argv)
    items, rounds = (QUICK_ITEMS, QUICK_ROUNDS) if args.quick else (args.items, args.rounds)
    spec = RegionSpec(items=items, rounds=rounds, goals=max(1, min(RegionSpec.goals, items // 20)))
    kept = args.keep is not None and args.keep.exists()
    row = asyncio.run(run(args.backend, spec, args.page_size, args.keep, kept))
    title = f"AnswerHistory streamed: {spec.items} items, {spec.rounds} rounds"
    print_table(title, [row])
    bounds = {"rss_growth_bound_mb": RSS_GROWTH_BOUND_MB, "rss_peak_bound_mb": RSS_PEAK_BOUND_MB}
    spec_json = {"items": spec.items, "rounds": spec.rounds, "seed": spec.seed}
    path = write_results("feed", {"spec": spec_json, "bounds": bounds, "results": [row]})
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
