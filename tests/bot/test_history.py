"""An item's history in Teams and on the command line: "historik <punkt>" and the status
card's "Visa historik" show every answer over the rounds (who, when, for whom, status, risk,
value, comment, revision), paged to the card budget; only to those who may see it, and
never in a channel."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cards import paging, verbs
from catalogue import texts
from cli.main import app
from storage.db import create_engine, create_session_factory
from storage.models import (
    PlanItem,
    ReportingRound,
    Response,
    ResponseSource,
    RoundItem,
    RoundState,
)
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import answers, invoke, status_card
from tests.factories import NOW, RoundSetup, open_round, person

SV = texts.for_language("sv")


def answer(
    s: RoundSetup,
    item: PlanItem,
    rnd: ReportingRound,
    revision: int,
    *,
    by: int,
    status: str = "on_track",
    comment: str | None = None,
    at: Any = None,
) -> Response:
    return Response(
        round_id=rnd.id,
        item_id=item.id,
        revision=revision,
        status_key=status,
        comment=comment,
        answered_by_id=by,
        answered_at=at or NOW - timedelta(hours=10 - revision),
        source=ResponseSource.TEAMS_CARD,
    )


async def with_history(session: AsyncSession) -> RoundSetup:
    """Anna's goal was answered in a closed earlier round, and twice in this one; Bo (her
    delegate) answered her risk."""
    s = await open_round(session)
    earlier = ReportingRound(
        key=f"{s.round.key}-t1",
        name="Tertial 1 2026",
        plan_id=s.round.plan_id,
        state=RoundState.CLOSED,
        opens_at=NOW - timedelta(days=200),
        deadline_at=NOW - timedelta(days=190),
        closed_at=NOW - timedelta(days=180),
        status_scale_id=s.round.status_scale_id,
        risk_scale_id=s.round.risk_scale_id,
    )
    session.add(earlier)
    await session.flush()
    session.add(RoundItem(round_id=earlier.id, item_id=s.goal.id, owner_id=s.owner.id))
    at = NOW - timedelta(days=195)
    session.add_all(
        [
            answer(s, s.goal, earlier, 1, by=s.owner.id, status="deviation", at=at,
                   comment="Personalbrist i våras."),
            answer(s, s.goal, s.round, 1, by=s.owner.id, comment="Bättre nu."),
            answer(s, s.goal, s.round, 2, by=s.owner.id, comment="Väntetiderna minskar."),
            answer(s, s.risk, s.round, 1, by=s.delegate.id, status="at_risk"),
        ]
    )  # fmt: skip
    await session.commit()
    return s


async def said(bot: BotHarness, user: Any, text: str, **kw: Any) -> list[dict[str, Any]]:
    before = len(bot.connector.posted())
    response = await bot.post(bot.activity(user=user, text=text, **kw))
    assert response.status in (200, 201, 202), await response.text()
    return bot.connector.posted()[before:]


def shown(posted: list[dict[str, Any]]) -> str:
    out = [p.get("text") or "" for p in posted]
    for p in posted:
        for a in p.get("attachments") or []:
            out.append(cardtools.all_text(a["content"]))
    return "\n".join(out)


async def test_historik_shows_every_answer_over_the_rounds_newest_first(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await with_history(session)
    [posted] = await said(bot, s.owner, "historik m1")
    [card] = [a["content"] for a in posted["attachments"]]
    text = cardtools.all_text(card)
    assert "Historik – Kortare väntetider i vården" in text
    assert "3 svar i 2 omgångar" in text
    lines = cardtools.texts(card)
    # This round (newest revision first), then the earlier round.
    order = [lines.index(t) for t in ("Tertial 2 2026", "Väntetiderna minskar.", "Bättre nu.",
                                       "Tertial 1 2026", "Personalbrist i våras.")]  # fmt: skip
    assert order == sorted(order)
    assert "Version 2 · Registrerat av Anna Lindqvist" in text
    assert "Status: Avvikelse" in text
    assert paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES


async def test_a_delegates_answer_says_for_whom(bot: BotHarness, session: AsyncSession) -> None:
    s = await with_history(session)
    posted = await said(bot, s.owner, "historik R1")
    assert "Registrerat av Bo Ek för Anna Lindqvist" in shown(posted)


async def test_visa_historik_on_the_status_card_and_back(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    recorded = await invoke(
        bot,
        bot.card_action(
            user=s.owner,
            verb=verbs.SUBMIT_STATUS,
            data=cardtools.press(card, verbs.SUBMIT_STATUS, answers(s)),
        ),
    )
    assert SV.t("history.show") in cardtools.action_titles(recorded)
    data = cardtools.press(recorded, verbs.SHOW_HISTORY, match={"item_id": s.indicator.id})
    history = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SHOW_HISTORY, data=data))
    text = cardtools.all_text(history)
    assert "Historik – Andel operationer inom 90 dagar" in text
    assert "Värde 72,5 %" in text
    back = await invoke(
        bot,
        bot.card_action(
            user=s.owner, verb=verbs.SHOW_PAGE, data=cardtools.press(history, verbs.SHOW_PAGE)
        ),
    )
    assert SV.t("card.recorded_thanks") in cardtools.all_text(back)


async def test_the_form_has_no_history_button(bot: BotHarness, session: AsyncSession) -> None:
    s = await open_round(session)
    card = await status_card(bot, s)
    assert SV.t("history.show") not in cardtools.action_titles(card)


async def test_several_matches_are_offered_as_buttons(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await with_history(session)
    [posted] = await said(bot, s.owner, "historik i")  # in several titles
    [card] = [a["content"] for a in posted["attachments"]]
    assert "Flera punkter passar" in cardtools.all_text(card)
    data = cardtools.press(card, verbs.SHOW_HISTORY, match={"item_id": s.goal.id})
    history = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SHOW_HISTORY, data=data))
    assert "Väntetiderna minskar." in cardtools.all_text(history)


async def test_unknown_and_not_allowed_items_are_answered_clearly(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await with_history(session)
    assert "Jag hittar ingen punkt" in shown(await said(bot, s.owner, "historik X99"))
    refused = shown(await said(bot, s.other, "historik M1"))
    assert "Du kan inte se historiken" in refused
    assert "Väntetiderna" not in refused and "Kortare väntetider" not in refused
    # A replayed button of Anna's is refused as well.
    data = {"item_id": s.goal.id}
    card = await invoke(bot, bot.card_action(user=s.other, verb=verbs.SHOW_HISTORY, data=data))
    assert "Väntetiderna" not in cardtools.all_text(card)
    assert SV.t("history.not_allowed_card") in cardtools.all_text(card)
    assert "historik" in shown(await said(bot, s.owner, "historik"))


async def test_the_line_manager_sees_the_history(bot: BotHarness, session: AsyncSession) -> None:
    s = await with_history(session)
    lena = await person(session, "Lena Chefsdotter")
    s.owner.line_manager_id = lena.id
    await session.commit()
    assert "Väntetiderna minskar." in shown(await said(bot, lena, "historik M1"))


async def test_in_a_channel_history_is_a_pointer_to_the_1_1_chat(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await with_history(session)
    activity = bot.activity(user=s.owner, text="historik M1")
    activity["conversation"].update(id="19:kanal@thread.tacv2", conversationType="channel")
    activity["channelData"]["team"] = {"id": "19:team@thread.tacv2"}
    before = len(bot.connector.posted())
    await bot.post(activity)
    text = shown(bot.connector.posted()[before:])
    assert "personliga chatt" in text
    assert "Väntetiderna" not in text and "Kortare väntetider" not in text


async def test_a_long_history_is_paged_within_the_card_budget(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    session.add_all(
        answer(s, s.goal, s.round, n, by=s.owner.id, comment=f"{n}: " + "Lång text. " * 180)
        for n in range(1, 41)
    )
    await session.commit()
    [posted] = await said(bot, s.owner, "historik M1")
    card = posted["attachments"][0]["content"]
    assert paging.card_size(card) <= paging.DEFAULT_BUDGET_BYTES
    assert "Sida 1 av" in cardtools.all_text(card)
    assert "40: " in cardtools.all_text(card)  # newest first
    data = cardtools.press(card, verbs.SHOW_HISTORY)
    page2 = await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SHOW_HISTORY, data=data))
    assert "Sida 2 av" in cardtools.all_text(page2)
    assert paging.card_size(page2) <= paging.DEFAULT_BUDGET_BYTES


def test_lagesbot_history_prints_the_same(database_url: str) -> None:
    async def build() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                await with_history(session)
        finally:
            await engine.dispose()

    asyncio.run(build())
    result = CliRunner().invoke(app, ["history", "M1"], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Historik – Kortare väntetider i vården" in out
    assert out.index("Väntetiderna minskar.") < out.index("Personalbrist i våras.")
    assert "Version 2 · Registrerat av Anna Lindqvist" in out
    result = CliRunner().invoke(app, ["history", "X99"], env={"DATABASE_URL": database_url})
    assert result.exit_code == 1 and "Jag hittar ingen punkt" in result.output
