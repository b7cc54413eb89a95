"""A period as people write it in a chat, in Swedish or English, day before month:
"1 juli–15 aug", "1–15 juli", "1/7 - 15/8", "1 juli 2027 till 15 augusti 2027",
"2027-07-01 – 2027-08-15", "15 aug" (one day). Without a year, the period is the next one
with those dates that has not ended yet."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

MONTHS: Final = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "maj": 5,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_SEPARATOR = re.compile(r"\s*(?:–|—|\bt\.?o\.?m\.?(?=\s)|\btill\b|\bto\b|\buntil\b|\s-\s)\s*")
# "juli-15 aug" and "1-15 juli": a hyphen between a word or day and a day.
_TIGHT_HYPHEN = re.compile(r"(?<=[a-zåäö.])-(?=\d)|(?<=\d)-(?=\d{1,2}\b(?!-))")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_ANYWHERE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_WORDS = re.compile(r"^(\d{1,2})\.?(?:\s+([a-zåäö]+)\.?)?(?:\s+(\d{4}))?$")
_LEAD = re.compile(r"^(?:från|fr\.?o\.?m\.?|from|den|the)\s+")


class PeriodError(ValueError):
    """Text that is not a period; ``code`` is a catalogue message id."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_Part = tuple[int, int | None, int | None]  # day, month, year


def _part(text: str) -> _Part:
    text = _LEAD.sub("", text.strip().strip(",."))
    if match := _ISO.match(text):
        return int(match[3]), int(match[2]), int(match[1])
    if match := _SLASH.match(text):
        year = None if match[3] is None else int(match[3])
        if year is not None and year < 100:
            year += 2000
        return int(match[1]), int(match[2]), year
    if match := _WORDS.match(text):
        month = None
        if match[2] is not None:
            month = MONTHS.get(match[2][:3])
            if month is None:
                raise PeriodError("substitute.error.bad_period")
        return int(match[1]), month, None if match[3] is None else int(match[3])
    raise PeriodError("substitute.error.bad_period")


def _day(day: int, month: int, year: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodError("substitute.error.no_such_date") from None


def parse_period(text: str, today: date) -> tuple[date, date]:
    # ISO dates first become day/month/year, so their hyphens are not taken for a range.
    said = _ISO_ANYWHERE.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", text.strip().lower())
    said = _TIGHT_HYPHEN.sub(" – ", said)
    parts = [p for p in _SEPARATOR.split(said) if p.strip()]
    if not 1 <= len(parts) <= 2:
        raise PeriodError("substitute.error.bad_period")
    first = _part(parts[0])
    last = _part(parts[-1])
    end_month = last[1] if last[1] is not None else first[1]
    start_month = first[1] if first[1] is not None else end_month
    if start_month is None or end_month is None:
        raise PeriodError("substitute.error.bad_period")
    start_year = first[2] or last[2] or today.year
    end_year = last[2] or start_year
    starts = _day(first[0], start_month, start_year)
    ends = _day(last[0], end_month, end_year)
    if ends < starts and last[2] is None:
        ends = _day(last[0], end_month, end_year + 1)
    if ends < today and first[2] is None and last[2] is None:
        starts = _day(first[0], start_month, starts.year + 1)
        ends = _day(last[0], end_month, ends.year + 1)
    return starts, ends
