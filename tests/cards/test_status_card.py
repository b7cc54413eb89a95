"""What a manager sees in the status card, mode by mode."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards import verbs
from cards.status_card import create_status_card
from cards.views import CardFeedback, ItemQuestion, StatusCardView, input_id
from catalogue.texts import Language
from tests import cardtools
from tests.cards import fixtures as fx


def choice_titles(card: dict[str, Any], key: str) -> list[str]:
    return [c["title"] for c in cardtools.inputs(card)[key]["choices"]]


def test_the_swedish_form_has_swedish_labels_and_the_deadline_in_stockholm_time() -> None:
    card = create_status_card(fx.view("sv"))
    text = cardtools.all_text(card)
    assert card["version"] == "1.5" and card["$schema"].startswith("http://adaptivecards.io")
    assert "Sista svarsdag: 27 nov. 2026 17:00" in text
    assert "Lägesrapport: Tertial 2 2026" in text
    assert choice_titles(card, input_id("status", fx.GOAL_ID)) == [
        "Klar",
        "Enligt plan",
        "Avvikelse",
        "Risk att inte nås",
        "Ej påbörjad",
    ]
    assert choice_titles(card, input_id("likelihood", fx.RISK_ID))[0] == "1 – Osannolik"
    assert choice_titles(card, input_id("consequence", fx.RISK_ID))[3] == "4 – Allvarlig"
    assert cardtools.action_titles(card)[-1] == "Skicka"
    status = cardtools.inputs(card)[input_id("status", fx.GOAL_ID)]
    assert status["style"] == "compact" and status["label"] == "Status"


def test_the_deadline_follows_the_persons_time_zone() -> None:
    card = create_status_card(fx.view("sv", time_zone="America/New_York"))
    assert "Sista svarsdag: 27 nov. 2026 11:00" in cardtools.all_text(card)


def test_the_english_form_is_english() -> None:
    card = create_status_card(fx.view("en"))
    text = cardtools.all_text(card)
    assert "Due by 27 Nov 2026, 17:00" in text
    assert "Status report: Tertial 2 2026" in text
    assert "Shorter waiting times in care" in text
    assert "On track" in choice_titles(card, input_id("status", fx.GOAL_ID))
    assert choice_titles(card, input_id("likelihood", fx.RISK_ID))[0] == "1 – Unlikely"
    assert cardtools.action_titles(card)[-1] == "Submit"
    assert "Sista svarsdag" not in text and "Skicka" not in cardtools.action_titles(card)


def test_each_item_shows_title_path_and_last_rounds_answer() -> None:
    text = cardtools.all_text(create_status_card(fx.view()))
    assert "God och jämlik hälsa › Kortare väntetider i vården" in text
    assert "Förra omgången: Avvikelse – Fler remisser än väntat." in text
    assert "Förra omgången: inget svar" in text
    assert "Mål: 90 %" in text


def test_only_asked_questions_have_inputs() -> None:
    fields = cardtools.inputs(create_status_card(fx.view()))
    assert input_id("likelihood", fx.RISK_ID) in fields
    assert input_id("likelihood", fx.GOAL_ID) not in fields
    assert input_id("value", fx.INDICATOR_ID) in fields
    assert input_id("value", fx.GOAL_ID) not in fields
    assert fields[input_id("comment", fx.GOAL_ID)]["isMultiline"] is True
    assert fields[input_id("comment", fx.GOAL_ID)]["maxLength"] == 2000
    no_risk_scale = create_status_card(replace(fx.view(), risk_scale=None))
    assert input_id("likelihood", fx.RISK_ID) not in cardtools.inputs(no_risk_scale)


def test_submit_carries_the_round_request_page_and_revisions() -> None:
    questions = fx.items()
    questions = (replace(questions[0], current=fx.answer(revision=4)), *questions[1:])
    card = create_status_card(fx.view(questions=questions))
    submit = cardtools.execute_action(card, verbs.SUBMIT_STATUS)
    assert submit["data"] == {
        "round_id": 7,
        "request_id": 70,
        "page": 1,
        "revisions": {str(fx.GOAL_ID): 4, str(fx.INDICATOR_ID): 0, str(fx.RISK_ID): 0},
    }
    # The current answer is filled in, so submitting unchanged changes nothing.
    assert cardtools.inputs(card)[input_id("status", fx.GOAL_ID)]["value"] == "on_track"


def test_errors_sit_under_their_field_and_typed_values_are_kept() -> None:
    value_id, status_id = input_id("value", fx.INDICATOR_ID), input_id("status", fx.GOAL_ID)
    comment_id = input_id("comment", fx.GOAL_ID)
    consequence_id = input_id("consequence", fx.RISK_ID)
    feedback = CardFeedback(
        errors={
            value_id: "Värdet måste vara ett tal, t.ex. 12,5.",
            status_id: "Välj en status.",
            consequence_id: "Välj konsekvens också – risken är sannolikhet × konsekvens.",
        },
        typed={
            value_id: "tolv",
            comment_id: "Väntetiderna minskar.",
            input_id("likelihood", fx.RISK_ID): "3",
        },
    )
    card = create_status_card(fx.view(), feedback)
    fields = cardtools.inputs(card)
    assert fields[value_id]["value"] == "tolv"
    assert fields[comment_id]["value"] == "Väntetiderna minskar."
    assert fields[input_id("likelihood", fx.RISK_ID)]["value"] == "3"
    assert cardtools.text_after_input(card, value_id) == ["Värdet måste vara ett tal, t.ex. 12,5."]
    assert cardtools.text_after_input(card, status_id) == ["Välj en status."]
    assert "konsekvens" in cardtools.text_after_input(card, consequence_id)[0]
    assert cardtools.text_after_input(card, comment_id) == []
    error_block = next(e for e in cardtools.walk(card) if e.get("text") == "Välj en status.")
    assert error_block["color"] == "attention"
    assert "Något behöver rättas" in cardtools.texts(card)[0]


def test_a_banner_goes_on_top() -> None:
    card = create_status_card(
        fx.view(), CardFeedback(banner="Maria Berg svarade på en av punkterna [se](x).")
    )
    first = cardtools.texts(card)[0]
    assert first.startswith("Maria Berg svarade")
    assert "[se](x)" not in first


def test_markdown_in_titles_comments_and_names_is_shown_as_text() -> None:
    evil = "[Klicka här](https://evil.example) **viktigt** {{DATE(2026-01-01T00:00:00Z)}}"
    goal, indicator, risk = fx.answered_items()
    questions = (
        replace(
            goal,
            title=evil,
            path=("- lista", "_kursiv_"),
            current=fx.answer(comment=evil, by="<b>Eve</b> [x](y)"),
        ),
        indicator,
        risk,
    )
    for editing in (False, True):
        card = create_status_card(fx.view(questions=questions), editing=editing)
        text = cardtools.all_text(card)
        assert "[Klicka här](https://evil.example)" not in text
        assert "Klicka här" in text
        assert "**viktigt**" not in text and "{{DATE" not in text
        assert "<b>" not in text and "\\- lista" in text
    # Inputs are not markdown: the comment box shows what was written, unescaped.
    fields = cardtools.inputs(create_status_card(fx.view(questions=questions), editing=True))
    assert fields[input_id("comment", fx.GOAL_ID)]["value"] == evil


def test_recorded_mode_shows_the_answers_and_edit_while_open() -> None:
    card = create_status_card(fx.view(questions=fx.answered_items()))
    text = cardtools.all_text(card)
    assert cardtools.inputs(card) == {}
    assert "● Enligt plan" in text and "● Risk att inte nås" in text
    assert "Risk 12 (Mycket hög)" in text and "sannolikhet 3 × konsekvens 4" in text
    assert "72,5 %" in text
    assert "Registrerat av Anna Lindqvist, 23 nov. 2026 14:05" in text
    edit = cardtools.execute_action(card, verbs.EDIT_STATUS)
    assert edit["title"] == "Ändra"
    assert edit["data"] == {"round_id": 7, "request_id": 70, "page": 1}
    badge = next(e for e in cardtools.walk(card) if e.get("text") == "● Risk att inte nås")
    assert badge["color"] == "attention"


def test_recorded_mode_in_english() -> None:
    text = cardtools.all_text(create_status_card(fx.view("en", questions=fx.answered_items("en"))))
    assert "Recorded by Anna Lindqvist, 23 Nov 2026, 14:05" in text
    assert "Risk 12 (Very high)" in text and "72.5 %" in text


def test_editing_turns_the_recorded_answers_back_into_the_form() -> None:
    card = create_status_card(fx.view(questions=fx.answered_items()), editing=True)
    fields = cardtools.inputs(card)
    assert fields[input_id("value", fx.INDICATOR_ID)]["value"] == "72,5"
    assert fields[input_id("likelihood", fx.RISK_ID)]["value"] == "3"
    assert "Ändra" not in cardtools.action_titles(card)
    assert "Registrerat av Anna Lindqvist" in cardtools.all_text(card)


def test_a_partly_answered_page_stays_a_form() -> None:
    goal, indicator, risk = fx.items()
    card = create_status_card(
        fx.view(questions=(replace(goal, current=fx.answer()), indicator, risk))
    )
    assert cardtools.inputs(card)
    assert "Skicka" in cardtools.action_titles(card)


def test_closed_round_is_read_only_without_any_action() -> None:
    for questions in (fx.items(), fx.answered_items()):
        for editing in (False, True):
            card = create_status_card(
                fx.view(questions=questions, closed=True, page=2, page_count=3), editing=editing
            )
            assert "Omgången är stängd" in cardtools.all_text(card)
            assert cardtools.actions(card) == []
            assert cardtools.inputs(card) == {}
    text = cardtools.all_text(create_status_card(fx.view(closed=True)))
    assert "Inte besvarad än" in text
    assert "closed" in cardtools.all_text(create_status_card(fx.view("en", closed=True)))


def test_paging_buttons_and_page_line() -> None:
    middle = create_status_card(fx.view(page=2, page_count=3, total_items=25))
    assert "Sida 2 av 3 · 25 punkter totalt" in cardtools.all_text(middle)
    pages = [a for a in cardtools.actions(middle) if a.get("verb") == verbs.SHOW_PAGE]
    assert [(a["title"], a["data"]["page"]) for a in pages] == [
        ("Föregående sida", 1),
        ("Nästa sida", 3),
    ]
    assert pages[0]["data"]["round_id"] == 7 and pages[0]["associatedInputs"] == "none"
    first = create_status_card(fx.view(page=1, page_count=3))
    assert [
        a["data"]["page"] for a in cardtools.actions(first) if a.get("verb") == verbs.SHOW_PAGE
    ] == [2]
    single = create_status_card(fx.view())
    assert "Sida" not in cardtools.all_text(single)
    assert not any(a.get("verb") == verbs.SHOW_PAGE for a in cardtools.actions(single))


def test_no_items_says_so_without_a_submit_button() -> None:
    card = create_status_card(fx.view(questions=()))
    assert "Du har inga öppna punkter i den här omgången." in cardtools.all_text(card)
    assert cardtools.actions(card) == []


def test_only_web_links_become_buttons() -> None:
    card = create_status_card(fx.view())
    links = [a for a in cardtools.actions(card) if a["type"] == "Action.OpenUrl"]
    assert [a["url"] for a in links] == ["https://intranat.region.example/plan/M1"]


def test_an_absurdly_long_typed_value_is_cut() -> None:
    comment_id = input_id("comment", fx.GOAL_ID)
    card = create_status_card(
        fx.view(),
        CardFeedback(
            typed={comment_id: "x" * 100_000, input_id("value", fx.INDICATOR_ID): "9" * 5000}
        ),
    )
    fields = cardtools.inputs(card)
    assert 2000 < len(fields[comment_id]["value"]) <= 2200
    assert len(fields[input_id("value", fx.INDICATOR_ID)]["value"]) <= 100


def test_the_card_is_deterministic() -> None:
    assert create_status_card(fx.view()) == create_status_card(fx.view())


SUMMARY_URL = "https://region.sharepoint.com/sites/intranat/SitePages/lagesbot-t2-2026.aspx"


def test_a_published_closed_round_links_to_its_summary_on_the_intranet() -> None:
    for language, title in (
        ("sv", "Öppna sammanställningen på intranätet"),
        ("en", "Open the summary on the intranet"),
    ):
        questions = fx.answered_items(language)  # type: ignore[arg-type]
        view = replace(
            fx.view(language, questions=questions, closed=True),  # type: ignore[arg-type]
            intranet_url=SUMMARY_URL,
        )
        card = create_status_card(view)
        assert [(a["type"], a["title"], a["url"]) for a in cardtools.actions(card)] == [
            ("Action.OpenUrl", title, SUMMARY_URL)
        ]
        assert cardtools.inputs(card) == {}
    # Not published yet, or a stored address that is not a web link: no button at all.
    for url in (None, "javascript:alert(1)"):
        card = create_status_card(replace(fx.view(closed=True), intranet_url=url))
        assert cardtools.actions(card) == []


def test_an_items_link_is_named_after_its_intranet_document() -> None:
    goal, indicator, risk = fx.items()
    titled = (
        replace(goal, link_title="Handlingsplan för kortare väntetider 2026"),
        indicator,
        risk,
    )
    for questions in (titled, tuple(replace(q, current=fx.answer()) for q in titled)):
        card = create_status_card(fx.view(questions=questions))
        links = [a for a in cardtools.actions(card) if a["type"] == "Action.OpenUrl"]
        assert [(a["title"], a["url"]) for a in links] == [
            (
                "Öppna ”Handlingsplan för kortare väntetider 2026”",
                "https://intranat.region.example/plan/M1",
            )
        ]
    english = create_status_card(
        fx.view("en", questions=(replace(fx.items("en")[0], link_title="Action plan"),))
    )
    assert "Open “Action plan”" in cardtools.action_titles(english)
    # A very long title is shortened on the button; without a title the button is generic.
    long = create_status_card(fx.view(questions=(replace(goal, link_title="Plan " * 100),)))
    (button,) = [a for a in cardtools.actions(long) if a["type"] == "Action.OpenUrl"]
    assert len(button["title"]) < 80 and button["title"].endswith("…”")
    plain_card = create_status_card(fx.view(questions=(goal,)))
    assert "Öppna i intranätet" in cardtools.action_titles(plain_card)


# --- Delegates, the deadline rule and rounds that take no answers --------------------------


def _answer_changed(item: ItemQuestion, **changes: Any) -> ItemQuestion:
    assert item.current is not None
    return replace(item, current=replace(item.current, **changes))


def _delegate_view(language: Language = "sv", **kw: Any) -> StatusCardView:
    """Bo Ek's card for the risk that Anna Lindqvist delegated to him."""
    _, _, risk = (
        fx.items(language) if not kw.pop("answered", False) else fx.answered_items(language)
    )
    return replace(
        fx.view(language, questions=(risk,), **kw),
        person_name="Bo Ek",
        on_behalf_of="Anna Lindqvist",
    )


