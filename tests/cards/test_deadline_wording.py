"""One Swedish word for the deadline everywhere a manager or an admin reads it: "sista
svarsdag" (a noun, so it also reads in "dagar före sista svarsdag" and "Ändra sista
svarsdag", where "svara senast" would not)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from catalogue import texts
from tests import cardtools
from tests.admin.test_admin_cards import VARIANTS as ADMIN_CARDS
from tests.cards.test_card_schema import VARIANTS as MANAGER_CARDS
from tests.rounds.test_round_cards import VARIANTS as ROUND_CARDS

OTHER_WORDINGS = re.compile(
    r"\b(deadline|senast|sista dag|slutdatum|svarsdatum|tidsfrist|förfallodag)\b", re.IGNORECASE
)
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# Names the round file's keys, which are English and typed as they are (name, plan, opens,
# deadline); not a word for the reader.
FILE_KEYS = {"admin.file.not_a_table"}


def test_no_swedish_text_uses_another_word_for_the_deadline() -> None:
    offending = {
        msgid: text
        for msgid, text in texts.catalogue("sv").items()
        if msgid not in FILE_KEYS and OTHER_WORDINGS.search(PLACEHOLDER.sub("", text))
    }
    assert offending == {}


@pytest.mark.parametrize(
    "msgid",
    [
        "card.deadline",  # status card, reminder, my items
        "escalation.intro",
        "digest.deadline",
        "admin.form.deadline",
        "admin.form.reminders",
        "admin.form.escalation",
        "admin.list.dates",
        "admin.action.extend",
        "admin.preview.reminders",
        "admin.error.deadline_before_open",
    ],
)
def test_every_place_that_names_the_deadline_says_sista_svarsdag(msgid: str) -> None:
    tx = texts.for_language("sv")
    plural = msgid in texts.plural_catalogue("sv")
    shown = [tx.n(msgid, 1), tx.n(msgid, 2)] if plural else [tx.t(msgid)]
    assert all("sista svarsdag" in text.lower() for text in shown)


def _swedish(variants: Mapping[str, object]) -> list[str]:
    return sorted(name for name in variants if not name.endswith("_en"))


@pytest.mark.parametrize(
    ("name", "make"),
    [
        *((n, ADMIN_CARDS[n]) for n in _swedish(ADMIN_CARDS)),
        *((n, MANAGER_CARDS[n]) for n in _swedish(MANAGER_CARDS)),
        *((n, ROUND_CARDS[n]) for n in _swedish(ROUND_CARDS)),
    ],
)
def test_the_swedish_cards_show_no_other_word_for_the_deadline(
    name: str, make: Callable[[], dict[str, Any]]
) -> None:
    card = make()
    shown = [
        *cardtools.texts(card),
        *(str(e.get("label", "")) for e in cardtools.walk(card)),
        *cardtools.action_titles(card),
    ]
    assert [t for t in shown if OTHER_WORDINGS.search(t)] == [], name
