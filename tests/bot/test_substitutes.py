"""Substitutes (ersättare) with a period, through the real endpoint: an owner names one in
the 1:1 chat, the substitute then gets the owner's whole card "För <owner>" and answers
are recorded as given for the owner; unknown and ambiguous names, bad periods and people
who may not do it are answered clearly and store nothing; the owner ends it early."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from services.standins import substitutes
from storage import responses as response_store
from storage.models import AuditEntry, OutboxJob, OutboxKind, Substitute
from tests import cardtools
from tests.authz.conftest import ADMIN_NAME, ADMIN_OBJECT_ID, admins_configured
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import answers, invoke
from tests.factories import NOW, RoundSetup, open_round, person


@pytest.fixture(autouse=True)
def with_admin() -> Iterator[None]:
    with admins_configured():
        yield


async def said(bot: BotHarness, user: Any, text: str) -> str:
    before = len(bot.connector.posted())
    response = await bot.post(bot.activity(user=user, text=text))
    assert response.status in (200, 201, 202), await response.text()
    out = []
    for posted in bot.connector.posted()[before:]:
        out.append(posted.get("text") or "")
        out += [cardtools.all_text(a["content"]) for a in posted.get("attachments") or []]
    return "\n".join(out)


async def cards_for(bot: BotHarness, user: Any) -> list[dict[str, Any]]:
    before = len(bot.connector.posted_cards())
    await bot.post(bot.activity(user=user, text="status"))
    return bot.connector.posted_cards()[before:]


async def periods(session: AsyncSession) -> list[tuple[Any, ...]]:
    await session.commit()
    query = select(
        Substitute.owner_id,
        Substitute.substitute_id,
        Substitute.starts_on,
        Substitute.ends_on,
        Substitute.ended_at,
    ).order_by(Substitute.id)
    return [tuple(row) for row in (await session.execute(query)).all()]


async def test_the_owner_names_a_substitute_who_then_answers_for_them(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    cecilia = s.other
    reply = await said(bot, s.owner, "ersättare Cecilia Berg 20 nov–10 dec")
    assert "Cecilia Berg är din ersättare 20 nov. 2026 – 10 dec. 2026" in reply
    assert await periods(session) == [
        (s.owner.id, cecilia.id, date(2026, 11, 20), date(2026, 12, 10), None)
    ]
    [notice] = (
        await session.execute(select(OutboxJob).where(OutboxJob.kind == OutboxKind.NOTICE))
    ).scalars()
    assert notice.person_id == cecilia.id and "Anna Lindqvist" in notice.payload["text"]
    actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "substitute.named" in actions

    # Cecilia's own card and Anna's, with every item of Anna's, "För Anna Lindqvist".
    cards = await cards_for(bot, cecilia)
    [annas] = [c for c in cards if "För Anna Lindqvist" in cardtools.all_text(c)]
    text = cardtools.all_text(annas)
    assert all(item.title in text for item in (s.goal, s.indicator, s.risk))
    data = cardtools.press(annas, verbs.SUBMIT_STATUS, answers(s))
    refreshed = await invoke(
        bot, bot.card_action(user=cecilia, verb=verbs.SUBMIT_STATUS, data=data)
    )
    assert "Registrerat av Cecilia Berg för Anna Lindqvist" in cardtools.all_text(refreshed)
    current = await response_store.current_answers(
        session, s.round.id, [s.goal.id, s.indicator.id, s.risk.id]
    )
    assert {r.answered_by_id for r in current.values()} == {cecilia.id}
    assert {r.request_id for r in current.values()} == {s.request.id}


async def test_outside_the_period_the_substitute_holds_nothing_of_the_owners(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await said(bot, s.owner, "ersättare Cecilia Berg 1 juli–15 aug")
    assert (await periods(session))[0][2:4] == (date(2027, 7, 1), date(2027, 8, 15))
    cards = await cards_for(bot, s.other)
    assert all("För Anna Lindqvist" not in cardtools.all_text(c) for c in cards)
    # A submit of Anna's card by Cecilia is refused, nothing stored.
    [annas] = await cards_for(bot, s.owner)
    data = cardtools.press(annas, verbs.SUBMIT_STATUS, answers(s))
    card = await invoke(bot, bot.card_action(user=s.other, verb=verbs.SUBMIT_STATUS, data=data))
    assert "Kortare väntetider" not in cardtools.all_text(card)
    assert await response_store.current_answers(session, s.round.id, [s.goal.id]) == {}


async def test_unknown_and_ambiguous_names_and_bad_periods_store_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await person(session, "Anders Holmberg")
    second = await person(session, "Anders Holm")
    await session.commit()
    reply = await said(bot, s.owner, "ersättare Okänd Persson 1 juli–15 aug")
    assert "Jag hittar ingen som heter ”Okänd Persson”" in reply
    reply = await said(bot, s.owner, "ersättare Anders 1 juli–15 aug")
    assert "Flera personer passar ”Anders”" in reply
    assert "anders.holmberg@region-exempel.se" in reply and second.upn in reply
    reply = await said(bot, s.owner, "ersättare Anders Holmberg 31 juni–15 aug")
    assert "datum som inte finns" in reply
    reply = await said(bot, s.owner, "ersättare Anders Holmberg")
    assert "Skriv också perioden" in reply
    reply = await said(bot, s.owner, "ersättare Anna Lindqvist 1 juli–15 aug")
    assert "din egen ersättare" in reply
    assert await periods(session) == []
    # The e-mail address settles it.
    reply = await said(bot, s.owner, "ersättare anders.holmberg@region-exempel.se 1 juli–15 aug")
    assert "Anders Holmberg är din ersättare" in reply
    assert len(await periods(session)) == 1


async def test_the_owner_ends_the_period_early(bot: BotHarness, session: AsyncSession) -> None:
    s = await open_round(session)
    await said(bot, s.owner, "ersättare Cecilia Berg 20 nov–10 dec")
    assert "Cecilia Berg, 20 nov. 2026" in await said(bot, s.owner, "ersättare")
    assert "Du är ersättare för Anna Lindqvist" in await said(bot, s.other, "ersättare")
    assert "Perioden är avslutad" in await said(bot, s.owner, "ersättare slut")
    [row] = await periods(session)
    assert row[4] is not None  # kept, marked ended
    cards = await cards_for(bot, s.other)
    assert all("För Anna Lindqvist" not in cardtools.all_text(c) for c in cards)
    assert "Det finns ingen pågående" in await said(bot, s.owner, "ersättare slut")


async def test_an_admin_names_a_substitute_for_anyone_and_others_may_not(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    ada = await person(session, ADMIN_NAME)
    ada.entra_object_id = ADMIN_OBJECT_ID
    await session.commit()
    command = "ersättare för Anna Lindqvist: Cecilia Berg 20 nov–10 dec"
    assert "Bara en administratör" in await said(bot, s.delegate, command)
    assert await periods(session) == []
    assert "Cecilia Berg är ersättare för Anna Lindqvist" in await said(bot, ada, command)
    assert len(await periods(session)) == 1
    assert "Perioden är avslutad" in await said(bot, ada, "ersättare för Anna Lindqvist: slut")


async def _chain(session: AsyncSession, s: RoundSetup) -> None:
    for owner, substitute in ((s.owner, s.delegate), (s.delegate, s.other)):
        await substitutes.name_substitute(
            session,
            owner=owner,
            substitute=substitute,
            starts_on=date(2026, 11, 20),
            ends_on=date(2026, 12, 10),
            actor="test",
            today=NOW.date(),
        )
    await session.commit()


async def test_a_substitute_who_is_away_passes_the_owner_on(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await _chain(session, s)  # Anna -> Bo, and Bo is away too -> Cecilia
    stand_in = await substitutes.stand_in_for(session, s.owner, NOW)
    assert stand_in is not None and stand_in.id == s.other.id
    cards = await cards_for(bot, s.other)
    assert any("För Anna Lindqvist" in cardtools.all_text(c) for c in cards)
    # Bo keeps only what is delegated to him (Anna's risk), not her whole card.
    bos = [cardtools.all_text(c) for c in await cards_for(bot, s.delegate)]
    assert all(s.indicator.title not in text for text in bos)


async def test_overlapping_periods_the_latest_named_wins(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await said(bot, s.owner, "ersättare Bo Ek 20 nov–10 dec")
    reply = await said(bot, s.owner, "ersättare Cecilia Berg 22 nov–25 nov")
    assert "Cecilia Berg är din ersättare" in reply
    stand_in = await substitutes.stand_in_for(session, s.owner, NOW)
    assert stand_in is not None and stand_in.id == s.other.id
    # Said twice: still one period.
    await said(bot, s.owner, "ersättare Cecilia Berg 22 nov–25 nov")
    await session.commit()
    count = (await session.execute(select(func.count(Substitute.id)))).scalar_one()
    assert count == 2


async def test_in_a_channel_it_only_points_to_the_1_1_chat(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    activity = bot.activity(user=s.owner, text="ersättare Cecilia Berg 20 nov–10 dec")
    activity["conversation"].update(id="19:kanal@thread.tacv2", conversationType="channel")
    activity["channelData"]["team"] = {"id": "19:team@thread.tacv2"}
    before = len(bot.connector.posted())
    await bot.post(activity)
    assert "personliga chatt" in str(bot.connector.posted()[before:])
    assert await periods(session) == []


def test_lagesbot_substitute_set_list_and_end(database_url: str) -> None:
    import asyncio

    import time_machine
    from typer.testing import CliRunner

    from cli.main import app
    from storage.db import create_engine, create_session_factory

    async def build() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                await open_round(session)
        finally:
            await engine.dispose()

    asyncio.run(build())
    env = {"DATABASE_URL": database_url}
    runner = CliRunner()
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(
            app, ["substitute", "set", "Anna Lindqvist", "Bo Ek", "20 nov–10 dec"], env=env
        )
        assert result.exit_code == 0, result.output
        assert "Bo Ek är ersättare för Anna Lindqvist 20 nov. 2026 – 10 dec. 2026" in result.output
        result = runner.invoke(app, ["substitute", "list", "anna"], env=env)
        assert "Ersättare: Bo Ek" in result.output
        result = runner.invoke(app, ["substitute", "set", "Anna", "Nobody", "1 juli"], env=env)
        assert result.exit_code == 1 and "Jag hittar ingen" in result.output
        result = runner.invoke(app, ["substitute", "end", "Anna Lindqvist"], env=env)
        assert result.exit_code == 0 and "Perioden är avslutad" in result.output
