"""Choosing how many items go on one card page.

Teams refuses a message larger than about 28 KB, and a card with long titles and comments
reaches that well before ten items. Sizes are measured, not estimated: each candidate page is
rendered and its compact UTF-8 JSON counted, shrinking the page until every page fits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

T = TypeVar("T")

CARD_LIMIT_BYTES: Final = 28 * 1024
# The card travels inside an activity (ids, conversation, service URL): keep room for it.
ENVELOPE_RESERVE_BYTES: Final = 1024
DEFAULT_BUDGET_BYTES: Final = CARD_LIMIT_BYTES - ENVELOPE_RESERVE_BYTES
DEFAULT_MAX_PAGE_SIZE: Final = 10


def card_size(card: dict[str, Any]) -> int:
    """Bytes of the card as compact UTF-8 JSON, the form in which it is sent."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def pages(items: Sequence[T], page_size: int) -> list[Sequence[T]]:
    """``items`` split into consecutive pages of ``page_size`` (the last may be shorter)."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    return [items[start : start + page_size] for start in range(0, len(items), page_size)]


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def page_size_for(
    items: Sequence[T],
    render: Callable[[Sequence[T]], dict[str, Any]],
    *,
    budget: int = DEFAULT_BUDGET_BYTES,
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE,
) -> int:
    """The largest page size ≤ ``max_page_size`` for which ``render(page)`` stays within
    ``budget`` bytes for every page of ``items``.

    Returns 1 when even single items are too large: a one-item card is the smallest there is,
    and the limits on title and comment length keep that case out of reach in practice.
    """
    if max_page_size < 1:
        raise ValueError("max_page_size must be at least 1")
    if not items:
        return max_page_size
    # Counting down rather than bisecting: a smaller page size regroups the items, so fitting
    # is not monotonic in the size, and there are at most ten sizes to try.
    for size in range(min(max_page_size, len(items)), 1, -1):
        if all(card_size(render(page)) <= budget for page in pages(items, size)):
            return size
    return 1
