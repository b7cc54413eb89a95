"""Generate the sample region "Region Mälardalen" (fictional): org units, people and the
plan "Regionstyrelsens verksamhetsplan 2027".

Deterministic: running it again writes the same CSV files (the .xlsx differs only in zip
timestamps). The generated files are committed; run this only after editing the lists:

    python demo/generate_sample.py
"""

from __future__ import annotations

import csv
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DOMAIN = "region-exempel.se"
# Fixed namespace: the fake Entra object ids stay the same between runs.
DEMO_NAMESPACE = uuid.UUID("5b0d7a52-5f43-4c7e-9a59-1c3f0b6d2e71")

# key, name, parent key
ORG_UNITS = [
    ("RS", "Regionstyrelsen", ""),
    ("RK", "Regionkansliet", "RS"),
    ("RK-EK", "Ekonomienheten", "RK"),
    ("RK-HR", "HR-enheten", "RK"),
    ("RK-DIG", "Digitalisering och IT", "RK"),
    ("RK-UPH", "Upphandlingsenheten", "RK"),
    ("HSN", "Hälso- och sjukvårdsnämnden", "RS"),
    ("HSF", "Hälso- och sjukvårdsförvaltningen", "HSN"),
    ("HSF-AKUT", "Akutsjukvård", "HSF"),
    ("HSF-KIR", "Kirurgiska kliniken", "HSF"),
    ("HSF-PSY", "Vuxenpsykiatrin", "HSF"),
    ("HSF-PV", "Primärvården", "HSF"),
    ("HSF-FT", "Folktandvården", "HSF"),
    ("RUN", "Regional utvecklingsnämnd", "RS"),
    ("RUF", "Regional utvecklingsförvaltning", "RUN"),
    ("RUF-NI", "Näringsliv och innovation", "RUF"),
    ("RUF-KB", "Kultur och bildning", "RUF"),
    ("RUF-KF", "Kompetensförsörjning", "RUF"),
    ("KTN", "Kollektivtrafiknämnden", "RS"),
    ("KTF", "Kollektivtrafikförvaltningen", "KTN"),
    ("KTF-TP", "Trafikplanering", "KTF"),
    ("KTF-KS", "Kundservice och försäljning", "KTF"),
]

# (name, job title, org unit, manager index or None, preferred language)
LEADERS: list[tuple[str, str, str, int | None, str]] = [
    ("Karin Lindqvist", "Regiondirektör", "RS", None, "sv"),  # 0
    ("Anders Holmberg", "Biträdande regiondirektör", "RK", 0, "sv"),  # 1
    ("Maria Sundberg", "Hälso- och sjukvårdsdirektör", "HSF", 0, "sv"),  # 2
    ("Johan Ekström", "Regional utvecklingsdirektör", "RUF", 0, "sv"),  # 3
    ("Eva Nordin", "Kollektivtrafikdirektör", "KTF", 0, "sv"),  # 4
    ("Peter Wallin", "Ekonomidirektör", "RK-EK", 1, "sv"),  # 5
    ("Susanne Berg", "HR-direktör", "RK-HR", 1, "sv"),  # 6
    ("David Kaplan", "Digitaliseringschef", "RK-DIG", 1, "en"),  # 7
    ("Lena Forsberg", "Upphandlingschef", "RK-UPH", 1, "sv"),  # 8
    ("Mikael Strand", "Verksamhetschef akutsjukvård", "HSF-AKUT", 2, "sv"),  # 9
    ("Annika Hedlund", "Verksamhetschef kirurgi", "HSF-KIR", 2, "sv"),  # 10
    ("Fredrik Sjöberg", "Verksamhetschef vuxenpsykiatri", "HSF-PSY", 2, "sv"),  # 11
    ("Helena Åkesson", "Primärvårdsdirektör", "HSF-PV", 2, "sv"),  # 12
    ("Jonas Lund", "Tandvårdsdirektör", "HSF-FT", 2, "sv"),  # 13
    ("Sofia Engström", "Enhetschef näringsliv och innovation", "RUF-NI", 3, "sv"),  # 14
    ("Ola Nyström", "Kulturchef", "RUF-KB", 3, "sv"),  # 15
    ("Priya Raman", "Enhetschef kompetensförsörjning", "RUF-KF", 3, "en"),  # 16
    ("Magnus Björk", "Trafikchef", "KTF-TP", 4, "sv"),  # 17
    ("Ingrid Dahl", "Chef kundservice", "KTF-KS", 4, "sv"),  # 18
]
STAFF_TITLES = [
    "Controller",
    "Verksamhetsutvecklare",
    "Strateg",
    "Utredare",
    "Kvalitetssamordnare",
    "Samordnare",
]
FIRST_NAMES = [
    "Anna", "Erik", "Lars", "Kerstin", "Per", "Birgitta", "Nils", "Elin", "Oskar", "Ida",
    "Gustav", "Malin", "Henrik", "Sara", "Mattias", "Linnea", "Emil", "Camilla", "Viktor",
    "Hanna", "Daniel", "Emma", "Tobias", "Josefin", "Andreas", "Frida", "Marcus", "Maja",
    "Sebastian", "Ebba", "Niklas", "Klara", "Robin", "Moa", "Rasmus", "Tove", "Axel",
    "Agnes", "Simon", "Alva", "Joakim",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindgren", "Axelsson", "Bergström", "Lundberg", "Lundgren", "Berglund", "Fredriksson",
    "Sandberg", "Henriksson", "Forslund", "Sjögren", "Wikström", "Isaksson", "Hellström",
    "Söderberg", "Nordström", "Öberg", "Blom", "Ahlgren", "Mårtensson",
]  # fmt: skip
STAFF_PER_UNIT = 3  # 13 leaders' units x 3 = 39 staff; with 19 leaders about 60 people
ENGLISH_STAFF = {23, 37, 52}  # positions in the list of a few who read the bot in English


