"""Which days are working days for reminders and escalations: Monday to Friday, except
Swedish public holidays (the ``holidays`` package: the public days plus midsommarafton,
julafton and nyårsafton, which are days off in practice) and the extra days off a region
configures (``LAGESBOT_EXTRA_DAYS_OFF``, e.g. klämdagar such as the Friday after Ascension)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import holidays

COUNTRY = "SE"
# Public holidays plus the de facto days off (midsommarafton, julafton, nyårsafton).
CATEGORIES = ("public", "de_facto")


@cache
def public_holidays(year: int) -> frozenset[date]:
    days = holidays.country_holidays(COUNTRY, years=year, categories=CATEGORIES)
    # The package counts every Sunday as a Swedish holiday; weekends are handled apart.
    return frozenset(day for day in days if day.weekday() < 5)


@dataclass(frozen=True)
class WorkingDays:
    extra_days_off: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def with_extra(cls, days: Iterable[date]) -> WorkingDays:
        return cls(frozenset(days))

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.extra_days_off
            and day not in public_holidays(day.year)
        )


SWEDISH = WorkingDays()


def parse_days(value: str) -> tuple[date, ...]:
    """``2027-05-07, 2027-12-27`` -> dates; raises ValueError naming the bad part."""
    days: list[date] = []
    for part in value.replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            days.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise ValueError(
                f"LAGESBOT_EXTRA_DAYS_OFF: expected dates like 2027-05-07, got {part.strip()!r}"
            ) from None
    return tuple(sorted(set(days)))
