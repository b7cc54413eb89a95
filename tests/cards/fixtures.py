"""Status card views as services.answering.status_view builds them, without a store: the seeded
scales, a small plan of a region's health committee, and answers in every state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from cards.views import (
    IndicatorPoint,
    IndicatorView,
    ItemQuestion,
    RecordedAnswer,
    RiskLevelChoice,
    RiskScaleView,
    StatusCardView,
    StatusChoice,
)
from catalogue.texts import Language

# 17:00 in Stockholm (CET) on a Friday.
DEADLINE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
# 14:05 in Stockholm.
ANSWERED_AT = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)

_STATUSES = [
    ("done", "Klar", "Done", "accent"),
    ("on_track", "Enligt plan", "On track", "good"),
    ("deviation", "Avvikelse", "Deviation", "warning"),
    ("at_risk", "Risk att inte nås", "At risk of not being met", "attention"),
    ("not_started", "Ej påbörjad", "Not started", "default"),
]
_LIKELIHOOD = [
    (1, "Osannolik", "Unlikely"),
    (2, "Mindre sannolik", "Less likely"),
    (3, "Möjlig", "Possible"),
    (4, "Sannolik", "Likely"),
]
_CONSEQUENCE = [
    (1, "Försumbar", "Negligible"),
    (2, "Lindrig", "Minor"),
    (3, "Kännbar", "Significant"),
    (4, "Allvarlig", "Serious"),
]
_BANDS = [
    (1, 3, "Låg", "Low", "good"),
    (4, 6, "Medel", "Medium", "warning"),
    (7, 9, "Hög", "High", "attention"),
    (10, 16, "Mycket hög", "Very high", "attention"),
]

GOAL_ID, INDICATOR_ID, RISK_ID = 101, 102, 103


def statuses(language: Language) -> tuple[StatusChoice, ...]:
    return tuple(
        StatusChoice(key, en if language == "en" else sv, colour)
        for key, sv, en, colour in _STATUSES
    )


def risk_scale(language: Language) -> RiskScaleView:
    def axis(levels: list[tuple[int, str, str]]) -> tuple[RiskLevelChoice, ...]:
        return tuple(RiskLevelChoice(v, en if language == "en" else sv) for v, sv, en in levels)

    return RiskScaleView(likelihood=axis(_LIKELIHOOD), consequence=axis(_CONSEQUENCE))


def answer(
    language: Language = "sv",
    *,
    status: str = "on_track",
    likelihood: int | None = None,
    consequence: int | None = None,
    comment: str | None = "Väntetiderna minskar.",
    value: Decimal | None = None,
    by: str = "Anna Lindqvist",
    revision: int = 1,
) -> RecordedAnswer:
    _, sv, en, colour = next(row for row in _STATUSES if row[0] == status)
    score = likelihood * consequence if likelihood and consequence else None
    band = next((b for b in _BANDS if score and b[0] <= score <= b[1]), None)
    return RecordedAnswer(
        status_key=status,
        status_label=en if language == "en" else sv,
        status_colour=colour,
        likelihood=likelihood,
        consequence=consequence,
        risk_score=score,
        risk_band_label=None if band is None else (band[3] if language == "en" else band[2]),
        risk_band_colour=None if band is None else band[4],
        comment=comment,
        value=value,
        answered_by=by,
        answered_at=ANSWERED_AT,
        revision=revision,
    )


def items(language: Language = "sv") -> tuple[ItemQuestion, ...]:
    en = language == "en"
    return (
        ItemQuestion(
            item_id=GOAL_ID,
            item_key="M1",
            title="Shorter waiting times in care" if en else "Kortare väntetider i vården",
            path=("God och jämlik hälsa",),
            kind="goal",
            unit=None,
            target=None,
            ask_risk=False,
            ask_value=False,
            link_url="https://intranat.region.example/plan/M1",
            previous_round=answer(language, status="deviation", comment="Fler remisser än väntat."),
            current=None,
        ),
        ItemQuestion(
            item_id=INDICATOR_ID,
            item_key="I1",
            title="Andel operationer inom 90 dagar",
            path=("God och jämlik hälsa", "Kortare väntetider i vården"),
            kind="indicator",
            unit="%",
            target=Decimal("90.0000"),
            ask_risk=False,
            ask_value=True,
            link_url=None,
            previous_round=None,
            current=None,
        ),
        ItemQuestion(
            item_id=RISK_ID,
            item_key="R1",
            title="Brist på specialistsjuksköterskor",
            path=("Attraktiv arbetsgivare",),
            kind="risk",
            unit=None,
            target=None,
            ask_risk=True,
            ask_value=False,
            link_url="javascript:alert(1)",
            previous_round=answer(language, status="at_risk", likelihood=3, consequence=4),
            current=None,
        ),
    )


def answered_items(language: Language = "sv") -> tuple[ItemQuestion, ...]:
    goal, indicator, risk = items(language)
    return (
        replace(goal, current=answer(language, revision=2)),
        replace(
            indicator,
            current=answer(language, status="deviation", comment=None, value=Decimal("72.5000")),
        ),
        replace(
            risk,
            current=answer(
                language,
                status="at_risk",
                likelihood=3,
                consequence=4,
                comment="Rekrytering pågår.",
            ),
        ),
    )


def view(
    language: Language = "sv",
    *,
    questions: tuple[ItemQuestion, ...] | None = None,
    closed: bool = False,
    page: int = 1,
    page_count: int = 1,
    total_items: int | None = None,
    time_zone: str = "Europe/Stockholm",
) -> StatusCardView:
    chosen = items(language) if questions is None else questions
    return StatusCardView(
        round_id=7,
        round_name="Tertial 2 2026",
        request_id=70,
        person_name="Anna Lindqvist",
        deadline=DEADLINE,
        time_zone=time_zone,
        language=language,
        closed=closed,
        statuses=statuses(language),
        risk_scale=risk_scale(language),
        ask_comment=True,
        comment_max_length=2000,
        items=chosen,
        page=page,
        page_count=page_count,
        total_items=len(chosen) if total_items is None else total_items,
    )


def many_items(
    count: int, *, title_chars: int = 60, answered: bool = False
) -> tuple[ItemQuestion, ...]:
    base = items("sv")
    made: list[ItemQuestion] = []
    for n in range(count):
        template = base[n % len(base)]
        title = f"Punkt {n + 1}: " + ("Förbättrad tillgänglighet " * 40)[: max(title_chars - 10, 1)]
        made.append(
            replace(
                template,
                item_id=1000 + n,
                item_key=f"P{n + 1}",
                title=title,
                current=answer(comment="Lång kommentar. " * 120) if answered else None,
            )
        )
    return tuple(made)


def indicator_view(*, points: int = 4, measured: bool = True) -> IndicatorView:
    """An indicator with values loaded from the warehouse, short of its target and projected
    to miss it (or, with fewer than three points, without a projection)."""
    series = [("T1 2026", 70.0), ("T2 2026", 72.0), ("T3 2026", 74.0), ("T1 2027", 75.0)]
    return IndicatorView(
        target=Decimal("90.0000"),
        decimals=0,
        signal="red" if points >= 3 else "yellow",
        measured=Decimal("87.0000") if measured else None,
        measured_source="datalagret" if measured else None,
        measured_as_of=date(2026, 11, 30) if measured else None,
        points=tuple(IndicatorPoint(p, v, 90.0) for p, v in series[:points]),
        projected=80.4 if points >= 3 else None,
        target_date=date(2027, 12, 31),
        will_miss=points >= 3,
        enough_points=points >= 3,
        slope_per_year=6.2 if points >= 3 else None,
    )


def indicator_items(language: Language = "sv", *, points: int = 4) -> tuple[ItemQuestion, ...]:
    goal, indicator, risk = items(language)
    return (goal, replace(indicator, indicator=indicator_view(points=points)), risk)
