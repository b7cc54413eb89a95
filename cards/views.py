"""What a manager's status card shows, as plain data. services/ builds it from the store;
cards/ turns it into Adaptive Card JSON. Neither side knows the other's internals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Generic, Literal, TypeVar

from catalogue.texts import Language


@dataclass(frozen=True)
class StatusChoice:
    key: str
    label: str
    card_colour: str  # Adaptive Card colour: good / warning / attention / accent / default


@dataclass(frozen=True)
class RiskLevelChoice:
    value: int
    label: str


@dataclass(frozen=True)
class RiskScaleView:
    likelihood: tuple[RiskLevelChoice, ...]
    consequence: tuple[RiskLevelChoice, ...]


@dataclass(frozen=True)
class RecordedAnswer:
    status_key: str | None
    status_label: str | None
    status_colour: str | None
    likelihood: int | None
    consequence: int | None
    risk_score: int | None
    risk_band_label: str | None
    risk_band_colour: str | None
    comment: str | None
    value: Decimal | None
    answered_by: str
    answered_at: datetime
    revision: int
    # The owner's name when someone else (their delegate) gave this answer for them.
    answered_for: str | None = None
    # Given after the round's deadline (answers are taken until the round closes).
    late: bool = False


@dataclass(frozen=True)
class IndicatorPoint:
    label: str  # the round's period label
    value: float
    target: float | None


@dataclass(frozen=True)
class IndicatorView:
    """An indicator against its target (services.goals): the measured outcome of this round
    with where it came from, its light, the last values and the trend."""

    target: Decimal | None
    decimals: int | None
    signal: str  # green / yellow / red / none
    measured: Decimal | None = None  # loaded (warehouse, file, correction), not typed
    measured_source: str | None = None
    measured_as_of: date | None = None
    # Set when the outcome is a manager's correction of the loaded value: why.
    corrected_reason: str | None = None
    points: tuple[IndicatorPoint, ...] = ()
    projected: float | None = None
    target_date: date | None = None
    will_miss: bool = False
    enough_points: bool = False
    slope_per_year: float | None = None


@dataclass(frozen=True)
class ItemQuestion:
    item_id: int
    item_key: str
    title: str
    path: tuple[str, ...]  # ancestors' titles, outermost first (strategy › goal)
    kind: str
    unit: str | None
    target: Decimal | None
    ask_risk: bool
    ask_value: bool
    link_url: str | None
    previous_round: RecordedAnswer | None  # the answer given in the previous round
    current: RecordedAnswer | None  # the latest answer in this round
    # Title of the linked intranet page/document, looked up through Graph (lagesbot sync links).
    link_title: str | None = None
    # Indicators only: measured value, target, light and trend.
    indicator: IndicatorView | None = None


@dataclass(frozen=True)
class StatusCardView:
    round_id: int
    round_name: str
    request_id: int
    person_name: str
    deadline: datetime  # aware; shown in the person's time zone
    time_zone: str
    language: Language
    closed: bool
    statuses: tuple[StatusChoice, ...]
    risk_scale: RiskScaleView | None
    ask_comment: bool
    comment_max_length: int
    items: tuple[ItemQuestion, ...]  # the items of this page only
    page: int = 1
    page_count: int = 1
    total_items: int = 0
    # The round's summary page on the intranet, once a closed round is published.
    intranet_url: str | None = None
    # The follow-up report (Word) in the intranet library, once published.
    report_url: str | None = None
    # Answers are taken until the round closes; after the deadline they are marked late.
    past_deadline: bool = False
    # False in a round that is not open (not yet opened, or closed): nothing can be answered.
    accepting: bool = True
    # Set when a delegate looks at the card: the owner's name. The card then holds only the
    # items delegated to the viewer, and ``person_name`` is the delegate's.
    on_behalf_of: str | None = None
    # (page, count) of the pages other than this one that still have unanswered items, so
    # the thank-you after Skicka can say what is left.
    unanswered_elsewhere: tuple[tuple[int, int], ...] = ()
    # Review (issue 17): what the reviewer did last, as a plain-text banner ("Fastställd av
    # … den …", "Skickad tillbaka av …: …"), and whether that locked the answers.
    review_banner: str | None = None
    locked: bool = False


@dataclass(frozen=True)
class CardFeedback:
    """What goes back into a re-rendered form: per-field errors (keyed by input id) and
    the values the manager typed, so nothing they wrote is lost."""

    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    banner: str | None = None  # a card-level message (e.g. refusal or conflict)


# "correction" and "reason": a manager's correction of an indicator's loaded outcome.
ANSWER_FIELDS: tuple[str, ...] = (
    "status",
    "likelihood",
    "consequence",
    "comment",
    "value",
    "correction",
    "reason",
)


def input_id(answer_field: str, item_id: int) -> str:
    """The Adaptive Card input id of one answer field of one item, e.g. ``status.42``."""
    return f"{answer_field}.{item_id}"


# The admin's round cards (services.followup.round_admin fills these).


@dataclass(frozen=True)
class OwnerLoad:
    person_id: int
    name: str
    upn: str
    items: int
    active: bool


@dataclass(frozen=True)
class FailedDelivery:
    """A card that could not be delivered, and why (Bot Connector status, reason)."""

    person_name: str | None
    last_status: int | None
    reason: str


@dataclass(frozen=True)
class RoundOverview:
    id: int
    key: str
    name: str
    state: str  # a RoundState value: draft / scheduled / open / closed
    opens_at: datetime
    deadline_at: datetime
    closed_at: datetime | None
    owners: int
    items: int
    answered: int
    owners_done: int
    statuses: Mapping[str, int]
    fanout: Mapping[str, int]  # outbox jobs per state: pending / in_flight / sent / failed
    failed: tuple[FailedDelivery, ...] = ()
    # A closed round on the intranet: its summary page, or why publishing failed last time.
    intranet_url: str | None = None
    publish_error: str | None = None

    @property
    def sent(self) -> int:
        return self.fanout.get("sent", 0)

    @property
    def failed_count(self) -> int:
        return self.fanout.get("failed", 0)

    @property
    def pending(self) -> int:
        return self.fanout.get("pending", 0) + self.fanout.get("in_flight", 0)


# The steering group's digest card (services.delivery.digest_view fills these from the digest's
# frames). Every decision is made there: which goals need attention and in which order, the
# unanswered bucket, the band of each risk. A list carries only the rows the card can ever show
# and the length of the whole list, so a region's 50 000 items never become 50 000 rows here.

Occasion = Literal["weekly", "deadline", "close", "on_demand"]
OCCASIONS: Final[tuple[Occasion, ...]] = ("weekly", "deadline", "close", "on_demand")

Row = TypeVar("Row")


@dataclass(frozen=True)
class Shortened(Generic[Row]):
    """The first rows of a list (as many as the card can show) and how long the list is."""

    rows: tuple[Row, ...]
    total: int


@dataclass(frozen=True)
class StatusCount:
    """Items in one status: the scale's label and card colour, or the unanswered bucket."""

    label: str
    colour: str
    count: int
    unanswered: bool = False


