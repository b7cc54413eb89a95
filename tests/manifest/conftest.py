"""A complete, valid package configuration, and the package built from it."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from services.platform.app_package import PackageSettings, build_package

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "tests" / "tools" / "validate_manifest.mjs"
SCHEMA_PACKAGE = ROOT / "node_modules" / "@microsoft" / "app-manifest"

BOT_ID = "6f1c2b1e-8d0a-4c55-9d1e-0a2b3c4d5e6f"
ENV = {
    "MICROSOFT_APP_ID": BOT_ID,
    "LAGESBOT_PUBLIC_URL": "https://lagesbot.region-exempel.se",
    "LAGESBOT_PRIVACY_URL": "https://www.region-exempel.se/personuppgifter",
    "LAGESBOT_TERMS_URL": "https://www.region-exempel.se/villkor-lagesbot",
    "LAGESBOT_DEVELOPER_NAME": "Region Exempel",
    "LAGESBOT_APP_VERSION": "1.2.3",
}


@pytest.fixture
def package_env() -> dict[str, str]:
    return dict(ENV)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    settings = PackageSettings.from_env(ENV, default_version="0.1.0")
    return build_package(settings, tmp_path / "app.zip")


@pytest.fixture
def unpacked(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "unpacked"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(target)
    return target


def read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def validate(*files: Path) -> list[dict[str, Any]]:
    """Runs the schema validator; returns its per-file results (each with "errors")."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; run `make test`, which sets up the Node tooling")
    if not (SCHEMA_PACKAGE / "package.json").exists():
        pytest.fail("node_modules/@microsoft/app-manifest is missing: run `make test`")
    done = subprocess.run(
        [node, str(VALIDATOR), *map(str, files)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, f"validator failed to run: {done.stderr}"
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    assert [r["file"] for r in results] == [str(f) for f in files]
    return results
