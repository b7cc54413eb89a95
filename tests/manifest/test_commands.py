"""The command menu Teams shows above the compose box: within Teams' limits, in Swedish and
English, and made only of words the bot actually answers in that scope."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dialogs import admin, steering
from dialogs.commands import command_of, normalise
from dialogs.context import Inbound
from tests.manifest.conftest import read_json

# Teams cuts longer titles and shows at most ten commands per scope (its bot-command docs);
# the schema alone allows more.
TITLE_MAX = 32
COMMANDS_PER_SCOPE_MAX = 10

_KEY = re.compile(r"^bots\[0\]\.commandLists\[(\d+)\]\.commands\[(\d+)\]\.(title|description)$")


def _menus(unpacked: Path) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(language, scope, commands) for every command list, Swedish from the manifest and
    English from en.json laid over it."""
    manifest = read_json(unpacked / "manifest.json")
    english = read_json(unpacked / "en.json")
    menus = []
    for index, command_list in enumerate(manifest["bots"][0]["commandLists"]):
        for scope in command_list["scopes"]:
            menus.append(("sv", scope, command_list["commands"]))
            translated = [
                {
                    field: english.get(
                        f"bots[0].commandLists[{index}].commands[{number}].{field}", value
                    )
                    for field, value in command.items()
                }
                for number, command in enumerate(command_list["commands"])
            ]
            menus.append(("en", scope, translated))
    return menus


def _inbound(scope: str, text: str) -> Inbound:
    in_team = scope == "team"
    return Inbound(
        activity_id="a1",
        channel_id="msteams",
        conversation_id="19:general@thread.tacv2" if in_team else "a:1on1",
        conversation_type="channel" if in_team else "personal",
        service_url="https://smba.trafficmanager.net/emea/",
        user_object_id="00000000-0000-0000-0000-0000000000aa",
        user_name="Anna Andersson",
        tenant_id="00000000-0000-0000-0000-0000000000bb",
        locale="sv-SE",
        text=text,
        team_id="19:team@thread.tacv2" if in_team else None,
        teams_channel_id="19:general@thread.tacv2" if in_team else None,
    )


def _answered_by(inbound: Inbound) -> str | None:
    """Which dialog takes the message as a command, in the router's order; None when the bot
    would answer "unknown command". The admin and steering dialogs say so through
    applies(), the manager's chat (the router's fallback) through its command words."""
    if admin.applies(inbound):
        new_round = normalise(inbound.text) in admin.NEW_ROUND_WORDS
        return "admin:new round" if new_round else "admin:rounds"
    if steering.applies(inbound):
        return "steering:link" if steering.bind_key(inbound.text) is not None else "steering:digest"
    command = command_of(inbound.text)
    return None if command is None else f"manager:{command.value}"


def _understood(inbound: Inbound) -> bool:
    return _answered_by(inbound) is not None


def test_both_scopes_have_a_menu_in_both_languages(unpacked: Path) -> None:
    menus = {(language, scope) for language, scope, _ in _menus(unpacked)}
    assert menus >= {("sv", "personal"), ("en", "personal"), ("sv", "team"), ("en", "team")}


def test_titles_are_short_and_each_scope_has_at_most_ten(unpacked: Path) -> None:
    for language, scope, commands in _menus(unpacked):
        assert 0 < len(commands) <= COMMANDS_PER_SCOPE_MAX, (language, scope)
        titles = [command["title"] for command in commands]
        assert len(set(titles)) == len(titles), (language, scope, titles)
        for title in titles:
            assert 0 < len(title) <= TITLE_MAX, (language, scope, title)
        for command in commands:
            assert command.get("description"), (language, scope, command["title"])


def test_english_file_translates_every_command_and_only_those(unpacked: Path) -> None:
    manifest = read_json(unpacked / "manifest.json")
    english = read_json(unpacked / "en.json")
    expected = {
        (index, number, field)
        for index, command_list in enumerate(manifest["bots"][0]["commandLists"])
        for number, _ in enumerate(command_list["commands"])
        for field in ("title", "description")
    }
    found = set()
    for key in english:
        match = _KEY.match(key)
        if match:
            found.add((int(match.group(1)), int(match.group(2)), match.group(3)))
    assert found == expected


def test_english_titles_are_really_english(unpacked: Path) -> None:
    for language, _scope, commands in _menus(unpacked):
        if language == "en":
            for command in commands:
                assert not set(command["title"]) & set("åäöÅÄÖ"), command["title"]


def test_every_menu_word_is_one_the_bot_answers_in_that_scope(unpacked: Path) -> None:
    not_understood = [
        (language, scope, command["title"])
        for language, scope, commands in _menus(unpacked)
        for command in commands
        if not _understood(_inbound(scope, command["title"]))
    ]
    assert not_understood == []


@pytest.mark.parametrize("scope", ["personal", "team"])
def test_the_word_check_itself_rejects_a_word_the_bot_does_not_know(scope: str) -> None:
    assert not _understood(_inbound(scope, "beställ kaffe"))


def test_translated_commands_do_the_same_as_the_swedish_ones(unpacked: Path) -> None:
    by_scope: dict[str, dict[str, list[str]]] = {}
    for language, scope, commands in _menus(unpacked):
        by_scope.setdefault(scope, {})[language] = [command["title"] for command in commands]
    for scope, titles in by_scope.items():
        for swedish, english in zip(titles["sv"], titles["en"], strict=True):
            assert _answered_by(_inbound(scope, swedish)) == _answered_by(
                _inbound(scope, english)
            ), (scope, swedish, english)
