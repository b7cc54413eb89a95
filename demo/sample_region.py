"""The sample region (fictional "Region Mälardalen") for demos and local runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import ImportSummary
from services.imports.org import import_org_units
from services.imports.people import import_people
from services.imports.plan import import_plan

DEMO_DIR = Path(__file__).resolve().parent
ORG_FILE = DEMO_DIR / "org_units.csv"
PEOPLE_FILE = DEMO_DIR / "people.csv"
PLAN_FILE = DEMO_DIR / "plan_rs_2027.csv"
PLAN_KEY = "rs-vp-2027"
PLAN_NAME = "Regionstyrelsens verksamhetsplan 2027"
PLAN_PERIOD = "2027"


@dataclass(frozen=True)
class SampleRegion:
    org: ImportSummary
    people: ImportSummary
    plan: ImportSummary


async def load_sample_region(
    session: AsyncSession, *, actor: str = "demo", demo_dir: Path = DEMO_DIR
) -> SampleRegion:
    """Import the sample org units, people and plan in the caller's transaction. Loading it
    twice changes nothing, so ``make demo`` can call this on every start."""
    org = await import_org_units(session, demo_dir / ORG_FILE.name, actor=actor)
    people = await import_people(session, demo_dir / PEOPLE_FILE.name, actor=actor)
    plan = await import_plan(
        session,
        demo_dir / PLAN_FILE.name,
        plan_key=PLAN_KEY,
        name=PLAN_NAME,
        period=PLAN_PERIOD,
        actor=actor,
    )
    return SampleRegion(org, people, plan)
