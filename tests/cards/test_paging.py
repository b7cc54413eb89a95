"""Page sizes that keep every status card page under Teams' size limit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards import paging
from cards.status_card import TYPING_ROOM_CHARS, create_status_card, status_card_page_size
from cards.views import CardFeedback, ItemQuestion, input_id
from catalogue import texts
from tests.cards import fixtures as fx


def test_pages_split_in_order() -> None:
    assert paging.pages([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert paging.pages([], 3) == []
    assert paging.page_count(0, 10) == 1 and paging.page_count(21, 10) == 3
    with pytest.raises(ValueError):
        paging.pages([1], 0)


def _answered(count: int, comment_chars: int) -> tuple[ItemQuestion, ...]:
    """``count`` items of every kind (goals, indicators with a value, risks with likelihood and
    consequence) with an answer and a comment of ``comment_chars`` characters of Swedish."""
    prose = "Väntetiderna på länets sjukhus minskar men rekryteringen tar tid. " * 40
    return tuple(
        replace(
            item,
            current=fx.answer(
                status="at_risk",
                likelihood=3 if item.ask_risk else None,
                consequence=4 if item.ask_risk else None,
                comment=prose[:comment_chars],
            ),
        )
        for item in fx.many_items(count)
    )


def test_an_ordinary_managers_card_is_one_page() -> None:
    # The demo's manager has 11 items; 14 of every kind with a comment of three or four
    # sentences still fit on one page, answered or not.
    for items in (fx.many_items(14), _answered(11, 300), _answered(14, 200)):
        assert status_card_page_size(fx.view(), items) == len(items)
    assert status_card_page_size(fx.view(), ()) == paging.DEFAULT_MAX_PAGE_SIZE


def test_a_very_large_card_is_still_paged_and_every_page_fits_every_mode() -> None:
    items = _answered(40, 300)
    size = status_card_page_size(fx.view(), items)
    assert 5 <= size < 40
    for number, page_items in enumerate(paging.pages(items, size), start=1):
        page_view = fx.view(questions=tuple(page_items), page=number, page_count=9)
        for card in (
            create_status_card(page_view),
            create_status_card(page_view, editing=True),
            create_status_card(replace(page_view, closed=True)),
        ):
            assert paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES


def test_a_form_sent_back_after_a_rejected_submit_fits_with_room_to_type() -> None:
    items = _answered(40, 300)
    size = status_card_page_size(fx.view(), items)
    page_view = fx.view(questions=items[:size], page=2, page_count=9)
    sv = texts.for_language("sv")
    errors: dict[str, str] = {}
    for item in page_view.items:
        errors[input_id("status", item.item_id)] = sv.t("error.status_missing")
        errors[input_id("likelihood", item.item_id)] = sv.t("error.risk_missing")
        errors[input_id("consequence", item.item_id)] = sv.t("error.risk_missing")
        errors[input_id("value", item.item_id)] = sv.t("error.value_not_number")
    # Each comment (300 characters stored) rewritten as long as the room the sizing promises,
    # in Swedish prose (two bytes a character in Teams' count, like any other text).
    longer = ("Väntetiderna på länets sjukhus minskar. " * 60)[: max(300, TYPING_ROOM_CHARS)]
    feedback = CardFeedback(
        errors=errors,
        typed={input_id("comment", i.item_id): longer for i in page_view.items},
        banner=sv.t("refusal.conflict", name="Maria Berg", when="23 nov. 2026 14:05"),
    )
    card = create_status_card(page_view, feedback)
    assert paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES


def test_large_items_get_smaller_pages_and_every_page_fits() -> None:
    items = fx.many_items(40, title_chars=500, answered=True)
    size = status_card_page_size(fx.view(), items)
    assert 1 <= size < 10
    for page_items in paging.pages(items, size):
        page_view = replace(fx.view(questions=tuple(page_items)), page=2, page_count=9)
        assert paging.card_size(create_status_card(page_view)) <= paging.DEFAULT_BUDGET_BYTES
        assert paging.card_size(create_status_card(page_view, editing=True)) <= (
            paging.DEFAULT_BUDGET_BYTES
        )


def _blob(page: Any) -> dict[str, Any]:
    return {"blob": "x" * sum(page)}


def test_the_generic_helper_shrinks_until_every_page_fits() -> None:
    # {"blob":"…"} is 12 characters around the x's, two bytes each: 400 bytes hold 188 x's.
    # Pages of 3 would hold 300+300+10; of 2, 300+300; only single items fit in 400.
    assert paging.page_size_for([300, 300, 10, 10], _blob, budget=400, max_page_size=3) == 1
    assert paging.page_size_for([50, 50, 50, 50], _blob, budget=400, max_page_size=3) == 3
    assert paging.page_size_for([5000], _blob, budget=400) == 1
    with pytest.raises(ValueError):
        paging.page_size_for([1], _blob, max_page_size=0)


@given(st.lists(st.integers(0, 120), min_size=1, max_size=60), st.integers(1, 50))
def test_the_generic_helper_finds_the_largest_page_size_that_fits(
    items: list[int], max_page_size: int
) -> None:
    budget = 600
    found = paging.page_size_for(items, _blob, budget=budget, max_page_size=max_page_size)

    def fits(size: int) -> bool:
        return all(paging.card_size(_blob(p)) <= budget for p in paging.pages(items, size))

    largest = max(
        (size for size in range(1, min(max_page_size, len(items)) + 1) if fits(size)), default=1
    )
    assert found == largest


def test_card_size_counts_the_utf16_bytes_teams_counts() -> None:
    # Teams counts a message encoded as UTF-16: two bytes a character, four for an emoji.
    assert paging.card_size({"a": "å"}) == 2 * len('{"a":"å"}')
    assert paging.card_size({"a": "😀"}) == 2 * len('{"a":""}') + 4
    # Microsoft's recommended 80 KB for a whole message, less room for the activity around it.
    assert paging.CARD_LIMIT_BYTES == 80_000
    assert paging.DEFAULT_BUDGET_BYTES == 80_000 - paging.ENVELOPE_RESERVE_BYTES
