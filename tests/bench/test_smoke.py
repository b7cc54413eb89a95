"""A short run of each benchmark at tiny sizes: they still run end to end and report the figures
the README quotes. No timing is asserted (the machine may be busy); the fan-out's correctness
figures are (every owner reached once)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as runner
from bench import common, digest_bench, fanout_bench, feed_bench, report_bench, submit_bench


@pytest.fixture(autouse=True)
def results_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JSON and server logs go to the test's folder, never over real figures in bench/results."""
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    return tmp_path


def results(folder: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text())
    assert data["machine"]["cpus"] >= 1
    return data


@pytest.mark.postgres
def test_fanout_with_two_servers_reaches_every_owner_once(results_dir: Path) -> None:
    fanout_bench.main(["--owners", "60", "--instances", "2", "--timeout", "60"])
    (row,) = results(results_dir, "fanout")["fanout"]
    assert row["instances"] == 2 and row["owners"] == 60
    assert row["finished"] is True and row["sent"] == 60
    assert (row["lost"], row["duplicates"]) == (0, 0)
    assert 0 < row["rate_fraction"] <= 1.05
    assert len(row["rss_each_mb"]) == 2 and all(0 < mb < 1000 for mb in row["rss_each_mb"])
    assert row["peak_per_s"] <= fanout_bench.TEAMS_TENANT_RATE + 5  # the fake's own accounting


def test_submit_on_sqlite_reports_latency_percentiles_beside_the_bare_sdk(
    results_dir: Path,
) -> None:
    submit_bench.main(
        [
            "--backends",
            "sqlite",
            "--concurrency",
            "3",
            "--submits",
            "15",
            "--managers",
            "4",
            "--open-rate",
            "5",
            "--open-seconds",
            "2",
        ]
    )
    data = results(results_dir, "submit")
    rows = {(row["server"], row["mode"]): row for row in data["submit"]}
    assert set(rows) == {(s, m) for s in ("baseline", "sqlite") for m in ("closed", "open")}
    closed = rows["sqlite", "closed"]
    assert closed["concurrency"] == 3 and closed["submits"] >= 15 and closed["errors"] == 0
    assert 0 < closed["p50_ms"] <= closed["p95_ms"] <= closed["p99_ms"]
    assert closed["server_peak_rss_mb"] > 0
    assert rows["sqlite", "open"]["errors"] == 0 and rows["sqlite", "open"]["submits"] > 0
    (share,) = data["fraction"]
    assert share["backend"] == "sqlite" and 0 < share["fraction"] < 1


def test_digest_of_a_small_region(results_dir: Path) -> None:
    digest_bench.main(["--items", "2000", "--rounds", "2", "--repeat", "1"])
    data = results(results_dir, "digest")
    assert data["spec"] == {"items": 2000, "rounds": 2, "seed": data["spec"]["seed"]}
    (row,) = data["results"]
    assert row["backend"] == "sqlite"
    assert row["items_in_digest"] > 0 and row["answers_in_store"] > 0
    assert row["total_s"] > 0 and row["card_bytes"] > 0


def test_the_feed_streams_a_small_regions_history_to_the_end(results_dir: Path) -> None:
    feed_bench.main(
        ["--backend", "sqlite", "--items", "300", "--rounds", "2", "--page-size", "100"]
    )
    data = results(results_dir, "feed")
    (row,) = data["results"]
    assert row["rows"] > 300 and row["pages"] == -(-row["rows"] // 100)
    assert row["rows_per_s"] > 0 and row["rss_peak_mb"] > 0
    assert data["bounds"]["rss_peak_bound_mb"] == feed_bench.RSS_PEAK_BOUND_MB


def test_word_report_of_a_small_region_in_bounded_time(results_dir: Path) -> None:
    report_bench.main(["--items", "2000", "--rounds", "2"])
    data = results(results_dir, "report")
    (row,) = data["results"]
    assert row["items"] > 1900 and row["tables"] > 100 and row["table_rows"] > row["items"]
    assert row["headings"] > 100 and row["docx_mb"] > 0
    # Generous, for a busy machine: the full region's figure is in the README.
    assert row["total_s"] < 60


def test_the_runner_knows_every_benchmark_and_its_quick_sizes() -> None:
    assert set(runner.BENCHMARKS) == {"fanout", "submit", "digest", "feed", "report"}
    for run, _full, quick in runner.BENCHMARKS.values():
        assert callable(run) and quick
    with pytest.raises(SystemExit):
        runner.main(["--only", "nothing"])
