"""Through the real endpoint: Avbryt leaves the edit view without storing anything, and after
Skicka on one page of several the thank-you says what is still unanswered elsewhere.

Submits are built from the rendered card the way a Teams client builds them: the action's
data plus every input of the card with its value (what the manager chose or left), never by
hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import verbs
from storage.models import ItemKind, PlanItem, Response, RoundItem
from tests import cardtools
from tests.bot.conftest import BotHarness
from tests.factories import RoundSetup, open_round


async def invoke(bot: BotHarness, activity: dict[str, Any]) -> dict[str, Any]:
    response = await bot.post(activity)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["statusCode"] == 200, body
    return dict(body["value"])


async def press(
    bot: BotHarness, s: RoundSetup, card: dict[str, Any], title: str, **typed: str
) -> dict[str, Any]:
    """The manager presses the button titled ``title``; required drop-downs left empty get
    their first choice, other inputs keep what the card shows unless ``typed`` says else."""
    action = next(a for a in cardtools.actions(card) if a.get("title") == title)
    fields = cardtools.associated_inputs(card, action)
    chosen = {
        key: field["choices"][0]["value"]
        for key, field in fields.items()
        if field.get("isRequired") and field.get("choices") and not field.get("value")
    }
    # What was typed into inputs this button does not send stays in the client (Avbryt).
    sent = {key: value for key, value in typed.items() if key in fields}
    data = cardtools.press(card, action["verb"], {**chosen, **sent}, match=action["data"])
    return await invoke(bot, bot.card_action(user=s.owner, verb=action["verb"], data=data))


async def status_card(bot: BotHarness, s: RoundSetup) -> dict[str, Any]:
    await bot.post(bot.activity(user=s.owner, text="status"))
    return bot.connector.posted_cards()[-1]


async def stored(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(Response.id)))).scalar_one())


async def test_avbryt_returns_to_the_recorded_card_and_stores_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    recorded = await press(bot, s, await status_card(bot, s), "Skicka")
    assert cardtools.inputs(recorded) == {}
    rows = await stored(session)

    form = await press(bot, s, recorded, "Ändra")
    comment = f"comment.{s.goal.id}"
    assert comment in cardtools.inputs(form)
    assert cardtools.action_titles(form)[-2:] == ["Skicka", "Avbryt"]
    back = await press(bot, s, form, "Avbryt", **{comment: "Ett utkast som inte ska sparas."})

    assert cardtools.inputs(back) == {}
    assert cardtools.all_text(back) == cardtools.all_text(recorded)
    assert "Ett utkast" not in cardtools.all_text(back)
    assert "Ändra" in cardtools.action_titles(back)
    assert await stored(session) == rows


async def test_the_thank_you_on_page_one_says_what_is_left_on_the_other_pages(
    bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    extra = 40
    for number in range(extra):
        item = PlanItem(
            plan_id=s.goal.plan_id,
            key=f"M1.{number + 1}",
            kind=ItemKind.GOAL,
            title=f"Delmål {number + 1}: bättre tillgänglighet i länets vårdcentraler",
            owner_id=s.owner.id,
            parent_id=s.goal.id,
            org_unit_id=s.goal.org_unit_id,
            position=10 + number,
        )
        session.add(item)
        await session.flush()
        session.add(RoundItem(round_id=s.round.id, item_id=item.id, owner_id=s.owner.id))
    await session.commit()
    total = 3 + extra

    first = await status_card(bot, s)
    on_page = [key for key in cardtools.inputs(first) if key.startswith("status.")]
    pages = -(-total // len(on_page))
    assert pages >= 2
    assert f"Sida 1 av {pages} · {total} punkter totalt" in cardtools.all_text(first)

    thanks = await press(bot, s, first, "Skicka")
    shown = cardtools.texts(thanks)
    assert "Tack! Dina svar är registrerade." in shown
    left = [min(len(on_page), total - len(on_page) * (page - 1)) for page in range(2, pages + 1)]
    expected = [
        f"{count} punkter på sida {page} är obesvarade."
        if count != 1
        else f"1 punkt på sida {page} är obesvarad."
        for page, count in zip(range(2, pages + 1), left, strict=True)
    ]
    after = shown.index("Tack! Dina svar är registrerade.")
    assert shown[after + 1 : after + 1 + len(expected)] == expected
    assert await stored(session) == len(on_page)

    # The last page answered too: nothing is left, and no page is named any more.
    card = thanks
    for _ in range(pages - 1):
        card = await press(bot, s, card, "Nästa sida")
        card = await press(bot, s, card, "Skicka")
    assert "obesvarad" not in cardtools.all_text(card)
    assert await stored(session) == total
    assert any(a.get("verb") == verbs.EDIT_STATUS for a in cardtools.actions(card))