@pytest.mark.parametrize(
    ("language", "header", "intro"),
    [
        (
            "sv",
            "För Anna Lindqvist – de punkter som har delegerats till dig",
            "Hej Bo! Här svarar du för Anna Lindqvist.",
        ),
        ("en", "For Anna Lindqvist – the items delegated to you", "Hello Bo! Here you answer for"),
    ],
)
def test_a_delegates_card_is_headed_with_the_owners_name(
    language: Language, header: str, intro: str
) -> None:
    card = create_status_card(_delegate_view(language))
    shown = cardtools.texts(card)
    assert shown[1] == header  # right under the heading
    assert any(line.startswith(intro) for line in shown)
    assert set(cardtools.inputs(card)) == {
        input_id(name, fx.RISK_ID) for name in ("status", "likelihood", "consequence", "comment")
    }
    recorded = cardtools.texts(create_status_card(_delegate_view(language, answered=True)))
    assert recorded[1] == header


def test_an_answer_given_by_a_delegate_says_for_whom() -> None:
    goal, indicator, risk = fx.answered_items()
    risk = _answer_changed(risk, answered_by="Bo Ek", answered_for="Anna Lindqvist")
    for editing in (False, True):
        text = cardtools.all_text(
            create_status_card(fx.view(questions=(goal, indicator, risk)), editing=editing)
        )
        assert "Registrerat av Bo Ek för Anna Lindqvist, 23 nov. 2026 14:05" in text
        assert "Registrerat av Anna Lindqvist, 23 nov. 2026 14:05" in text  # her own answers
    english = _answer_changed(risk, answered_by="Bo Ek")
    text = cardtools.all_text(create_status_card(fx.view("en", questions=(english,))))
    assert "Recorded by Bo Ek for Anna Lindqvist, 23 Nov 2026, 14:05" in text


