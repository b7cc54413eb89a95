"""Greetings, help, the "my items" list and notices."""

from __future__ import annotations

from datetime import UTC, datetime

from cards.messages import (
    ItemLine,
    RoundItems,
    create_greeting_card,
    create_help_card,
    create_my_items_card,
    create_notice_card,
    help_text,
    unknown_command_text,
)
from tests import cardtools

DEADLINE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def test_greetings() -> None:
    assert cardtools.all_text(create_greeting_card("sv", "Anna")).startswith("Hej Anna!")
    assert cardtools.all_text(create_greeting_card("en-GB", "Anna")).startswith("Hello Anna!")
    assert cardtools.all_text(create_greeting_card(None)).startswith("Hej!")
    team = cardtools.all_text(create_greeting_card("sv", "Anna", team=True))
    assert "kanalen" in team and "Anna" not in team
    assert "[x](y)" not in cardtools.all_text(create_greeting_card("sv", "[x](y)"))


def test_help_lists_the_commands_in_the_language() -> None:
    swedish = cardtools.all_text(create_help_card("sv"))
    for word in ("**hjälp**", "**mina punkter**", "**status**"):
        assert word in swedish
    english = help_text("en")
    for word in ("**help**", "**my items**", "**status**"):
        assert word in english
    assert "hjälp" in unknown_command_text("sv") and "help" in unknown_command_text("en")


def test_my_items_shows_rounds_deadlines_and_counts() -> None:
    rounds = [
        RoundItems(
            "Tertial 2 2026",
            DEADLINE,
            (
                ItemLine("Kortare väntetider i vården", True),
                ItemLine("Andel operationer inom 90 dagar", False),
                ItemLine("**Brist** på personal", False),
            ),
        )
    ]
    text = cardtools.all_text(create_my_items_card("sv", rounds, "Europe/Stockholm"))
    assert "Tertial 2 2026" in text
    assert "Sista svarsdag: 27 nov. 2026 17:00" in text
    assert "1 av 3 besvarade" in text
    assert "Kortare väntetider i vården\nBesvarad" in text
    assert "Obesvarad" in text and "**Brist**" not in text
    english = cardtools.all_text(create_my_items_card("en", rounds, "Europe/London"))
    assert "1 of 3 answered" in english and "Due by 27 Nov 2026, 16:00" in english


def test_my_items_cuts_long_lists_and_says_when_there_is_nothing() -> None:
    many = RoundItems("R", DEADLINE, tuple(ItemLine(f"P{n}", False) for n in range(40)))
    text = cardtools.all_text(create_my_items_card("sv", [many], "Europe/Stockholm"))
    assert "… och 25 till" in text and "P39" not in text
    none = cardtools.all_text(create_my_items_card("sv", [], "Europe/Stockholm"))
    assert "Du har inga punkter att rapportera just nu." in none


def test_a_notice_is_escaped_plain_text() -> None:
    card = create_notice_card("Omgången är stängd, så svaret sparades inte. [x](y)")
    assert cardtools.actions(card) == []
    assert "[x](y)" not in cardtools.all_text(card)
