"""One reading of typed numbers, for the status card's values and the plan import's targets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.platform.numbers import parse_decimal, parse_stored_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", Decimal("12.5")),  # Swedish decimal comma
        ("12.5", Decimal("12.5")),  # English decimal point, whatever the person's language
        ("12 500", Decimal("12500")),
        ("12\u00a0500,5", Decimal("12500.5")),  # no-break space, as Excel and Babel group
        ("12\u202f500", Decimal("12500")),
        ("−3", Decimal("-3")),  # U+2212, as Swedish typography writes a minus
        ("-3,25", Decimal("-3.25")),
        ("+7", Decimal("7")),
        (" 80 ", Decimal("80")),
        ("80 %", Decimal("80")),
        ("80%", Decimal("80")),
        ("1,234", Decimal("1.234")),  # a comma alone is always the decimal comma
        ("1.234", Decimal("1.234")),
        ("1,234.5", Decimal("1234.5")),  # both: the last one is the decimal separator
        ("1.234,5", Decimal("1234.5")),
        ("1,234,567.25", Decimal("1234567.25")),
        ("0,0001", Decimal("0.0001")),
        ("", None),
        ("   ", None),
    ],
)
def test_numbers_as_people_type_them(text: str, expected: Decimal | None) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tolv",
        "åttio",
        "%",
        "12,34.5",  # misplaced thousands groups
        "1.2.3",
        "1,2,3",
        "1e5",
        "NaN",
        "Infinity",
        ".5",
        "12,",
        "1_000",
        "--1",
        "12-",
        "0x10",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_what_the_store_keeps() -> None:
    assert parse_stored_decimal("72,5") == Decimal("72.5000")
    assert parse_stored_decimal("1,23456") == Decimal("1.2346")
    assert parse_stored_decimal("99 999 999 999 999,9999") == Decimal("99999999999999.9999")
    assert parse_stored_decimal("") is None
    with pytest.raises(ValueError):
        parse_stored_decimal("100 000 000 000 000")
