"""Action.Execute verbs. Every verb a card emits must have a handler in the bot's router;
tests/bot/test_verbs.py checks that."""

from __future__ import annotations

SUBMIT_STATUS = "lagesbot.status.submit"
EDIT_STATUS = "lagesbot.status.edit"
SHOW_PAGE = "lagesbot.status.page"

ALL_VERBS: frozenset[str] = frozenset({SUBMIT_STATUS, EDIT_STATUS, SHOW_PAGE})
