"""Page sizes that keep every status card page under Teams' size limit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards import paging
from cards.status_card import create_status_card, status_card_page_size
from cards.views import ANSWER_FIELDS, CardFeedback, input_id
from tests.cards import fixtures as fx


def test_pages_split_in_order() -> None:
    assert paging.pages([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert paging.pages([], 3) == []
    assert paging.page_count(0, 10) == 1 and paging.page_count(21, 10) == 3
    with pytest.raises(ValueError):
        paging.pages([1], 0)


def test_small_items_with_short_comments_get_the_default_page_size() -> None:
    items = fx.many_items(40)
    assert status_card_page_size(replace(fx.view(), comment_max_length=500), items) == 10
    assert status_card_page_size(fx.view(), fx.items()) == 3
    assert status_card_page_size(fx.view(), ()) == paging.DEFAULT_MAX_PAGE_SIZE


def test_long_comment_limits_give_pages_that_fit_a_form_sent_back_full() -> None:
    items = fx.many_items(40)
    size = status_card_page_size(fx.view(), items)
    assert 3 <= size < 10
    page_view = fx.view(questions=items[:size], page=2, page_count=9)
    feedback = CardFeedback(
        errors={
            input_id(f, i.item_id): "Fel." * 20 for i in page_view.items for f in ANSWER_FIELDS
        },
        # Swedish prose: mostly one byte per character in UTF-8, some å/ä/ö of two.
        typed={
            input_id("comment", i.item_id): ("Väntetiderna på länets sjukhus minskar. " * 60)[:2000]
            for i in page_view.items
        },
    )
    assert paging.card_size(create_status_card(page_view, feedback)) <= paging.CARD_LIMIT_BYTES


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


def test_the_generic_helper_shrinks_until_every_page_fits() -> None:
    def render(page: Any) -> dict[str, Any]:
        return {"blob": "x" * sum(page)}

    # Pages of 3 would hold 300+300+10; of 2, 300+300; only single items fit in 400.
    assert paging.page_size_for([300, 300, 10, 10], render, budget=400, max_page_size=3) == 1
    assert paging.page_size_for([100, 100, 100, 100], render, budget=400, max_page_size=3) == 3
    assert paging.page_size_for([5000], render, budget=400) == 1
    with pytest.raises(ValueError):
        paging.page_size_for([1], render, max_page_size=0)


def test_card_size_counts_utf8_bytes_of_compact_json() -> None:
    assert paging.card_size({"a": "å"}) == len('{"a":"å"}'.encode())
    assert paging.CARD_LIMIT_BYTES == 28 * 1024
