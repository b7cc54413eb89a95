"""What the BI feed offers: entity sets, their types and properties, in OData's words.

Flat rows with the ids to relate them (an item's ``ParentId`` is its place in the plan tree,
``PlanId``/``RoundId``/``ItemId`` join the sets), which is what Power BI and a warehouse load
best: relationships are drawn in the model, not expanded per row. Each property names the
column of ``storage.feed_queries`` it is read from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

NAMESPACE: Final = "Lagesbot"
CONTAINER: Final = "Feed"

INT64: Final = "Edm.Int64"
INT32: Final = "Edm.Int32"
STRING: Final = "Edm.String"
BOOLEAN: Final = "Edm.Boolean"
DECIMAL: Final = "Edm.Decimal"
DATETIME: Final = "Edm.DateTimeOffset"


@dataclass(frozen=True)
class Property:
    name: str
    column: str
    edm: str
    nullable: bool = True


@dataclass(frozen=True)
class PersonName:
    """A person's name column, shown as the pseudonym when the person was erased."""

    name: str
    person_id: str
    erased: str


@dataclass(frozen=True)
class EntityType:
    name: str
    properties: tuple[Property, ...]
    person_names: tuple[PersonName, ...] = ()

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)


@dataclass(frozen=True)
class EntitySet:
    name: str
    type: EntityType
    source: str
    description: str


def _key() -> Property:
    return Property("Id", "id", INT64, nullable=False)


def _p(name: str, column: str, edm: str = STRING) -> Property:
    return Property(name, column, edm)


PLAN: Final = EntityType(
    "Plan",
    (
        _key(),
        Property("Key", "key", STRING, nullable=False),
        _p("Name", "name"),
        _p("Period", "period"),
        _p("OrgUnitId", "org_unit_id", INT64),
        _p("OrgUnitKey", "org_unit_key"),
        _p("CreatedAt", "created_at", DATETIME),
        _p("UpdatedAt", "updated_at", DATETIME),
    ),
)
ORG_UNIT: Final = EntityType(
    "OrgUnit",
    (
        _key(),
        Property("Key", "key", STRING, nullable=False),
        _p("Name", "name"),
        _p("ParentId", "parent_id", INT64),
        _p("ParentKey", "parent_key"),
    ),
)
PERSON: Final = EntityType(
    "Person",
    (
        _key(),
        _p("Name", "name"),
        _p("OrgUnitId", "org_unit_id", INT64),
        _p("OrgUnitKey", "org_unit_key"),
        _p("LineManagerId", "line_manager_id", INT64),
        _p("Active", "active", BOOLEAN),
        _p("Erased", "erased", BOOLEAN),
    ),
    person_names=(PersonName("name", "id", "erased"),),
)
ITEM: Final = EntityType(
    "Item",
    (
        _key(),
        _p("PlanId", "plan_id", INT64),
        _p("PlanKey", "plan_key"),
        _p("Key", "key"),
        _p("ParentId", "parent_id", INT64),
        _p("Kind", "kind"),
        _p("Title", "title"),
        _p("Description", "description"),
        _p("OwnerId", "owner_id", INT64),
        _p("OwnerName", "owner_name"),
        _p("DelegateId", "delegate_id", INT64),
        _p("OrgUnitId", "org_unit_id", INT64),
        _p("OrgUnitKey", "org_unit_key"),
        _p("MeasureUnit", "measure_unit"),
        _p("Target", "target", DECIMAL),
        _p("LinkUrl", "link_url"),
        _p("Position", "position", INT32),
        _p("Active", "active", BOOLEAN),
        _p("CreatedAt", "created_at", DATETIME),
        _p("UpdatedAt", "updated_at", DATETIME),
    ),
    person_names=(PersonName("owner_name", "owner_id", "owner_erased"),),
)
ROUND: Final = EntityType(
    "Round",
    (
        _key(),
        Property("Key", "key", STRING, nullable=False),
        _p("Name", "name"),
        _p("PlanId", "plan_id", INT64),
        _p("PlanKey", "plan_key"),
        _p("PeriodLabel", "period_label"),
        _p("State", "state"),
        _p("OpensAt", "opens_at", DATETIME),
        _p("DeadlineAt", "deadline_at", DATETIME),
        _p("ClosedAt", "closed_at", DATETIME),
        _p("PreviousRoundId", "previous_round_id", INT64),
        _p("AskStatus", "ask_status", BOOLEAN),
        _p("AskComment", "ask_comment", BOOLEAN),
        _p("AskRisk", "ask_risk", BOOLEAN),
        _p("AskValue", "ask_value", BOOLEAN),
        _p("CreatedAt", "created_at", DATETIME),
    ),
)
ROUND_ITEM: Final = EntityType(
    "RoundItem",
    (
        _key(),
        _p("RoundId", "round_id", INT64),
        _p("RoundKey", "round_key"),
        _p("PlanId", "plan_id", INT64),
        _p("ItemId", "item_id", INT64),
        _p("ItemKey", "item_key"),
        _p("OrgUnitId", "org_unit_id", INT64),
        _p("OrgUnitKey", "org_unit_key"),
        _p("OwnerId", "owner_id", INT64),
        _p("OwnerName", "owner_name"),
        _p("AskRisk", "ask_risk", BOOLEAN),
        _p("AskValue", "ask_value", BOOLEAN),
    ),
    person_names=(PersonName("owner_name", "owner_id", "owner_erased"),),
)
ANSWER: Final = EntityType(
    "Answer",
    (
        _key(),
        _p("RoundId", "round_id", INT64),
        _p("RoundKey", "round_key"),
        _p("PlanId", "plan_id", INT64),
        _p("ItemId", "item_id", INT64),
        _p("ItemKey", "item_key"),
        _p("ItemKind", "item_kind"),
        _p("OrgUnitId", "org_unit_id", INT64),
        _p("OrgUnitKey", "org_unit_key"),
        _p("Revision", "revision", INT32),
        _p("StatusKey", "status_key"),
        _p("Likelihood", "likelihood", INT32),
        _p("Consequence", "consequence", INT32),
        _p("RiskScore", "risk_score", INT32),
        _p("Comment", "comment"),
        _p("Value", "value", DECIMAL),
        _p("AnsweredById", "answered_by_id", INT64),
        _p("AnsweredByName", "answered_by_name"),
        _p("AnsweredAt", "answered_at", DATETIME),
        _p("Source", "source"),
    ),
    person_names=(PersonName("answered_by_name", "answered_by_id", "answered_by_erased"),),
)

ENTITY_SETS: Final = (
    EntitySet("Plans", PLAN, "plans", "The plans."),
    EntitySet("OrgUnits", ORG_UNIT, "org_units", "The organisation's units, a tree by ParentId."),
    EntitySet("People", PERSON, "people", "Owners and authors; erased people by pseudonym."),
    EntitySet("Items", ITEM, "items", "Plan items, a tree by ParentId."),
    EntitySet("Rounds", ROUND, "rounds", "Reporting rounds."),
    EntitySet("RoundItems", ROUND_ITEM, "round_items", "What each round asked, and of whom."),
    EntitySet("Answers", ANSWER, "answers", "The current answer per round and item."),
    EntitySet("AnswerHistory", ANSWER, "answer_history", "Every revision of every answer."),
)
ENTITY_TYPES: Final = tuple({s.type.name: s.type for s in ENTITY_SETS}.values())


def entity_set(name: str) -> EntitySet | None:
    return next((s for s in ENTITY_SETS if s.name == name), None)
