"""Importing the plan, the org units and the people by sending the file to the bot in the
admin's 1:1 chat, through the real endpoint; the file comes from a local server the way
Teams hands it out (tests/fakes/teams_files.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from services.platform.downloads import allowed_url
from storage.models import AuditEntry, OrgUnit, PendingImport, PendingImportState, Person, PlanItem
from tests import cardtools
from tests.admin.helpers import PLAN_KEY, Region, region
from tests.bot.conftest import BotHarness
from tests.fakes.teams_files import TeamsFiles

ORG_FILE = "nyckel,namn,förälder\nRS,Regionstyrelsen,\nHSN,Hälso- och sjukvårdsnämnden,RS\n"


def plan_file(r: Region) -> bytes:
    """The region's plan with one goal renamed, one activity added and the rest dropped."""
    anna, bo = r.anna.upn, r.bo.upn
    return (
        "nyckel;förälder;typ;titel;ägare;enhet\n"
        f"S1;;strategi;God och jämlik hälsa;{anna};HSN\n"
        f"M1;S1;mål;Kortare väntetider i hela vården;{anna};HSF-KIR\n"
        f"A3;M1;aktivitet;Öppna kvällsmottagning;{bo};HSF-KIR\n"
    ).encode()


async def send_file(
    bot: BotHarness, user: Any, attachment: dict[str, Any], text: str = ""
) -> dict[str, Any]:
    """What the bot answers to the message carrying the file: its card, or its text."""
    before = len(bot.connector.posted())
    activity = bot.activity(user=user, text=text, attachments=[attachment])
    response = await bot.post(activity)
    assert response.status in (200, 201, 202), await response.text()
    [posted] = bot.connector.posted()[before:]
    return dict(posted)


def card_of(posted: dict[str, Any]) -> dict[str, Any]:
    [attachment] = posted["attachments"]
    return dict(attachment["content"])


async def press(bot: BotHarness, user: Any, card: dict[str, Any], verb: str) -> dict[str, Any]:
    response = await bot.post(
        bot.card_action(user=user, verb=verb, data=cardtools.press(card, verb))
    )
    body = await response.json()
    return dict(body["value"])


async def item_titles(session: AsyncSession) -> dict[str, tuple[str, bool]]:
    await session.commit()
    rows = (await session.execute(select(PlanItem.key, PlanItem.title, PlanItem.active))).all()
    return {key: (title, active) for key, title, active in rows}


async def test_a_plan_file_is_previewed_and_stored_only_on_importera(
    bot: BotHarness, session: AsyncSession, files: TeamsFiles
) -> None:
    r = await region(session)
    before = await item_titles(session)
    posted = await send_file(bot, r.admin, files.attachment("plan 2027.csv", plan_file(r)))

    card = card_of(posted)
    shown = cardtools.all_text(card)
    assert "Import av plan: plan 2027.csv" in shown and PLAN_KEY in shown
    assert "Skapas" in shown and "Ändras" in shown and "Avaktiveras" in shown
    assert cardtools.action_titles(card) == ["Importera", "Avbryt"]
    assert await item_titles(session) == before, "nothing is stored before Importera"

    done = await press(bot, r.admin, card, verbs.CONTROLLER_IMPORT)
    assert "Importerat." in cardtools.all_text(done)
    after = await item_titles(session)
    assert after["M1"] == ("Kortare väntetider i hela vården", True)
    assert after["A3"][1] and not after["A1"][1] and not after["R1"][1]

    again = await press(bot, r.admin, card, verbs.CONTROLLER_IMPORT)
    assert "Importerat." in cardtools.all_text(again)
    actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert actions.count("import.plan") == 1, "a second press imports nothing again"


async def test_every_bad_row_is_shown_with_its_number_and_nothing_can_be_imported(
    bot: BotHarness, session: AsyncSession, files: TeamsFiles
) -> None:
    r = await region(session)
    bad = (
        "nyckel;förälder;typ;titel;ägare\n"
        f"S1;;strategi;God och jämlik hälsa;{r.anna.upn}\n"
        "M1;S1;målsättning;Kortare väntetider;nobody@region-exempel.se\n"
        f"M9;X9;mål;Utan förälder;{r.anna.upn}\n"
    ).encode()
    posted = await send_file(
        bot, r.admin, files.attachment("plan.csv", bad), text="plan rs-vp-2027"
    )

    card = card_of(posted)
    shown = cardtools.all_text(card)
    assert "inget sparas" in shown
    assert "Rad 3" in shown and "Rad 4" in shown and "Rad 2:" not in shown
    assert cardtools.action_titles(card) == []
    await session.commit()
    assert (await session.execute(select(PendingImport))).first() is None


async def test_avbryt_discards_the_file(
    bot: BotHarness, session: AsyncSession, files: TeamsFiles
) -> None:
    r = await region(session)
    card = card_of(await send_file(bot, r.admin, files.attachment("org.csv", ORG_FILE.encode())))
    assert "Import av organisation" in cardtools.all_text(card)

    cancelled = await press(bot, r.admin, card, verbs.CONTROLLER_CANCEL)
    assert "Avbrutet – inget sparades." in cardtools.all_text(cancelled)
    late = await press(bot, r.admin, card, verbs.CONTROLLER_IMPORT)
    assert "Avbrutet" in cardtools.all_text(late)
    await session.commit()
    [pending] = (await session.execute(select(PendingImport))).scalars()
    assert pending.state is PendingImportState.CANCELLED and pending.content == b""
    names = {k: v for k, v in (await session.execute(select(OrgUnit.key, OrgUnit.name))).all()}
    assert names["HSN"] == "Hälso- och sjukvårdsnämnden"


async def test_a_people_file_is_recognised_by_its_columns(
    bot: BotHarness, session: AsyncSession, files: TeamsFiles
) -> None:
    r = await region(session)
    people = (
        "upn,namn,enhet\n"
        f"{r.anna.upn},Anna Lindqvist-Berg,HSF-KIR\n"
        "nils.ny@region-exempel.se,Nils Ny,RUN\n"
    ).encode()
    card = card_of(await send_file(bot, r.admin, files.attachment("personal.csv", people)))
    assert "Import av personer" in cardtools.all_text(card)
    await press(bot, r.admin, card, verbs.CONTROLLER_IMPORT)
    await session.commit()
    names = set((await session.execute(select(Person.display_name))).scalars())
    assert {"Anna Lindqvist-Berg", "Nils Ny"} <= names


async def test_wrong_types_large_files_and_non_admins_get_a_clear_answer(
    bot: BotHarness, session: AsyncSession, files: TeamsFiles
) -> None:
    r = await region(session)
    pdf = await send_file(bot, r.admin, files.attachment("plan.pdf", b"%PDF-1.7"))
    assert "Excel (.xlsx) eller CSV" in pdf["text"]
    huge = b"nyckel,namn\n" + b"X,Y\n" * (2 * 1024 * 1024)
    large = await send_file(bot, r.admin, files.attachment("org.csv", huge))
    assert "större än 5 MB" in large["text"]
    downloads = len(files.downloads)
    refused = await send_file(bot, r.anna, files.attachment("org.csv", ORG_FILE.encode()))
    assert "Bara administratörer kan importera" in refused["text"]
    assert len(files.downloads) == downloads, "a non-admin's file is not even fetched"


def test_only_https_or_this_machine_is_fetched() -> None:
    assert allowed_url("https://region-my.sharepoint.com/personal/x/file.csv")
    assert allowed_url("http://127.0.0.1:5000/file.csv")
    assert not allowed_url("http://intranet.region.se/file.csv")
    assert not allowed_url("file:///etc/passwd")
