"""tests/cardtools.press sends what a Teams client sends for a button, and refuses what no
client could send, so the other tests cannot hand the bot an impossible payload."""

from __future__ import annotations

from typing import Any

import pytest

from tests import cardtools
from tests.cardtools import NotSendable


def _card() -> dict[str, Any]:
    extend = {
        "type": "AdaptiveCard",
        "body": [{"type": "Input.Date", "id": "deadline", "value": "2026-12-04"}],
        "actions": [
            {"type": "Action.Execute", "verb": "extend", "data": {"round_id": 7}},
        ],
    }
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "Input.Text", "id": "name", "value": "Tertial 1", "maxLength": 10},
            {"type": "Input.Text", "id": "note"},
            {
                "type": "Input.ChoiceSet",
                "id": "status",
                "isRequired": True,
                "choices": [{"title": "Klar", "value": "done"}, {"title": "Plan", "value": "plan"}],
            },
            {
                "type": "Input.ChoiceSet",
                "id": "kinds",
                "isMultiSelect": True,
                "value": "goal,gone",
                "choices": [{"title": "Mål", "value": "goal"}, {"title": "Risk", "value": "risk"}],
            },
            {"type": "Input.Number", "id": "count", "value": 5.0},
            {"type": "Input.Toggle", "id": "ask_risk", "value": "false", "title": "Risk"},
            {
                "type": "ActionSet",
                "actions": [
                    {"type": "Action.ShowCard", "title": "Ändra deadline", "card": extend},
                    {
                        "type": "Action.Execute",
                        "verb": "page",
                        "data": {"page": 2},
                        "associatedInputs": "none",
                    },
                ],
            },
        ],
        "actions": [
            {"type": "Action.Execute", "verb": "save", "data": {"round_id": 7, "name": "old"}},
        ],
    }


def test_the_actions_data_with_every_set_input_as_text() -> None:
    data = cardtools.press(_card(), "save", status="plan")
    # Inputs win over data with the same key; untouched empty inputs are left out; numbers
    # and toggles are sent as text; a shown choice the list does not have is not sent.
    assert data == {
        "round_id": 7,
        "name": "Tertial 1",
        "status": "plan",
        "kinds": "goal",
        "count": "5",
        "ask_risk": "false",
    }
    assert "deadline" not in data  # inside another card (Action.ShowCard)


def test_typing_and_clearing() -> None:
    data = cardtools.press(
        _card(),
        "save",
        {"name": "", "note": "Hej", "ask_risk": True, "kinds": "goal,risk"},
        status="done",
    )
    # A cleared input is not sent, so the action's own value of that key stays.
    assert data["name"] == "old" and data["note"] == "Hej" and data["ask_risk"] == "true"
    assert data["kinds"] == "goal,risk"
    assert cardtools.press(_card(), "save", status="done", empty="send")["note"] == ""


def test_an_action_in_a_show_card_sends_its_own_and_the_outer_inputs() -> None:
    data = cardtools.press(_card(), "extend", status="done", deadline="2026-12-11")
    assert data["deadline"] == "2026-12-11" and data["name"] == "Tertial 1"


def test_a_button_without_inputs_sends_its_data_only() -> None:
    assert cardtools.press(_card(), "page") == {"page": 2}
    with pytest.raises(NotSendable):
        cardtools.press(_card(), "page", note="x")


@pytest.mark.parametrize(
    "typed",
    [
        {"nothing": "x"},  # not on the card
        {"status": "maybe"},  # not among the choices
        {"kinds": "goal,assignment"},
        {"name": "x" * 11},  # beyond maxLength
        {"ask_risk": "yes"},
        {"count": "tolv"},
    ],
)
def test_what_no_client_can_send_is_refused(typed: dict[str, Any]) -> None:
    with pytest.raises(NotSendable):
        cardtools.press(_card(), "save", {"status": "done", **typed})


def test_an_empty_required_input_stops_the_client_unless_it_does_not_validate() -> None:
    with pytest.raises(NotSendable, match="required"):
        cardtools.press(_card(), "save")
    assert "status" not in cardtools.press(_card(), "save", client_validates=False)


def test_a_button_that_is_not_there_cannot_be_pressed() -> None:
    with pytest.raises(NotSendable):
        cardtools.press(_card(), "delete")
