"""Every verb a card can emit has a handler, and every handler can be reached from a card.

The cards are the reviewed snapshots of every card the bot sends (status, admin, digest,
reminder, escalation ...), rendered by their own tests; a new card or button without a
snapshot is not seen here, which is why each card module has snapshot tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cards import verbs
from dialogs.router import all_action_handlers
from tests import cardtools

TESTS = Path(__file__).resolve().parents[1]


def emitted_verbs() -> dict[str, list[str]]:
    """verb -> snapshot files whose card has an Action.Execute with it."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.glob("*/snapshots/*.json")):
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        for node in cardtools.walk(card):
            if node.get("type") == "Action.Execute":
                found.setdefault(str(node.get("verb")), []).append(path.name)
    return found


def test_every_verb_a_card_emits_has_a_handler() -> None:
    emitted = emitted_verbs()
    assert emitted, "no card snapshots found"
    unhandled = {
        verb: files for verb, files in emitted.items() if verb not in all_action_handlers()
    }
    assert unhandled == {}


def test_every_handler_is_reachable_from_a_card() -> None:
    unreachable = set(all_action_handlers()) - set(emitted_verbs())
    assert unreachable == set()


def test_the_verbs_cards_know_are_the_verbs_handled() -> None:
    assert set(all_action_handlers()) == verbs.ALL_VERBS
