"""An installed Lägesbot, not the checkout: the wheel is built, installed (not editable) into a
fresh virtualenv and run from a folder outside the checkout, so every text catalogue, the
manifest template, the icons, the migrations and the demo data must come from the package.

The fresh virtualenv borrows the test environment's third-party packages through a .pth line
instead of downloading them again; that line adds the folder to sys.path without running the
.pth files in it, so the checkout's editable install is not seen."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = (".git", ".venv", "node_modules", "build", "test-output", "*.egg-info", "*.sqlite3")
APP_ID = "8f1d2c3b-4a5e-4f60-9a7b-1c2d3e4f5a6b"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the fresh virtualenv's bin folder, a working folder outside the checkout)."""
    root = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info into the source folder.
    source = root / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    wheels = root / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source, cwd=root)
    [wheel] = wheels.glob("lagesbot-*.whl")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    site.mkdir(parents=True, exist_ok=True)
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    (venv / "bin" / "lagesbot").write_text(
        f"#!{venv / 'bin' / 'python'}\nfrom cli.main import app\napp()\n"
    )
    (venv / "bin" / "lagesbot").chmod(0o755)
    work = root / "work"
    work.mkdir()
    yield venv / "bin", work


def _env(work: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAGESBOT_", "MICROSOFT_"))}
    env.update(HOME=str(work), PYTHONPATH="", **extra)
    return env


def test_the_wheel_carries_its_data_files(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    where = _run(
        bin_dir / "python",
        "-c",
        "import bot, catalogue, cards, manifest, migrations, demo; "
        "print(bot.__file__, catalogue.__file__)",
        cwd=work,
        env=_env(work),
    )
    assert str(ROOT) not in where, "imported the checkout instead of the installed wheel"


def test_a_card_renders_in_both_languages(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    script = (
        "import json\n"
        "from cards.messages import create_help_card\n"
        "print(json.dumps([create_help_card(lang) for lang in ('sv', 'en')]))\n"
    )
    sv, en = json.loads(_run(bin_dir / "python", "-c", script, cwd=work, env=_env(work)))
    assert "hjälp" in json.dumps(sv, ensure_ascii=False).lower()
    assert "help" in json.dumps(en).lower()
    assert json.dumps(sv) != json.dumps(en)


def test_package_builds_the_teams_app(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    env = _env(
        work,
        MICROSOFT_APP_ID=APP_ID,
        LAGESBOT_PUBLIC_URL="https://lagesbot.region-exempel.se",
        LAGESBOT_PRIVACY_URL="https://www.region-exempel.se/personuppgifter",
        LAGESBOT_TERMS_URL="https://www.region-exempel.se/villkor",
    )
    _run(bin_dir / "lagesbot", "package", "--out", work / "app.zip", cwd=work, env=env)
    with zipfile.ZipFile(work / "app.zip") as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "en.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_on_a_migrated_store(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    database = f"sqlite+aiosqlite:///{work / 'store.sqlite3'}"
    env = _env(work, DATABASE_URL=database, LAGESBOT_ANONYMOUS="1", LAGESBOT_WORKERS="0")
    _run(bin_dir / "lagesbot", "db", "upgrade", cwd=work, env=env)
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "lagesbot"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = _health(port, server)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert body["database"] == "ok"


def _health(port: int, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                body: dict[str, object] = json.loads(reply.read())
                return body
        except OSError:
            time.sleep(0.3)
    raise AssertionError("lagesbot serve did not answer /healthz within 60 s")