@dataclass(frozen=True)
class StatusRow:
    """A strategy or goal and its items per status; no title: the items outside any strategy."""

    title: str | None
    counts: tuple[StatusCount, ...]


@dataclass(frozen=True)
class ChangeRow:
    """An item whose status moved since the previous round (labels as the scale says them)."""

    title: str
    owner_name: str
    before: str
    after: str


@dataclass(frozen=True)
class RiskBandView:
    label: str
    colour: str


@dataclass(frozen=True)
class RiskRow:
    title: str
    owner_name: str
    score: int
    likelihood: int
    consequence: int
    band: RiskBandView | None


@dataclass(frozen=True)
class HeatCell:
    count: int
    band: RiskBandView | None


@dataclass(frozen=True)
class HeatRow:
    likelihood: int
    cells: tuple[HeatCell, ...]  # one per consequence, in the order of ``HeatMapView``'s


@dataclass(frozen=True)
class HeatMapView:
    """Assessed risks per likelihood × consequence, the highest likelihood first."""

    consequences: tuple[int, ...]
    rows: tuple[HeatRow, ...]
    bands: tuple[RiskBandView, ...]  # the scale's bands in its order
    likelihood_labels: tuple[RiskLevelChoice, ...]  # by value; empty when the scale has none
    consequence_labels: tuple[RiskLevelChoice, ...]


@dataclass(frozen=True)
class AttentionRow:
    """An item in a status the scale marks for attention, with its owner's comment."""

    title: str
    owner_name: str
    status_label: str
    status_colour: str
    comment: str | None


@dataclass(frozen=True)
class MissingPerson:
    name: str
    unanswered: int
    items: int


@dataclass(frozen=True)
class DigestRate:
    items: int
    answered: int
    owners: int
    owners_done: int

    @property
    def rate(self) -> float:
        return self.answered / self.items if self.items else 0.0


