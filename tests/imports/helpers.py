"""Builders for small import files, so each test shows the rows it is about."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.common import ImportSummary
from services.imports.org import import_org_units
from services.imports.people import import_people

ORG_CSV = """nyckel,namn,förälder
RS,Regionstyrelsen,
HSN,Hälso- och sjukvårdsnämnden,RS
HSF,Hälso- och sjukvårdsförvaltningen,HSN
"""

PEOPLE_CSV = (
    "upn,namn,entra_object_id,chef,enhet,språk\n"
    "anna.lindqvist@region-exempel.se,Anna Lindqvist,"
    "0b8f1f7e-3f0d-4a52-9c55-6f1f4a9d1a01,,RS,sv\n"
    "bo.ek@region-exempel.se,Bo Ek,"
    "0b8f1f7e-3f0d-4a52-9c55-6f1f4a9d1a02,anna.lindqvist@region-exempel.se,HSF,sv\n"
    "cecilia.berg@region-exempel.se,Cecilia Berg,"
    "0b8f1f7e-3f0d-4a52-9c55-6f1f4a9d1a03,anna.lindqvist@region-exempel.se,HSN,en\n"
)
ANNA = "anna.lindqvist@region-exempel.se"
BO = "bo.ek@region-exempel.se"
CECILIA_OBJECT_ID = "0b8f1f7e-3f0d-4a52-9c55-6f1f4a9d1a03"

PLAN_HEADER = "nyckel;förälder;typ;titel;ägare;ersättare;enhet;måttenhet;målvärde"
PLAN_ROWS = [
    # A child before its parent: the file order must not matter.
    f"M1;S1;mål;Kortare väntetider i vården;{ANNA};;HSF;;",
    f"S1;;strategi;God och jämlik hälsa;{ANNA};;RS;;",
    f"I1;M1;indikator;Andel operationer inom 90 dagar;{BO};{ANNA};HSF;%;80",
    f"I2;M1;indikator;Medelväntetid;{CECILIA_OBJECT_ID};;HSF;dagar;12,5",
    f"R1;M1;risk;Brist på specialistsjuksköterskor;{ANNA};{BO};HSF;;",
    f"K1;S1;internkontrollpunkt;Kontroll av attestordning;{BO};;RS;;",
]


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def plan_csv(path: Path, rows: list[str] | None = None) -> Path:
    body = "\n".join([PLAN_HEADER, *(PLAN_ROWS if rows is None else rows)]) + "\n"
    return write(path, body, bom=True)


async def seed_org_and_people(session: AsyncSession, tmp_path: Path) -> ImportSummary:
    await import_org_units(session, write(tmp_path / "org.csv", ORG_CSV), actor="test")
    return await import_people(session, write(tmp_path / "people.csv", PEOPLE_CSV), actor="test")
