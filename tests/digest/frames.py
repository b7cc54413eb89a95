"""A small hand-built round as the frames storage.digest_queries reads: two strategies,
goals under the first, an item outside any strategy, answers in this and the previous round."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from services.reporting.digest import DigestFrames, RiskAxes, RoundInfo

STATUSES = pd.DataFrame(
    {
        "status_key": ["done", "on_track", "deviation", "at_risk", "not_started"],
        "label": ["Klar", "Enligt plan", "Avvikelse", "Risk att inte nås", "Ej påbörjad"],
        "card_colour": ["accent", "good", "warning", "attention", "default"],
        "severity": [0, 1, 3, 4, 2],
        "position": [0, 1, 2, 3, 4],
    }
)

# id, parent, kind, title, position
PLAN = [
    (1, None, "strategy", "God och jämlik hälsa", 1),
    (2, 1, "goal", "Kortare väntetider", 1),
    (3, 2, "activity", "Fler operationer", 1),
    (4, 2, "risk", "Brist på sjuksköterskor", 2),
    (5, 1, "goal", "Fler vårdplatser", 2),
    (6, None, "strategy", "Ekonomi i balans", 2),
    (7, 6, "activity", "Budget i balans", 1),
    (8, None, "activity", "Fristående uppdrag", 3),
]
OWNERS = {3: (10, "Anna Lindqvist"), 4: (11, "Bo Ek"), 5: (10, "Anna Lindqvist"),
          7: (12, "Cecilia Berg"), 8: (11, "Bo Ek")}  # fmt: skip

ROUND = RoundInfo(
    round_id=100,
    key="t3-2026",
    name="Tertial 3 2026",
    state="open",
    deadline=datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
    closed_at=None,
    previous_round_name="Tertial 2 2026",
)
AXES = RiskAxes(
    likelihood_max=4,
    consequence_max=4,
    likelihood_labels={1: "Osannolik", 2: "Mindre sannolik", 3: "Möjlig", 4: "Sannolik"},
    consequence_labels={1: "Försumbar", 2: "Lindrig", 3: "Kännbar", 4: "Allvarlig"},
    bands=(
        (1, 3, "Låg", "good"),
        (4, 6, "Medel", "warning"),
        (7, 9, "Hög", "attention"),
        (10, 16, "Mycket hög", "attention"),
    ),
)


def frames() -> DigestFrames:
    plan = pd.DataFrame(PLAN, columns=["item_id", "parent_id", "kind", "title", "position"])
    plan["parent_id"] = plan["parent_id"].astype("Int64")
    asked = plan[plan["item_id"].isin(OWNERS)].copy()
    asked["item_key"] = "K" + asked["item_id"].astype(str)
    asked["owner_id"] = asked["item_id"].map(lambda i: OWNERS[i][0])
    asked["owner_name"] = asked["item_id"].map(lambda i: OWNERS[i][1])
    answers = pd.DataFrame(
        [
            (3, "on_track", None, None, "Enligt tidplan", 10, 2),
            (4, "at_risk", 3, 4, "Svårt att rekrytera", 11, 1),
            (5, "deviation", None, None, "Försenad byggstart", 10, 1),
            (8, "done", 1, 2, None, 11, 1),
        ],
        columns=[
            "item_id", "status_key", "likelihood", "consequence", "comment",
            "answered_by_id", "revision",
        ],
    )  # fmt: skip
    previous = pd.DataFrame(
        [(3, "deviation"), (4, "on_track"), (5, "deviation"), (8, "not_started")],
        columns=["item_id", "status_key"],
    )
    return DigestFrames(
        items=asked, plan_items=plan, answers=answers, previous=previous, statuses=STATUSES
    )


def region_frames(items: int = 6000, strategies: int = 12, goals: int = 240) -> DigestFrames:
    """A region-sized scope with long titles and comments: more of everything than a card
    can hold."""
    long = "Ökad tillgänglighet till specialistvård för barn och unga i hela länet " * 8
    plan_rows: list[tuple[int, int | None, str, str, int]] = [
        (s, None, "strategy", f"Strategi {s}: {long}"[:300], s) for s in range(1, strategies + 1)
    ]
    goal_ids = range(1000, 1000 + goals)
    plan_rows += [(g, 1 + g % strategies, "goal", f"Mål {g}: {long}"[:300], g) for g in goal_ids]
    first = 100_000
    plan_rows += [
        (
            first + n,
            1000 + n % goals,
            "risk" if n % 3 == 0 else "activity",
            f"Punkt {n}: {long}"[:500],
            n,
        )
        for n in range(items)
    ]
    plan = pd.DataFrame(plan_rows, columns=["item_id", "parent_id", "kind", "title", "position"])
    plan["parent_id"] = plan["parent_id"].astype("Int64")
    asked = plan[plan["item_id"] >= first].copy()
    asked["item_key"] = "P" + asked["item_id"].astype(str)
    asked["owner_id"] = asked["item_id"] % 900
    asked["owner_name"] = "Förnamn Efternamnsson-Långnamn " + asked["owner_id"].astype(str)
    keys = list(STATUSES["status_key"])
    answered = asked[asked["item_id"] % 10 != 0]
    answers = pd.DataFrame(
        {
            "item_id": answered["item_id"],
            "status_key": [keys[i % 5] for i in answered["item_id"]],
            "likelihood": [1 + i % 4 if i % 3 == 0 else None for i in answered["item_id"]],
            "consequence": [1 + (i // 4) % 4 if i % 3 == 0 else None for i in answered["item_id"]],
            "comment": ["**Kommentar** [länk](https://x.example) " * 50] * len(answered),
            "answered_by_id": answered["owner_id"],
            "revision": 1,
        }
    )
    previous = pd.DataFrame(
        {"item_id": asked["item_id"], "status_key": [keys[(i + 1) % 5] for i in asked["item_id"]]}
    )
    return DigestFrames(
        items=asked, plan_items=plan, answers=answers, previous=previous, statuses=STATUSES
    )