@dataclass(frozen=True)
class SignalCounts:
    """Goals per light (services.goals): under one strategy, or over the whole scope."""

    name: str | None  # the strategy; None for goals under no strategy or the whole scope
    green: int
    yellow: int
    red: int
    none: int

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red + self.none


@dataclass(frozen=True)
class ProjectedMiss:
    """An indicator whose trend misses its target at the target date."""

    title: str
    unit: str | None
    decimals: int | None
    value: float | None  # this round's
    target: float
    projected: float
    target_date: date | None


@dataclass(frozen=True)
class AttainmentView:
    totals: SignalCounts
    by_strategy: tuple[SignalCounts, ...]
    misses: Shortened[ProjectedMiss]
    disagreements: int  # goals whose computed light differs from the owner's status


@dataclass(frozen=True)
class DigestView:
    """Every number of one round's digest for one scope, as the card shows it."""

    round_name: str
    deadline: datetime  # aware
    closed_at: datetime | None
    previous_round_name: str | None
    rate: DigestRate
    totals: tuple[StatusCount, ...]
    by_strategy: Shortened[StatusRow]
    by_goal: Shortened[StatusRow]  # goals with items needing attention, most first
    worse: Shortened[ChangeRow]  # the biggest steps first
    better: Shortened[ChangeRow]
    risks: Shortened[RiskRow]  # highest score first
    heat_map: HeatMapView
    at_risk: Shortened[AttentionRow]  # worst first
    not_answered: Shortened[MissingPerson]  # most missing first
    unanswered_items: int  # of the people in ``not_answered``
    # Goals against their targets and the projected misses; None without indicators.
    attainment: AttainmentView | None = None


@dataclass(frozen=True)
class DigestCardView:
    group_name: str
    digest: DigestView
    language: str
    time_zone: str
    generated_at: datetime  # aware
    occasion: Occasion = "on_demand"
    intranet_url: str | None = None
    export_url: str | None = None
    # The published follow-up report (Word), beside the export.
    report_url: str | None = None
    # An open round's report as it stands when downloaded: a short-lived signed link served
    # by the bot (``bot/reports.py``), offered on the digest written on request.
    report_now_url: str | None = None


# An item's history (cards.history_card; services.answering.item_history fills these).

EntryKind = Literal["answer", "submitted", "approved", "returned", "handed_over"]


@dataclass(frozen=True)
class HistoryEntry:
    """One step in an item's history. ``kind`` "answer" is a stored revision; the others
    are review steps and hand-overs, which carry who acted, when and a comment."""

    kind: EntryKind
    round_name: str
    at: datetime  # aware
    actor: str  # who answered (or reviewed, or handed over)
    revision: int = 0
    answered_for: str | None = None  # the owner, when someone else answered for them
    status_label: str | None = None
    status_colour: str | None = None
    likelihood: int | None = None
    consequence: int | None = None
    risk_band_label: str | None = None
    value: Decimal | None = None
    comment: str | None = None
    late: bool = False
    other: str | None = None  # the new owner of a hand-over


@dataclass(frozen=True)
class HistoryBack:
    """The status card page the history was opened from."""

    round_id: int
    request_id: int
    page: int


@dataclass(frozen=True)
class ItemHistoryView:
    item_id: int
    item_key: str
    title: str
    path: tuple[str, ...]
    unit: str | None
    language: Language
    time_zone: str
    entries: tuple[HistoryEntry, ...]  # the page's entries, newest first
    total: int = 0
    rounds: int = 0
    page: int = 1
    page_count: int = 1
    back: HistoryBack | None = None


@dataclass(frozen=True)
class HistoryChoice:
    """One of several items a "historik" text matched."""

    item_id: int
    item_key: str
    title: str
    plan_name: str


@dataclass(frozen=True)
class HistoryChoicesView:
    query: str
    choices: tuple[HistoryChoice, ...]
    language: Language
    more: int = 0


# The reviewer's card (cards.review_card): one owner's answers in a round, to fastställa.


@dataclass(frozen=True)
class ReviewItemView:
    title: str
    status_label: str | None
    status_colour: str | None
    previous_status_label: str | None  # in the round before, for "change since last round"
    risk_score: int | None
    value: Decimal | None
    unit: str | None
    comment: str | None
    answered_by: str
    answered_for: str | None


@dataclass(frozen=True)
class ReviewCardView:
    review_id: int
    round_name: str
    owner_name: str
    language: Language
    time_zone: str
    items: tuple[ReviewItemView, ...]
    # pending (buttons), approved / returned (what was done), or a refusal's text.
    state: Literal["pending", "approved", "returned"] = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None
    message: str | None = None  # a refusal or an error, plain text
