"""The size budget every card keeps, and how many items go on one card page.

Teams documents the size limit of a bot message as about 100 KB, counted over the message
encoded as UTF-16 (two bytes for every character of the JSON the bot sends, four for emoji),
and recommends keeping a message within 80 KB to be sure it is delivered; a larger one is
refused with 413 ``MessageSizeTooBig``:
https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
(the note "Regarding bot message size limit"). The limit is approximate because @-mentions
and reactions added later count too, which is what the 20 KB between 80 and 100 KB is for.

Every card is therefore measured as Teams counts it (UTF-16 bytes of the compact JSON) and
kept within ``DEFAULT_BUDGET_BYTES``: the recommended 80 KB (read as 80 000 bytes, the smaller
reading of "KB") minus room for the activity the card travels in. Sizes are measured, not
estimated: each candidate page is rendered and counted, shrinking the page until every page
fits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

T = TypeVar("T")

# Microsoft's recommended ceiling for a whole bot message (the hard limit is ~100 KB).
CARD_LIMIT_BYTES: Final = 80_000
# The activity around the card (type, ids, service URL, conversation and recipient ids and
# names, the attachment's content type, reply-to id) is about 800 characters in Teams, 1.6 KB
# in UTF-16; the reserve is 2.5 times that, for long conversation ids and display names.
ENVELOPE_RESERVE_BYTES: Final = 4_000
# The one budget every card is sized to: status pages, digests, escalations, leaver notices.
DEFAULT_BUDGET_BYTES: Final = CARD_LIMIT_BYTES - ENVELOPE_RESERVE_BYTES
# More items than this make a card too long to scroll through comfortably even when they fit;
# the whole board plan of a region (about 40 goals and indicators) still goes on one page.
DEFAULT_MAX_PAGE_SIZE: Final = 50


def card_size(card: dict[str, Any]) -> int:
    """Bytes of the card as Teams counts a message: compact JSON encoded as UTF-16."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


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
    """A page size ≤ ``max_page_size`` for which ``render(page)`` stays within ``budget``
    bytes for every page of ``items``: the largest, when all items fit on one page or the
    estimate that picks where to start is off by at most one item (see below).

    Returns 1 when even single items are too large: a one-item card is the smallest there is,
    and the limits on title and comment length keep that case out of reach in practice.
    """
    if max_page_size < 1:
        raise ValueError("max_page_size must be at least 1")
    if not items:
        return max_page_size
    largest = min(max_page_size, len(items))
    if _fits(items, render, budget, largest):
        return largest  # most people's items: one render per mode
    # Counting down rather than bisecting: a smaller page size regroups the items, so fitting
    # is not monotonic in the size.
    for size in range(_first_size_to_try(items, render, budget, largest), 1, -1):
        if _fits(items, render, budget, size):
            return size
    return 1


def _fits(
    items: Sequence[T], render: Callable[[Sequence[T]], dict[str, Any]], budget: int, size: int
) -> bool:
    return all(card_size(render(page)) <= budget for page in pages(items, size))


def _first_size_to_try(
    items: Sequence[T], render: Callable[[Sequence[T]], dict[str, Any]], budget: int, largest: int
) -> int:
    """Where counting down starts (below ``largest``, which did not fit), so a long list costs
    a few renders rather than one per size.

    A card built item by item grows by each item's own part, so a page is about as large as
    the sum of its items rendered alone, less the frame (header, buttons) each of those
    single-item cards repeats. The estimate only picks the first size tried, one above the
    largest it expects to fit; the rendered pages decide."""
    if largest <= 2:
        return largest - 1
    alone = [card_size(render(items[index : index + 1])) for index in range(len(items))]
    frame = alone[0] + alone[1] - card_size(render(items[:2]))
    for size in range(largest - 1, 1, -1):
        groups = pages(alone, size)
        if all(sum(group) - (len(group) - 1) * frame <= budget for group in groups):
            return min(size + 1, largest - 1)
    return 2
