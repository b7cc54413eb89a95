"""`lagesbot` commands on a store they cannot use: one line saying what to run, exit 1, and no
database file made up on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue import texts
from cli.main import app
from cli.store import shown, sqlite_file
from demo.sample_region import DEMO_DIR

runner = CliRunner()
SV = texts.for_language("sv")
EN = texts.for_language("en")


def _run(env: dict[str, str | None], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize(
    ("command", "tx"),
    [
        (["report", "demo-t3-2026"], SV),
        (["report", "demo-t3-2026", "--lang", "en"], EN),
        (["round", "list", "--lang", "en"], EN),
        (["steering", "list"], SV),
        (["import", "org", str(DEMO_DIR / "org_units.csv")], SV),
        (["db", "current"], SV),
    ],
)
def test_a_missing_sqlite_file_is_named_and_not_created(
    tmp_path: Path, command: list[str], tx: texts.Texts
) -> None:
    database = tmp_path / "lagesbot.sqlite3"
    code, out = _run({"DATABASE_URL": f"sqlite:///{database}"}, *command)
    assert code == 1
    assert _one_line(out) == tx.t("store_check.missing", database=str(database))
    assert "lagesbot db upgrade" in out
    assert list(tmp_path.iterdir()) == []


def test_without_database_url_the_demos_database_is_pointed_out(tmp_path: Path) -> None:
    """What a newcomer hits after `make demo`: the default store is not the demo's."""
    data_dir = tmp_path / "lagesbot"
    data_dir.mkdir()
    (data_dir / "demo.sqlite3").touch()
    env: dict[str, str | None] = {"DATABASE_URL": None, "XDG_DATA_HOME": str(tmp_path)}
    code, out = _run(env, "report", "demo-t3-2026")
    assert code == 1
    line = _one_line(out)
    assert line.startswith(SV.t("store_check.missing", database=str(data_dir / "lagesbot.sqlite3")))
    assert line.endswith(SV.t("store_check.demo_hint", url=f"sqlite:///{data_dir}/demo.sqlite3"))
    assert sorted(p.name for p in data_dir.iterdir()) == ["demo.sqlite3"]


def test_a_database_without_the_schema_says_run_db_upgrade(empty_database_url: str) -> None:
    path = sqlite_file(empty_database_url)
    if path is not None:
        path.touch()  # an empty SQLite file: there, but without tables
    env: dict[str, str | None] = {"DATABASE_URL": empty_database_url}
    for command, tx in ((["round", "list"], SV), (["report", "x", "--lang", "en"], EN)):
        code, out = _run(env, *command)
        assert code == 1
        line = _one_line(out)
        assert line == tx.t("store_check.no_schema", database=shown(empty_database_url))
        assert "lagesbot db upgrade" in line
    if path is not None:
        assert path.stat().st_size == 0

    # `db upgrade` makes the schema; then the same command runs.
    code, out = _run(env, "db", "upgrade")
    assert code == 0, out
    code, out = _run(env, "round", "list")
    assert code == 0, out


def test_db_upgrade_creates_a_missing_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "ny.sqlite3"
    code, out = _run({"DATABASE_URL": f"sqlite:///{database}"}, "db", "upgrade")
    assert code == 0, out
    assert database.exists()
    code, out = _run({"DATABASE_URL": f"sqlite:///{database}"}, "steering", "list")
    assert code == 0, out


def test_an_unreachable_server_is_one_line_too() -> None:
    # Nothing listens on port 9 (discard) on the test machine.
    env: dict[str, str | None] = {"DATABASE_URL": "postgresql://lagesbot:hemligt@127.0.0.1:9/x"}
    code, out = _run(env, "round", "list")
    assert code == 1
    line = _one_line(out)
    shown_url = "postgresql://lagesbot:***@127.0.0.1:9/x"
    before_error = SV.t("store_check.unreachable", database=shown_url, error="\0").split("\0")[0]
    assert line.startswith(before_error) and "lagesbot" in line
    assert "hemligt" not in out