def test_after_the_deadline_the_card_still_takes_answers_and_says_so() -> None:
    late = replace(fx.view(), past_deadline=True)
    form = create_status_card(late)
    text = cardtools.all_text(form)
    assert "Sista svarsdagen var 27 nov. 2026 17:00." in text
    assert "Svar tas fortfarande emot tills omgången stängs" in text
    assert "Senast 27 nov. 2026 17:00" not in text
    assert "Skicka" in cardtools.action_titles(form)
    recorded = create_status_card(replace(late, items=fx.answered_items()))
    assert "Ändra" in cardtools.action_titles(recorded)
    assert "Sista svarsdagen var" in cardtools.all_text(recorded)
    english = cardtools.all_text(create_status_card(replace(fx.view("en"), past_deadline=True)))
    assert "The deadline was 27 Nov 2026, 17:00. Answers are still taken" in english


def test_an_answer_given_after_the_deadline_is_marked_late() -> None:
    goal, indicator, risk = fx.answered_items()
    goal = _answer_changed(goal, late=True)
    card = create_status_card(
        replace(fx.view(questions=(goal, indicator, risk)), past_deadline=True)
    )
    late_lines = [
        e for e in cardtools.walk(card) if "sent svar, efter sista svarsdagen" in str(e.get("text"))
    ]
    assert [e["text"] for e in late_lines] == [
        "Registrerat av Anna Lindqvist, 23 nov. 2026 14:05 · sent svar, efter sista svarsdagen"
    ]
    assert late_lines[0]["color"] == "warning"
    english = _answer_changed(goal, status_label="On track")
    text = cardtools.all_text(create_status_card(fx.view("en", questions=(english,))))
    assert "Recorded by Anna Lindqvist, 23 Nov 2026, 14:05 · late, after the deadline" in text


