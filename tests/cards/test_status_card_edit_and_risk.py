"""The status card's edit view can be left with Avbryt, risk is required in the card as on the
server, and the thank-you after Skicka says what is left on other pages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cards import verbs
from cards.status_card import create_status_card
from cards.views import CardFeedback, input_id
from catalogue import texts
from tests import cardtools
from tests.cards import fixtures as fx

SV = texts.for_language("sv")


def _risk_columns(card: dict[str, Any]) -> dict[str, Any]:
    likelihood = input_id("likelihood", fx.RISK_ID)
    return next(
        e
        for e in cardtools.walk(card)
        if e.get("type") == "ColumnSet"
        and any(i.get("id") == likelihood for col in e["columns"] for i in col["items"])
    )


def test_likelihood_and_consequence_are_required_with_a_label_and_a_message() -> None:
    fields = cardtools.inputs(create_status_card(fx.view()))
    for axis, label, message in (
        ("likelihood", "Sannolikhet", "Välj sannolikhet."),
        ("consequence", "Konsekvens", "Välj konsekvens."),
    ):
        field = fields[input_id(axis, fx.RISK_ID)]
        assert field["isRequired"] is True, axis
        assert (field["label"], field["errorMessage"]) == (label, message)
    english = cardtools.inputs(create_status_card(fx.view("en")))
    assert english[input_id("likelihood", fx.RISK_ID)]["errorMessage"] == "Choose the likelihood."
    # Items that are not asked about risk have no risk inputs to require.
    assert input_id("likelihood", fx.GOAL_ID) not in fields


def test_neither_axis_chosen_is_one_message_under_the_pair() -> None:
    both = SV.t("error.risk_missing")
    feedback = CardFeedback(
        errors={input_id(axis, fx.RISK_ID): both for axis in ("likelihood", "consequence")}
    )
    card = create_status_card(fx.view(), feedback)
    text = cardtools.all_text(card)
    assert text.count("Välj sannolikhet och konsekvens.") == 1
    assert "också" not in text
    columns = _risk_columns(card)
    assert [t for t in cardtools.texts(columns) if "Välj" in t] == []  # not inside a column
    container = next(
        e for e in cardtools.walk(card) if columns in e.get("items", []) and e is not columns
    )
    after = container["items"][container["items"].index(columns) + 1]
    assert (after["text"], after["color"]) == ("Välj sannolikhet och konsekvens.", "attention")


def test_one_axis_missing_is_named_under_that_axis() -> None:
    key = input_id("consequence", fx.RISK_ID)
    card = create_status_card(
        fx.view(),
        CardFeedback(
            errors={key: SV.t("error.consequence_missing")},
            typed={input_id("likelihood", fx.RISK_ID): "3"},
        ),
    )
    assert cardtools.text_after_input(card, key) == [SV.t("error.consequence_missing")]
    assert cardtools.inputs(card)[input_id("likelihood", fx.RISK_ID)]["value"] == "3"


def test_the_edit_view_has_avbryt_which_goes_back_without_sending_anything() -> None:
    view = fx.view(questions=fx.answered_items(), page=2, page_count=3)
    card = create_status_card(view, editing=True)
    assert cardtools.action_titles(card)[-2:] == ["Skicka", "Avbryt"]
    cancel = next(a for a in cardtools.actions(card) if a["title"] == "Avbryt")
    assert cancel["verb"] == verbs.SHOW_PAGE  # the read-only page, as stored
    assert cancel["associatedInputs"] == "none"  # what was typed is not sent
    assert cancel["data"] == {"round_id": 7, "request_id": 70, "page": 2}
    # A form sent back after a rejected edit can still be abandoned.
    rejected = create_status_card(
        view, CardFeedback(errors={input_id("status", fx.GOAL_ID): "Välj en status."})
    )
    assert "Avbryt" in cardtools.action_titles(rejected)


def test_there_is_no_avbryt_where_there_is_nothing_recorded_to_go_back_to() -> None:
    first_answer = create_status_card(fx.view())
    assert "Avbryt" not in cardtools.action_titles(first_answer)
    goal, indicator, _ = fx.answered_items()
    partly = create_status_card(fx.view(questions=(goal, indicator, fx.items()[2])))
    assert "Avbryt" not in cardtools.action_titles(partly)
    recorded = create_status_card(fx.view(questions=fx.answered_items()))
    assert "Avbryt" not in cardtools.action_titles(recorded)
    assert "Avbryt" not in cardtools.action_titles(
        create_status_card(fx.view(questions=fx.answered_items(), closed=True), editing=True)
    )


def test_the_thank_you_says_what_is_unanswered_on_other_pages() -> None:
    view = replace(
        fx.view(questions=fx.answered_items(), page=1, page_count=3, total_items=50),
        unanswered_elsewhere=((2, 3), (3, 1)),
    )
    texts_shown = cardtools.texts(create_status_card(view))
    thanks = texts_shown.index("Tack! Dina svar är registrerade.")
    assert texts_shown[thanks + 1 : thanks + 3] == [
        "3 punkter på sida 2 är obesvarade.",
        "1 punkt på sida 3 är obesvarad.",
    ]
    english = replace(view, language="en")
    assert "3 items on page 2 are not answered yet." in cardtools.all_text(
        create_status_card(english)
    )
    done = replace(view, unanswered_elsewhere=())
    assert "obesvarad" not in cardtools.all_text(create_status_card(done))
