"""One Retry-After reading for the Bot Connector and Graph: seconds or an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.platform.retry_after import retry_after_seconds

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),  # not RFC 9110's 1*DIGIT, but sent by some services
        ("Tue, 24 Nov 2026 12:00:30 GMT", 30.0),
        ("Tue, 24 Nov 2026 13:00:00 +0100", 0.0),  # the same moment in another zone
        ("Tue, 24 Nov 2026 12:01:00 -0000", 60.0),
        ("Tuesday, 24-Nov-26 12:00:10 GMT", 10.0),  # RFC 850, still allowed to be sent
    ],
)
def test_seconds_or_an_http_date(header: str, seconds: float) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


def test_a_date_in_the_past_means_now() -> None:
    assert retry_after_seconds("Tue, 24 Nov 2026 11:00:00 GMT", now=NOW) == 0.0
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", now=NOW) == 0.0


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "-5",  # a negative delay is no hint, not "retry at once"
        "+5",
        "soon",
        "1e3",
        "inf",
        "nan",
        "9" * 400,  # beyond a float: no hint rather than forever
        "5 seconds",
        "Tue, 31 Feb 2026 12:00:30 GMT",
        "Tue, 24 Nov 2026",
    ],
)
def test_negative_or_garbage_is_no_hint(header: str | None) -> None:
    assert retry_after_seconds(header, now=NOW) is None
