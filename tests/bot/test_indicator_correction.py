"""A manager corrects a loaded indicator value from the status card, through the real
endpoint: the correction needs a reason, is a new value beside the loaded one and is the
answer's value; without a reason nothing is stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from storage import indicators as indicator_store
from storage import responses as response_store
from storage.models import IndicatorValue
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import answers, invoke, status_card, stored
from tests.factories import RoundSetup, open_round


async def _loaded(session: AsyncSession) -> RoundSetup:
    s = await open_round(session)
    await indicator_store.append_value(
        session,
        item_id=s.indicator.id,
        period=indicator_store.round_period(s.round),
        value=Decimal(74),
        source="datalagret",
        as_of=date(2026, 11, 30),
        recorded_by="lagesbot-scheduler",
    )
    await session.commit()
    return s


async def _values(session: AsyncSession) -> list[tuple[str, str, str | None, str]]:
    rows = (await session.scalars(select(IndicatorValue).order_by(IndicatorValue.revision))).all()
    return [(str(v.value), v.source, v.reason, v.recorded_by) for v in rows]


async def test_a_correction_with_a_reason_is_stored_beside_the_loaded_value(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await _loaded(session)
    card = await status_card(bot, s)
    assert "från datalagret" in cardtools.all_text(card)
    assert {f"correction.{s.indicator.id}", f"reason.{s.indicator.id}"} <= set(
        cardtools.inputs(card)
    )
    typed = {
        **answers(s),
        f"correction.{s.indicator.id}": "76,5",
        f"reason.{s.indicator.id}": "Datalagret saknade december.",
    }
    data = cardtools.press(card, verbs.SUBMIT_STATUS, typed)
    refreshed = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data)
    )

    text = cardtools.all_text(refreshed)
    assert "Utfall 76,5" in text and "rättat av chefen" in text
    assert "Datalagret saknade december." in text
    assert await _values(session) == [
        ("74.0000", "datalagret", None, "lagesbot-scheduler"),
        ("76.5000", indicator_store.CORRECTION_SOURCE, "Datalagret saknade december.", s.owner.upn),
    ]
    current = await response_store.current_answers(session, s.round.id, [s.indicator.id])
    assert current[s.indicator.id].value == Decimal("76.5")


async def test_a_correction_without_a_reason_is_refused_and_nothing_is_stored(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await _loaded(session)
    card = await status_card(bot, s)
    typed = {**answers(s), f"correction.{s.indicator.id}": "76,5"}
    data = cardtools.press(card, verbs.SUBMIT_STATUS, typed)
    refused = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data))

    assert "Skriv varför du rättar utfallet. Inget sparades." in cardtools.all_text(refused)
    assert cardtools.inputs(refused)[f"correction.{s.indicator.id}"]["value"] == "76,5"
    assert await stored(session) == 0
    assert await _values(session) == [("74.0000", "datalagret", None, "lagesbot-scheduler")]


async def test_a_reason_alone_corrects_nothing(bot: BotHarness, session: AsyncSession) -> None:
    s = await _loaded(session)
    card = await status_card(bot, s)
    typed = {**answers(s), f"reason.{s.indicator.id}": "Bara en tanke."}
    data = cardtools.press(card, verbs.SUBMIT_STATUS, typed)
    await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data))
    assert await stored(session) == 3
    assert len(await _values(session)) == 1
