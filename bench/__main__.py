"""Every benchmark with one command: ``python -m bench`` (or ``make bench``).

Runs the fan-out, card-submit, digest, BI-feed and Word report benchmarks one after another with
their default sizes, prints each table and writes
bench/results/{fanout,submit,digest,feed,report}.json. ``--quick`` uses small sizes (a minute or
two in all) to check that everything runs; its figures say
little. ``--only`` picks benchmarks. Needs PostgreSQL (LAGESBOT_BENCH_PG_DSN, default
postgresql://postgres@127.0.0.1:5432/test). Run full sizes on a quiet machine: the figures
are meaningless while other work competes for the CPU.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence

from bench import digest_bench, fanout_bench, feed_bench, report_bench, submit_bench

Main = Callable[[list[str]], None]

BENCHMARKS: dict[str, tuple[Main, list[str], list[str]]] = {
    # name: (main, full-size arguments, --quick arguments)
    "fanout": (fanout_bench.main, [], ["--owners", "300", "--instances", "1", "2"]),
    "submit": (
        submit_bench.main,
        [],
        [
            "--concurrency",
            "5",
            "10",
            "--submits",
            "60",
            "--managers",
            "20",
            "--open-rate",
            "10",
            "--open-seconds",
            "5",
        ],
    ),
    "digest": (
        digest_bench.main,
        ["--backend", "both"],
        ["--items", "2000", "--rounds", "3", "--repeat", "2"],
    ),
    "feed": (feed_bench.main, [], ["--quick"]),
    "report": (report_bench.main, [], ["--items", "2000", "--rounds", "3"]),
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it all runs")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    if load > cpus / 2:
        print(f"note: load average {load:.1f} on {cpus} CPUs; figures will suffer")
    for name in args.only:
        run, full, quick = BENCHMARKS[name]
        print(f"\n=== {name} {'(quick)' if args.quick else ''}".rstrip(), flush=True)
        started = time.monotonic()
        run(quick if args.quick else full)
        print(f"({name}: {time.monotonic() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
