"""`lagesbot package` as an administrator runs it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.manifest.conftest import BOT_ID, ENV

runner = CliRunner()


def test_package_writes_the_zip_from_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "dist" / "lagesbot.zip"
    result = runner.invoke(app, ["package", "--out", str(out)], env=ENV)
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["version"] == "1.2.3"


def test_options_override_the_environment(tmp_path: Path) -> None:
    other = "0d4b9a52-3c1e-4f7a-b2d8-9e6c5a4b3f21"
    out = tmp_path / "app.zip"
    result = runner.invoke(
        app,
        ["package", "--out", str(out), "--app-id", other, "--app-version", "2.0.0"],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["id"], manifest["bots"][0]["botId"], manifest["version"]) == (
        other,
        other,
        "2.0.0",
    )


def test_a_missing_app_id_stops_with_a_clear_message_and_no_zip(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = runner.invoke(app, ["package", "--out", str(out)], env={**ENV, "MICROSOFT_APP_ID": ""})
    assert result.exit_code == 1
    assert "MICROSOFT_APP_ID is not set" in result.output
    assert not out.exists()


def test_an_app_id_that_is_not_a_guid_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = runner.invoke(app, ["package", "--out", str(out), "--app-id", "lagesbot"], env=ENV)
    assert result.exit_code == 1
    assert "MICROSOFT_APP_ID must be a GUID" in result.output
    assert "'lagesbot'" in result.output
    assert not out.exists()