def test_a_round_that_is_not_open_offers_nothing_to_press() -> None:
    for questions in (fx.items(), fx.answered_items()):
        for editing in (False, True):
            card = create_status_card(
                replace(fx.view(questions=questions), accepting=False), editing=editing
            )
            assert "Omgången är inte öppen" in cardtools.all_text(card)
            assert cardtools.actions(card) == []
            assert cardtools.inputs(card) == {}


def test_the_submit_a_client_sends_is_the_form_as_filled_in() -> None:
    card = create_status_card(fx.view())
    data = cardtools.press(
        card,
        verbs.SUBMIT_STATUS,
        {
            input_id("status", fx.GOAL_ID): "on_track",
            input_id("status", fx.INDICATOR_ID): "deviation",
            input_id("value", fx.INDICATOR_ID): "72,5",
            input_id("status", fx.RISK_ID): "at_risk",
            input_id("likelihood", fx.RISK_ID): "2",
            input_id("consequence", fx.RISK_ID): "3",
        },
    )
    assert data == {
        "round_id": 7,
        "request_id": 70,
        "page": 1,
        "revisions": {str(fx.GOAL_ID): 0, str(fx.INDICATOR_ID): 0, str(fx.RISK_ID): 0},
        input_id("status", fx.GOAL_ID): "on_track",
        input_id("status", fx.INDICATOR_ID): "deviation",
        input_id("value", fx.INDICATOR_ID): "72,5",
        input_id("status", fx.RISK_ID): "at_risk",
        input_id("likelihood", fx.RISK_ID): "2",
        input_id("consequence", fx.RISK_ID): "3",
    }
    # Every status is required: the client shows the error instead of sending.
    with pytest.raises(cardtools.NotSendable, match="required"):
        cardtools.press(card, verbs.SUBMIT_STATUS)
    # An item that is not on this card cannot be sent from it.
    with pytest.raises(cardtools.NotSendable, match="not inputs sent"):
        cardtools.press(card, verbs.SUBMIT_STATUS, {"status.999": "on_track"})
