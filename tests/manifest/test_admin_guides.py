"""The administrator's guides (docs/admin-guide.sv.md and .en.md) stay true to the code: every
setting the code reads is documented in both languages, and every `lagesbot` command they
tell an administrator to run exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {lang: ROOT / "docs" / f"admin-guide.{lang}.md" for lang in ("sv", "en")}
# Where the running bot and its command line read their settings (not tests, not bench/).
SOURCE_DIRS = ("bot", "cli", "dialogs", "services", "storage")
_SETTING = re.compile(r"""["'](LAGESBOT_[A-Z0-9_]+|MICROSOFT_APP_[A-Z_]+|DATABASE_URL)["']""")
_COMMAND = re.compile(r"^\s*lagesbot ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", re.MULTILINE)
# Fenced code blocks, also indented ones inside list items.
_FENCED = r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```"
GRAPH_PERMISSIONS = (
    "User.Read.All",
    "GroupMember.Read.All",
    "TeamsAppInstallation.ReadWriteSelfForUser.All",
    "Sites.ReadWrite.All",
    "Sites.Selected",
)


def _settings_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            found.update(_SETTING.findall(path.read_text("utf-8")))
    return found


def _shell_text(text: str) -> str:
    """Shell code blocks, and inline code spans, one per line."""
    blocks = [
        body
        for language, body in re.findall(_FENCED, text, re.DOTALL | re.MULTILINE)
        if language in ("", "sh", "bash")
    ]
    spans = re.findall(r"`([^`\n]+)`", re.sub(_FENCED, "", text, flags=re.S | re.M))
    return "\n".join(blocks + spans)


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_every_setting_the_code_reads_is_documented(lang: str) -> None:
    settings = _settings_read_by_the_code()
    assert {"MICROSOFT_APP_ID", "DATABASE_URL", "LAGESBOT_PUBLIC_URL"} <= settings
    guide = GUIDES[lang].read_text("utf-8")
    missing = sorted(name for name in settings if f"`{name}`" not in guide)
    assert missing == [], f"document these in {GUIDES[lang].name}, section 7"


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_the_graph_permissions_are_explained(lang: str) -> None:
    guide = GUIDES[lang].read_text("utf-8")
    for permission in GRAPH_PERMISSIONS:
        rows = [line for line in guide.splitlines() if line.startswith(f"| `{permission}` |")]
        assert len(rows) == 1, permission
        reason = rows[0].split("|")[2]
        assert len(reason.split()) > 10, f"{permission}: say why it is needed"


def test_both_languages_have_the_same_sections() -> None:
    numbered = {
        lang: re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", path.read_text("utf-8"), re.MULTILINE)
        for lang, path in GUIDES.items()
    }
    assert numbered["sv"] == numbered["en"]
    assert len(numbered["en"]) >= 7


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_every_command_the_guide_shows_exists(lang: str) -> None:
    commands = set(_COMMAND.findall(_shell_text(GUIDES[lang].read_text("utf-8"))))
    assert {"package", "serve", "db upgrade"} <= commands
    runner = CliRunner()
    for command in sorted(commands):
        words = command.split()
        result = runner.invoke(app, [*words, "--help"])
        if result.exit_code != 0 and len(words) == 2:
            # "lagesbot serve --out x": the second word was an argument, not a subcommand.
            result = runner.invoke(app, [words[0], "--help"])
        assert result.exit_code == 0, f"`lagesbot {command}` in {GUIDES[lang].name}"
