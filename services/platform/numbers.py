"""Numbers as Swedish and English users type them, for the status card's indicator values and
the plan import's target values: one reading for both, with Babel's ``parse_decimal``.

- "12,5" and "12.5" are both twelve and a half, whatever the person's language: a comma alone
  is the Swedish decimal comma ("1,234" is 1.234, never 1234).
- Spaces of any kind group thousands ("12 500", "12 500" with a no-break space from Excel).
- With both a comma and a dot, the last one is the decimal separator and the other groups
  thousands, and the groups must be well formed: "1,234.5" (English) and "1.234,5" (as Excel
  writes it in Danish or German) are 1234.5, "12,34.5" is refused.
- The minus sign may be U+2212 ("−3"), as Swedish typography and Babel's own output write it.
- A trailing per cent sign is the number itself ("80 %" is 80): a target in per cent is
  stored as the number the admin wrote.
- No exponents, no "NaN" or "Infinity", no separator at either end (".5", "12,").
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError
from babel.numbers import parse_decimal as _babel_parse_decimal

__all__ = ["NumberFormatError", "parse_decimal", "parse_stored_decimal"]

# What the store's Numeric(18, 4) columns (indicator values, plan targets) hold.
STORED_LIMIT = Decimal("1e14")
STORED_STEP = Decimal("0.0001")

_SPACES = re.compile(r"\s+")  # str patterns: also U+00A0, U+202F, U+2009
_SHAPE = re.compile(r"\d+(?:[.,]\d+)*")


def parse_decimal(text: str) -> Decimal | None:
    """The number in ``text``; None when it is empty. Anything else that is not a number
    raises ``NumberFormatError`` (a ``ValueError``)."""
    cleaned = _SPACES.sub("", text).replace("\u2212", "-")
    if not cleaned:
        return None
    body = cleaned.removesuffix("%")
    negative = body.startswith("-")
    body = body[1:] if body[:1] in ("-", "+") else body
    if not _SHAPE.fullmatch(body):
        raise NumberFormatError(f"{text!r} is not a number")
    comma, dot = body.rfind(","), body.rfind(".")
    # Babel's Swedish reads a comma as the decimal separator (its grouping is a space, taken
    # out above); English a dot with comma grouping; Danish a comma with dot grouping.
    locale = "en" if dot > comma else ("da" if dot >= 0 else "sv")
    number = _babel_parse_decimal(body, locale, strict=True)
    return -number if negative else number


def parse_stored_decimal(text: str) -> Decimal | None:
    """``parse_decimal`` within what the store keeps: under 10^14, rounded to 4 decimals."""
    number = parse_decimal(text)
    if number is None:
        return None
    if abs(number) >= STORED_LIMIT:
        raise NumberFormatError(f"{text!r} is too large to store")
    return number.quantize(STORED_STEP)
