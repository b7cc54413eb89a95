"""Review (fastställande) through the real endpoint: complete answers go to the reviewer,
who sends them back with a comment (the owner gets the card again with it) or fastställer
them (locked: the owner's card says by whom and when, and a submit is refused). Everything
is in the append-only review history and the audit log; anyone else is refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from cards.review_card import COMMENT_INPUT
from storage.models import AuditEntry, OutboxJob, OutboxKind, Response, Review, ReviewMode
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.bot.test_manager_card import answers, invoke, status_card
from tests.factories import RoundSetup, open_round, person


async def reviewed_round(session: AsyncSession) -> tuple[RoundSetup, Any]:
    s = await open_round(session)
    lena = await person(session, "Lena Chefsdotter")
    s.owner.line_manager_id = lena.id
    s.round.review = ReviewMode.LINE_MANAGER
    await session.commit()
    return s, lena


async def cards_sent_to(session: AsyncSession, who: Any) -> list[dict[str, Any]]:
    await session.commit()
    query = (
        select(OutboxJob)
        .where(OutboxJob.kind == OutboxKind.NOTICE, OutboxJob.person_id == who.id)
        .order_by(OutboxJob.id)
    )
    return [job.payload["card"] for job in (await session.execute(query)).scalars()]


async def steps(session: AsyncSession) -> list[tuple[str, str | None]]:
    await session.commit()
    rows = await session.execute(select(Review.event, Review.comment).order_by(Review.id))
    return [(str(event), comment) for event, comment in rows.all()]


async def answer_all(bot: BotHarness, s: RoundSetup, changes: dict[str, str] | None = None) -> Any:
    card = await status_card(bot, s)
    if not cardtools.inputs(card):
        card = await invoke(
            bot,
            bot.card_action(
                user=s.owner, verb=verbs.EDIT_STATUS, data=cardtools.press(card, verbs.EDIT_STATUS)
            ),
        )
    data = cardtools.press(card, verbs.SUBMIT_STATUS, {**answers(s), **(changes or {})})
    return await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data))


async def test_send_back_then_fastställ(bot: BotHarness, session: AsyncSession) -> None:
    s, lena = await reviewed_round(session)
    refreshed = await answer_all(bot, s)
    assert "väntar på granskning av Lena Chefsdotter" in cardtools.all_text(refreshed)
    [review_card] = await cards_sent_to(session, lena)
    text = cardtools.all_text(review_card)
    assert "Granska svaren från Anna Lindqvist" in text and "Väntetiderna minskar." in text
    assert await steps(session) == [("submitted", None)]

    # Skicka tillbaka needs a comment: a client that skips the check is answered in the card.
    data = cardtools.press(review_card, verbs.REVIEW_RETURN, client_validates=False)
    card = await invoke(bot, bot.card_action(user=lena, verb=verbs.REVIEW_RETURN, data=data))
    assert "Skriv en kommentar" in cardtools.all_text(card)
    assert await steps(session) == [("submitted", None)]
    data = cardtools.press(review_card, verbs.REVIEW_RETURN, {COMMENT_INPUT: "Komplettera risken."})
    card = await invoke(bot, bot.card_action(user=lena, verb=verbs.REVIEW_RETURN, data=data))
    assert "Skickad tillbaka av Lena Chefsdotter" in cardtools.all_text(card)
    assert cardtools.actions(card) == []
    assert await steps(session) == [("submitted", None), ("returned", "Komplettera risken.")]
    [again] = await cards_sent_to(session, s.owner)
    assert "Komplettera risken." in cardtools.all_text(again)

    # Anna answers again on that card: submitted anew, a new card for Lena.
    data = cardtools.press(again, verbs.SUBMIT_STATUS, {f"likelihood.{s.risk.id}": "2"})
    await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data))
    first, second = await cards_sent_to(session, lena)
    data = cardtools.press(second, verbs.REVIEW_APPROVE)
    card = await invoke(bot, bot.card_action(user=lena, verb=verbs.REVIEW_APPROVE, data=data))
    assert "Fastställd av Lena Chefsdotter" in cardtools.all_text(card)
    # The same press again (a retry) shows the same and stores nothing.
    card = await invoke(bot, bot.card_action(user=lena, verb=verbs.REVIEW_APPROVE, data=data))
    assert "Fastställd av Lena Chefsdotter" in cardtools.all_text(card)
    assert [e for e, _ in await steps(session)] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    # The old card's button finds the answers fastställda since, and stores nothing.
    stale = cardtools.press(first, verbs.REVIEW_APPROVE)
    card = await invoke(bot, bot.card_action(user=lena, verb=verbs.REVIEW_APPROVE, data=stale))
    assert "Fastställd av Lena Chefsdotter" in cardtools.all_text(card)
    assert len(await steps(session)) == 4
    audited = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert [a for a in audited if a.startswith("review.")] == [
        "review.submitted", "review.returned", "review.submitted", "review.approved"
    ]  # fmt: skip

    # Locked: Anna's card says so and has no button; her submit is refused.
    locked = await status_card(bot, s)
    assert "Fastställd av Lena Chefsdotter den" in cardtools.all_text(locked)
    assert cardtools.actions(locked) == [] or all(
        a.get("verb") not in (verbs.EDIT_STATUS, verbs.SUBMIT_STATUS)
        for a in cardtools.actions(locked)
    )
    await session.commit()
    before = len((await session.execute(select(Response.id))).all())
    form = await answer_all_from(bot, s, again)
    assert "fastställda" in cardtools.all_text(form)
    await session.commit()
    assert len((await session.execute(select(Response.id))).all()) == before
    # The item's history shows the review steps.
    history = await invoke(
        bot, bot.card_action(user=s.owner, verb=verbs.SHOW_HISTORY, data={"item_id": s.goal.id})
    )
    assert "Skickad tillbaka av Lena Chefsdotter" in cardtools.all_text(history)
    assert "Komplettera risken." in cardtools.all_text(history)


async def answer_all_from(bot: BotHarness, s: RoundSetup, card: dict[str, Any]) -> Any:
    data = cardtools.press(card, verbs.SUBMIT_STATUS, {f"comment.{s.goal.id}": "Ändrad."})
    return await invoke(bot, bot.card_action(user=s.owner, verb=verbs.SUBMIT_STATUS, data=data))


async def test_only_the_reviewer_may_decide(bot: BotHarness, session: AsyncSession) -> None:
    s, lena = await reviewed_round(session)
    await answer_all(bot, s)
    [review_card] = await cards_sent_to(session, lena)
    for who in (s.owner, s.delegate, s.other):
        data = cardtools.press(review_card, verbs.REVIEW_APPROVE)
        card = await invoke(bot, bot.card_action(user=who, verb=verbs.REVIEW_APPROVE, data=data))
        assert "inte granskare" in cardtools.all_text(card)
        assert "Väntetiderna minskar." not in cardtools.all_text(card)
    assert await steps(session) == [("submitted", None)]


async def test_a_round_without_review_sends_nothing(bot: BotHarness, session: AsyncSession) -> None:
    s = await open_round(session)
    lena = await person(session, "Lena Chefsdotter")
    s.owner.line_manager_id = lena.id
    await session.commit()
    await answer_all(bot, s)
    assert await cards_sent_to(session, lena) == []
    assert await steps(session) == []