@dataclass
class PersonRow:
    upn: str
    name: str
    object_id: str
    manager: str
    unit: str
    language: str
    title: str


def ascii_slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return plain.replace(" ", ".")


def make_people() -> list[PersonRow]:
    people: list[PersonRow] = []
    for name, title, unit, manager, language in LEADERS:
        upn = f"{ascii_slug(name)}@{DOMAIN}"
        boss = "" if manager is None else people[manager].upn
        people.append(PersonRow(upn, name, _object_id(upn), boss, unit, language, title))
    leaders_with_staff = people[5:]
    used = {row.name for row in people}
    n = 0
    for leader in leaders_with_staff:
        for _ in range(STAFF_PER_UNIT):
            while True:
                first = FIRST_NAMES[n % len(FIRST_NAMES)]
                last = LAST_NAMES[(n * 7 + 3 + n // len(FIRST_NAMES)) % len(LAST_NAMES)]
                n += 1
                if f"{first} {last}" not in used:
                    break
            name = f"{first} {last}"
            used.add(name)
            upn = f"{ascii_slug(name)}@{DOMAIN}"
            language = "en" if len(people) in ENGLISH_STAFF else "sv"
            title = STAFF_TITLES[n % len(STAFF_TITLES)]
            people.append(
                PersonRow(upn, name, _object_id(upn), leader.upn, leader.unit, language, title)
            )
    return people


def _object_id(upn: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, upn))


# --- the plan --------------------------------------------------------------------------
# Per strategy: (key, title, org unit, owner index, goals); per goal: title, indicators
# (title, unit, target), and index ranges into the strategy's activity/assignment/risk and
# control-point pools.


@dataclass
class Strategy:
    title: str
    unit: str
    owner: int
    goals: list[str]
    goal_units: list[str]
    goal_owners: list[int]
    indicators: list[list[tuple[str, str, str]]]
    activities: list[str]
    assignments: list[str]
    risks: list[str]
    control_points: list[str]


STRATEGIES = [
    Strategy(
        title="God och jämlik hälsa",
        unit="HSN",
        owner=2,
        goals=[
            "Kortare väntetider i vården",
            "Jämlik vård oavsett var i länet du bor",
            "Stärkt psykisk hälsa hos barn, unga och vuxna",
            "En stark och nära primärvård",
            "Säker vård utan undvikbara vårdskador",
        ],
        goal_units=["HSF-KIR", "HSF", "HSF-PSY", "HSF-PV", "HSF-AKUT"],
        goal_owners=[10, 2, 11, 12, 9],
        indicators=[
            [
                ("Andel patienter som får operation inom 90 dagar", "%", "80"),
                (
                    "Andel patienter som får första besök i specialiserad vård inom 90 dagar",
                    "%",
                    "85",
                ),
                ("Median väntetid till operation", "dagar", "45"),
            ],
            [
                ("Skillnad i förväntad livslängd mellan länets kommuner", "år", "2,5"),
                ("Andel invånare med fast läkarkontakt", "%", "70"),
                ("Andel tolkbokningar som genomförs", "%", "95"),
            ],
            [
                ("Andel barn och unga som får första bedömning i BUP inom 30 dagar", "%", "90"),
                ("Antal suicidförsök per 100 000 invånare", "antal", "40"),
                ("Andel patienter med samordnad individuell plan (SIP)", "%", "60"),
            ],
            [
                ("Andel patienter som får kontakt med vårdcentralen samma dag", "%", "90"),
                ("Antal listade patienter per specialist i allmänmedicin", "antal", "1500"),
                ("Andel digitala vårdbesök i primärvården", "%", "25"),
            ],
            [
                ("Antal vårdskador per 1 000 vårddagar", "antal", "7,5"),
                ("Andel patienter med trycksår", "%", "5"),
                ("Följsamhet till basala hygienrutiner", "%", "95"),
            ],
        ],
        activities=[
            "Inför gemensam produktionsplanering för operation",
            "Utöka operationskapaciteten på dagkirurgin",
            "Köp kompletterande vård för patienter som väntat längst",
            "Följ upp väntelistor varje vecka i linjeledningen",
            "Kartlägg skillnader i vårdutnyttjande mellan kommunerna",
            "Utveckla hälsosamtal i socioekonomiskt utsatta områden",
            "Inför tolkservice via video på samtliga vårdcentraler",
            "Genomför jämlikhetsanalys av cancervården",
            "Etablera första linjens psykiatri för unga vuxna",
            "Utbilda medarbetare i suicidprevention",
            "Inför digitalt KBT-stöd via 1177",
            "Samverka med kommunerna om SIP-processen",
            "Öppna ytterligare en vårdcentral i norra länet",
            "Inför fast vårdkontakt för patienter med kroniska sjukdomar",
            "Utveckla mobila team för äldre multisjuka",
            "Breddinför digitala vårdmöten i primärvården",
            "Inför strukturerad journalgranskning med markörbaserad metod",
            "Genomför punktprevalensmätning av trycksår och VRI",
            "Stärk läkemedelsgenomgångar för äldre",
            "Utveckla avvikelsehanteringen och lärande av händelser",
        ],
        assignments=[
            "Utred förutsättningarna för en gemensam operationsplanering i länet",
            "Ta fram en länsgemensam handlingsplan för jämlik hälsa",
            "Ta fram en regional handlingsplan för suicidprevention",
            "Redovisa en plan för omställningen till nära vård",
            "Utred inrättandet av ett regionalt patientsäkerhetsråd",
        ],
        risks=[
            "Brist på operationssjuksköterskor och anestesisjuksköterskor",
            "Ökande vårdbehov överstiger tillgänglig kapacitet",
            "Skillnader i tillgänglighet mellan länets kommuner består",
            "Språkliga hinder leder till sämre vård",
            "Långa köer till barn- och ungdomspsykiatrin",
            "Otillräcklig samverkan med kommunerna kring psykisk hälsa",
            "Svårt att rekrytera specialister i allmänmedicin",
            "Ökat beroende av hyrläkare i primärvården",
            "Överbeläggningar leder till vårdskador",
            "Bristande följsamhet till hygienrutiner",
        ],
        control_points=[
            "Kontroll av att vårdgarantin redovisas korrekt",
            "Kontroll av registrering i väntelistor",
            "Uppföljning av köpt vård mot avtal",
            "Kontroll av loggning i journalsystemet",
            "Kontroll av läkemedelshantering på vårdavdelning",
            "Uppföljning av avvikelser och lex Maria-anmälningar",
            "Kontroll av behörigheter i journalsystemet",
        ],
    ),
    Strategy(
        title="Hållbar regional utveckling",
        unit="RUN",
        owner=3,
        goals=[
            "Ett konkurrenskraftigt och diversifierat näringsliv",
            "Minskad klimatpåverkan från regionens verksamhet",
            "God kompetensförsörjning i länet",
            "Ett rikt och tillgängligt kulturliv",
            "Stärkt innovationsförmåga i länet",
        ],
        goal_units=["RUF-NI", "RUF", "RUF-KF", "RUF-KB", "RUF-NI"],
        goal_owners=[14, 3, 16, 15, 14],
        indicators=[
            [
                ("Antal nystartade företag per 1 000 invånare", "antal", "7,5"),
                ("Sysselsättningsgrad 20–64 år", "%", "80"),
                ("Företagens nöjdhet med regionens stöd (NKI)", "index", "75"),
            ],
            [
                ("Koldioxidutsläpp från tjänsteresor", "ton", "450"),
                ("Andel förnybar energi i regionens fastigheter", "%", "95"),
                ("Andel ekologiska livsmedel i regionens kök", "%", "50"),
            ],
            [
                ("Andel unga som fullföljer gymnasiet inom fyra år", "%", "82"),
                ("Antal platser i regional yrkesvux", "antal", "600"),
                ("Andel utrikes födda kvinnor i sysselsättning", "%", "65"),
            ],
            [
                ("Antal kulturarrangemang i länets kommuner", "antal", "1200"),
                ("Andel barn som deltar i kulturskola eller motsvarande", "%", "40"),
                ("Antal besökare på regionens kulturinstitutioner", "antal", "250000"),
            ],
            [
                ("Antal innovationsprojekt med regional medfinansiering", "antal", "25"),
                ("Beviljade EU-medel till länet", "mnkr", "180"),
                ("Antal företag i regionens innovationsprogram", "antal", "60"),
            ],
        ],
        activities=[
            "Genomför regionala företagsbesöksprogram",
            "Utveckla rådgivning för nyföretagare i samverkan med Almi",
            "Ta fram en regional strategi för besöksnäringen",
            "Stärk samverkan med länets kommuner om etableringar",
            "Ställ om regionens fordonsflotta till fossilfria drivmedel",
            "Inför klimatkrav i regionens upphandlingar",
            "Installera solceller på regionens fastigheter",
            "Minska matsvinnet i regionens kök",
            "Utveckla regional yrkesvux tillsammans med kommunerna",
            "Genomför kompetensanalys för länets bristyrken",
            "Stärk samarbetet med lärosätena om utbildningsplatser",
            "Inför språkstöd i vård- och omsorgsutbildningar",
            "Genomför kulturturné till länets mindre orter",
            "Utveckla kultur i vården",
            "Ta fram en ny regional kulturplan",
            "Stärk biblioteksutvecklingen i länet",
            "Etablera en regional innovationsarena för hälsa",
            "Genomför testbäddar för välfärdsteknik",
            "Stödja företag att söka EU-finansiering",
            "Utveckla smart specialisering i länet",
        ],
        assignments=[
            "Ta fram en regional utvecklingsstrategi för 2027–2035",
            "Utred en klimatneutral region till 2035",
            "Ta fram en länsgemensam kompetensförsörjningsplan",
            "Utred möjligheten till ett regionalt kulturcentrum",
            "Ta fram ett regionalt innovationsprogram",
        ],
        risks=[
            "Lågkonjunktur minskar nyföretagandet",
            "Bristande bredbandsutbyggnad på landsbygden",
            "Högre energipriser försenar omställningen",
            "Leveransproblem för fossilfria fordon",
            "Minskat söktryck till vård- och omsorgsutbildningar",
            "Bristande samordning mellan kommunerna",
            "Minskade statliga kulturbidrag",
            "Låg tillgänglighet till kultur på landsbygden",
            "Förändrade regler för EU:s strukturfonder",
            "Otillräcklig medfinansiering från näringslivet",
        ],
        control_points=[
            "Kontroll av redovisning av externt finansierade projekt",
            "Uppföljning av beviljade företagsstöd",
            "Kontroll av statsstödsregler vid projektstöd",
            "Uppföljning av kulturbidrag mot villkor",
            "Kontroll av EU-projektens tidsredovisning",
            "Uppföljning av miljökrav i avtal",
        ],
    ),
    Strategy(
        title="Attraktiv arbetsgivare",
        unit="RK-HR",
        owner=6,
        goals=[
            "Fler medarbetare vill stanna och utvecklas",
            "Ett hållbart arbetsliv med god arbetsmiljö",
            "Minskat beroende av inhyrd personal",
            "Ett tydligt och tillitsbaserat ledarskap",
            "Jämställda och likvärdiga villkor",
        ],
        goal_units=["RK-HR", "RK-HR", "HSF", "RK-HR", "RK-HR"],
        goal_owners=[6, 6, 2, 6, 6],
        indicators=[
            [
                ("Personalomsättning (extern)", "%", "9"),
                ("Hållbart medarbetarengagemang (HME)", "index", "80"),
                ("Andel medarbetare med individuell utvecklingsplan", "%", "90"),
            ],
            [
                ("Sjukfrånvaro totalt", "%", "6,5"),
                ("Andel medarbetare med övertid över 150 timmar per år", "%", "3"),
                ("Antal tillbud och arbetsskador per 100 anställda", "antal", "5"),
            ],
            [
                ("Kostnad för inhyrd personal i andel av personalkostnaden", "%", "2"),
                ("Antal inhyrda sjuksköterskor", "antal", "0"),
                ("Andel vakanta läkartjänster", "%", "5"),
            ],
            [
                ("Ledarskapsindex i medarbetarenkäten", "index", "78"),
                ("Andel chefer som genomgått chefsutvecklingsprogrammet", "%", "85"),
                ("Antal medarbetare per chef", "antal", "30"),
            ],
            [
                ("Andel heltidsanställda", "%", "90"),
                ("Osakliga löneskillnader mellan kvinnor och män", "antal", "0"),
                ("Andel chefer med utländsk bakgrund", "%", "15"),
            ],
        ],
        activities=[
            "Inför karriärvägar för sjuksköterskor och undersköterskor",
            "Genomför stay-intervjuer med nyanställda",
            "Utveckla introduktionsprogrammet för nya medarbetare",
            "Inför kompetensplaner på alla arbetsplatser",
            "Genomför riktade insatser på enheter med hög sjukfrånvaro",
            "Inför systematisk uppföljning av övertid",
            "Stärk företagshälsovårdens förebyggande arbete",
            "Genomför skyddsronder enligt plan",
            "Avveckla inhyrd personal enligt nationell överenskommelse",
            "Bygg upp en intern bemanningspool",
            "Inför rotationstjänstgöring mellan sjukhusen",
            "Rekrytera specialistläkare internationellt",
            "Genomför chefsutvecklingsprogram för nya chefer",
            "Inför ledarskapskriterier i rekrytering",
            "Minska antalet medarbetare per chef i vården",
            "Utveckla stöd till chefer i arbetsrättsliga frågor",
            "Genomför årlig lönekartläggning",
            "Inför heltid som norm",
            "Genomför utbildning i likabehandling för chefer",
            "Utveckla arbetet mot kränkande särbehandling",
        ],
        assignments=[
            "Ta fram en kompetensförsörjningsstrategi för hälso- och sjukvården",
            "Utred arbetstidsmodeller för ett hållbart arbetsliv",
            "Redovisa en plan för oberoende av inhyrd personal",
            "Ta fram en ny chefs- och ledarskapspolicy",
            "Redovisa åtgärder efter lönekartläggningen",
        ],
        risks=[
            "Hög personalomsättning i vården",
            "Konkurrens om medarbetare från privata vårdgivare",
            "Ökad sjukfrånvaro till följd av hög arbetsbelastning",
            "Bristande arbetsmiljö leder till arbetsskador",
            "Fortsatt behov av hyrpersonal i glesbygd",
            "Avtalsbrott vid avveckling av hyrpersonal",
            "Chefer med för stort personalansvar",
            "Svårt att rekrytera chefer till vården",
            "Osakliga löneskillnader kvarstår",
            "Ofrivillig deltid minskar attraktiviteten",
        ],
        control_points=[
            "Kontroll av att löner utbetalas enligt beslut",
            "Kontroll av registrering av arbetstid och övertid",
            "Uppföljning av bisysslor",
            "Kontroll av rehabiliteringsärenden",
            "Uppföljning av inhyrd personal mot avtal",
            "Kontroll av behörigheter i lönesystemet",
            "Kontroll av utdrag ur belastningsregistret vid nyanställning",
        ],
    ),
    Strategy(
        title="Stark ekonomi",
        unit="RK-EK",
        owner=5,
        goals=[
            "En ekonomi i balans",
            "Effektivt resursutnyttjande",
            "Långsiktigt hållbara investeringar",
            "God intern kontroll",
            "Effektiv upphandling och hög avtalstrohet",
        ],
        goal_units=["RK-EK", "RK-EK", "RK-EK", "RK-EK", "RK-UPH"],
        goal_owners=[5, 5, 5, 5, 8],
        indicators=[
            [
                ("Resultat i förhållande till skatter och statsbidrag", "%", "2"),
                ("Budgetavvikelse för nämnderna", "mnkr", "0"),
                ("Soliditet inklusive pensionsåtaganden", "%", "10"),
            ],
            [
                ("Kostnad per vårdkontakt jämfört med riket", "index", "100"),
                ("Andel elektroniska fakturor", "%", "95"),
                ("Lokalkostnad per kvadratmeter", "kr", "1450"),
            ],
            [
                ("Självfinansieringsgrad av investeringar", "%", "100"),
                ("Genomförandegrad för investeringsbudgeten", "%", "90"),
                ("Andel investeringar med genomförd kalkyl och nyttovärdering", "%", "100"),
            ],
            [
                ("Andel genomförda internkontrollpunkter", "%", "100"),
                ("Antal allvarliga avvikelser i internkontrollen", "antal", "0"),
                ("Andel åtgärdade revisionsiakttagelser", "%", "90"),
            ],
            [
                ("Avtalstrohet", "%", "90"),
                ("Andel upphandlingar som överprövas", "%", "5"),
                ("Andel inköp med ställda hållbarhetskrav", "%", "80"),
            ],
        ],
        activities=[
            "Genomför månatliga prognosdialoger med nämnderna",
            "Inför åtgärdsplaner för verksamheter med underskott",
            "Utveckla långtidsprognosen för skatteintäkter",
            "Stärk kostnadskontrollen i hälso- och sjukvården",
            "Inför automatiserad fakturahantering",
            "Genomför lokalöversyn och avveckla outnyttjade lokaler",
            "Jämför kostnader med andra regioner (KPP)",
            "Inför gemensam planering av medicinteknisk utrustning",
            "Ta fram en långsiktig investeringsplan",
            "Inför nyttorealisering för digitaliseringsinvesteringar",
            "Utveckla uppföljning av stora byggprojekt",
            "Prioritera underhåll före nybyggnation",
            "Genomför riskanalys inför internkontrollplanen",
            "Utbilda chefer i intern kontroll",
            "Följ upp revisionens rekommendationer",
            "Inför gemensamt stöd för dokumentation av kontroller",
            "Inför e-handel för förbrukningsmaterial",
            "Genomför avtalsuppföljning för de största avtalen",
            "Utbilda beställare i inköpsprocessen",
            "Inför kategoristyrning av inköp",
        ],
        assignments=[
            "Ta fram en ekonomisk plan för 2028–2030",
            "Utred effektiviseringspotential i administrationen",
            "Ta fram riktlinjer för investeringar och nyttovärdering",
            "Revidera reglementet för intern kontroll",
            "Utred en gemensam inköpsorganisation med kommunerna",
        ],
        risks=[
            "Minskade skatteintäkter vid lågkonjunktur",
            "Kostnadsutveckling över budget i vården",
            "Ökade pensionskostnader",
            "Höga energi- och materialkostnader",
            "Fördyrade byggprojekt",
            "Ökad räntekostnad på lån för investeringar",
            "Oegentligheter i attest och utbetalningar",
            "Brister i dokumentation av kontroller",
            "Inköp utanför avtal",
            "Felaktiga direktupphandlingar",
        ],
        control_points=[
            "Kontroll av attestordning",
            "Uppföljning av avtalstrohet",
            "Kontroll av representation och kurser",
            "Kontroll av leverantörsregistret",
            "Kontroll av utbetalningar till nya leverantörer",
            "Kontroll av direktupphandlingar",
            "Uppföljning av jäv och bisysslor vid upphandling",
            "Kontroll av inventarieförteckning",
        ],
    ),
    Strategy(
        title="Hållbar och tillgänglig kollektivtrafik",
        unit="KTN",
        owner=4,
        goals=[
            "Fler resor med kollektivtrafik",
            "Hög punktlighet och tillförlitlighet",
            "Nöjda resenärer",
            "Fossilfri kollektivtrafik",
            "Tillgänglig kollektivtrafik för alla",
        ],
        goal_units=["KTF-TP", "KTF-TP", "KTF-KS", "KTF", "KTF-KS"],
        goal_owners=[17, 17, 18, 4, 18],
        indicators=[
            [
                ("Antal påstigande resenärer", "miljoner", "32,5"),
                ("Kollektivtrafikens marknadsandel", "%", "28"),
                ("Andel resenärer som pendlar över länsgräns", "%", "15"),
            ],
            [
                ("Andel avgångar i tid (regionbuss)", "%", "92"),
                ("Andel avgångar i tid (regiontåg)", "%", "90"),
                ("Andel inställda turer", "%", "1,5"),
            ],
            [
                ("Nöjd kundindex (Kollektivtrafikbarometern)", "index", "75"),
                ("Andel ärenden i kundservice besvarade inom två dagar", "%", "90"),
                ("Andel resenärer som köper biljett i appen", "%", "70"),
            ],
            [
                ("Andel fordonskilometer med förnybara drivmedel", "%", "100"),
                ("Andel elbussar i stadstrafiken", "%", "60"),
                ("Energianvändning per personkilometer", "kWh", "0,35"),
            ],
            [
                ("Andel tillgänglighetsanpassade hållplatser", "%", "75"),
                ("Andel bokade färdtjänstresor utförda i tid", "%", "95"),
                ("Antal klagomål på tillgänglighet", "antal", "100"),
            ],
        ],
        activities=[
            "Inför tätare avgångar på de största stråken",
            "Utveckla pendlarparkeringar vid bytespunkter",
            "Genomför kampanj för nya resenärer",
            "Inför gemensamt biljettsystem med grannlänen",
            "Inför realtidsuppföljning av trafiken",
            "Genomför framkomlighetsåtgärder tillsammans med kommunerna",
            "Utveckla störningsinformationen till resenärer",
            "Följ upp trafikavtalens viten",
            "Utveckla reseappen med nya betalsätt",
            "Genomför mätning av resenärsnöjdhet",
            "Utbilda förare i kundbemötande",
            "Förbättra kundservicens tillgänglighet på kvällstid",
            "Upphandla elbussar för stadstrafiken",
            "Bygg laddinfrastruktur vid bussdepåer",
            "Inför krav på förnybara drivmedel i trafikavtal",
            "Genomför utbildning i sparsam körning",
            "Tillgänglighetsanpassa prioriterade hållplatser",
            "Inför samordnad bokning av färdtjänst och sjukresor",
            "Utveckla anropsstyrd trafik på landsbygden",
            "Inför talade hållplatsutrop i all trafik",
        ],
        assignments=[
            "Ta fram ett nytt trafikförsörjningsprogram",
            "Utred åtgärder för ökad punktlighet i tågtrafiken",
            "Utred en ny taxestruktur",
            "Ta fram en plan för elektrifiering av busstrafiken",
            "Utred samordning av färdtjänst och sjukresor",
        ],
        risks=[
            "Minskat resande efter ändrade resvanor",
            "Kostnadsökningar i trafikavtalen",
            "Brist på bussförare",
            "Banarbeten påverkar tågtrafiken",
            "Låg tillit efter störningar i biljettsystemet",
            "Bristande information vid störningar",
            "Försenade leveranser av elbussar",
            "Otillräcklig elförsörjning vid depåerna",
            "Kommunerna prioriterar inte hållplatsåtgärder",
            "Brist på fordon för färdtjänst",
        ],
        control_points=[
            "Kontroll av biljettintäkter mot försäljningssystem",
            "Uppföljning av trafikavtalens kvalitetskrav",
            "Kontroll av fakturor från trafikföretagen",
            "Kontroll av ersättning för förseningar",
            "Uppföljning av färdtjänsttillstånd",
            "Kontroll av säkerhetsrutiner vid depåer",
            "Kontroll av hantering av personuppgifter i kundservice",
        ],
    ),
]

GOAL_DESCRIPTIONS = {
    0: "Följs upp i delårsrapport och årsredovisning.",
    1: "Följs upp tertialvis i nämndens uppföljning.",
}
PLAN_HEADERS = [
    "nyckel", "förälder", "typ", "titel", "ägare", "ersättare", "enhet", "måttenhet",
    "målvärde", "beskrivning", "länk",
]  # fmt: skip


def make_plan(people: list[PersonRow]) -> list[list[str]]:
    """Rows in plan order: strategy, then per goal its indicators, activities, assignment,
    risks and control points."""
    owners = _Owners(people)
    rows: list[list[str]] = []
    for s_index, strategy in enumerate(STRATEGIES, start=1):
        s_key = f"S{s_index}"
        rows.append(
            [s_key, "", "strategi", strategy.title, people[strategy.owner].upn, "",
             strategy.unit, "", "", "", ""]
        )  # fmt: skip
        cp = 0
        for g_index, title in enumerate(strategy.goals):
            goal = _Goal(
                key=f"{s_key}.M{g_index + 1}",
                index=g_index,
                unit=strategy.goal_units[g_index],
                owner=people[strategy.goal_owners[g_index]],
            )
            rows.append(
                [goal.key, s_key, "mål", title, goal.owner.upn, "", goal.unit, "", "",
                 GOAL_DESCRIPTIONS.get(g_index % 3, ""), ""]
            )  # fmt: skip
            rows.extend(_indicator_rows(goal, strategy.indicators[g_index], owners))
            activities = strategy.activities[g_index * 4 : g_index * 4 + 4]
            rows.extend(_activity_rows(goal, activities, s_key, owners))
            rows.append(
                [f"{goal.key}.U1", goal.key, "uppdrag", strategy.assignments[g_index],
                 goal.owner.upn, "", goal.unit, "", "",
                 "Uppdrag från regionstyrelsen i budget 2027.", ""]
            )  # fmt: skip
            rows.extend(_risk_rows(goal, strategy.risks[g_index * 2 : g_index * 2 + 2], owners))
            # One or two control points per goal, until the strategy's list runs out.
            titles = strategy.control_points[cp : cp + (2 if g_index % 2 == 0 else 1)]
            rows.extend(_control_point_rows(goal, titles, cp, owners))
            cp += len(titles)
    return rows


class _Owners:
    """Who owns what in the plan: the people of a unit (its head first, then its staff) in
    turn."""

    def __init__(self, people: list[PersonRow]) -> None:
        self.people = people
        self.staff_of: dict[str, list[PersonRow]] = {}
        for person in people[19:]:
            self.staff_of.setdefault(person.unit, []).append(person)
        self.unit_head = {row.unit: row for row in people[:19]}

    def in_unit(self, unit: str, n: int) -> PersonRow:
        staff = self.staff_of.get(unit) or []
        pool = [self.unit_head[unit], *staff] if unit in self.unit_head else staff
        return pool[n % len(pool)] if pool else self.people[0]

    def controller_besides(self, owner: PersonRow) -> PersonRow:
        """An economist of RK-EK who checks the control point (never its owner)."""
        return next(
            (p for p in self.staff_of.get("RK-EK", []) if p.upn != owner.upn), self.people[5]
        )


@dataclass(frozen=True)
class _Goal:
    """A goal as its child rows need it."""

    key: str
    index: int
    unit: str
    owner: PersonRow


def _indicator_rows(
    goal: _Goal, indicators: list[tuple[str, str, str]], owners: _Owners
) -> list[list[str]]:
    rows: list[list[str]] = []
    for i, (title, measure, target) in enumerate(indicators, start=1):
        owner = owners.in_unit(goal.unit, i)
        rows.append(
            [f"{goal.key}.I{i}", goal.key, "indikator", title, owner.upn, "", goal.unit,
             measure, target, "", ""]
        )  # fmt: skip
    return rows


def _activity_rows(goal: _Goal, titles: list[str], s_key: str, owners: _Owners) -> list[list[str]]:
    """The goal's four activities; the first links to the goal's intranet page."""
    rows: list[list[str]] = []
    for i, title in enumerate(titles):
        owner = owners.in_unit(goal.unit, i + 1)
        link = (
            f"https://intranat.region-exempel.se/vp2027/{s_key.lower()}-{goal.index + 1}"
            if i == 0
            else ""
        )
        rows.append(
            [f"{goal.key}.A{i + 1}", goal.key, "aktivitet", title, owner.upn, "", goal.unit,
             "", "", "", link]
        )  # fmt: skip
    return rows


def _risk_rows(goal: _Goal, titles: list[str], owners: _Owners) -> list[list[str]]:
    """The goal's two risks, owned by the goal's owner, with a delegate from the unit."""
    rows: list[list[str]] = []
    for i, title in enumerate(titles):
        delegate = owners.in_unit(goal.unit, i + 2)
        rows.append(
            [f"{goal.key}.R{i + 1}", goal.key, "risk", title, goal.owner.upn,
             "" if delegate.upn == goal.owner.upn else delegate.upn, goal.unit, "", "", "", ""]
        )  # fmt: skip
    return rows


def _control_point_rows(
    goal: _Goal, titles: list[str], taken: int, owners: _Owners
) -> list[list[str]]:
    """The goal's control points; ``taken``: how many of the strategy's came before."""
    rows: list[list[str]] = []
    for i, title in enumerate(titles):
        owner = owners.in_unit(goal.unit, taken + i + 1)
        controller = owners.controller_besides(owner)
        rows.append(
            [f"{goal.key}.K{i + 1}", goal.key, "internkontrollpunkt", title, owner.upn,
             controller.upn, goal.unit, "", "", "", ""]
        )  # fmt: skip
    return rows


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Verksamhetsplan 2027"
    target_column = PLAN_HEADERS.index("målvärde")
    for row in rows:
        cells: list[object] = list(row)
        # Targets as real numbers, as they are when someone types them into Excel.
        if row is not rows[0] and row[target_column]:
            value = Decimal(row[target_column].replace(",", "."))
            cells[target_column] = int(value) if value == value.to_integral() else float(value)
        sheet.append(cells)
    workbook.properties.created = datetime(2026, 11, 23, 12, 0)
    workbook.properties.modified = datetime(2026, 11, 23, 12, 0)
    workbook.save(path)


def main() -> None:
    write_csv(HERE / "org_units.csv", [["nyckel", "namn", "förälder"], *map(list, ORG_UNITS)])
    people = make_people()
    write_csv(
        HERE / "people.csv",
        [
            ["upn", "namn", "entra_object_id", "chef", "enhet", "språk", "tidszon", "befattning"],
            *[
                [p.upn, p.name, p.object_id, p.manager, p.unit, p.language, "Europe/Stockholm",
                 p.title]
                for p in people
            ],
        ],
    )  # fmt: skip
    plan = [PLAN_HEADERS, *make_plan(people)]
    # Semicolons and decimal commas: the way Swedish Excel saves CSV.
    write_csv(HERE / "plan_rs_2027.csv", plan, delimiter=";")
    write_xlsx(HERE / "plan_rs_2027.xlsx", plan)
    print(f"{len(ORG_UNITS)} units, {len(people)} people, {len(plan) - 1} plan items")


if __name__ == "__main__":
    main()
