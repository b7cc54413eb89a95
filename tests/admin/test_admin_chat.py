"""Admins run rounds in their 1:1 chat with the bot, through the real endpoint: the form,
the preview, opening and scheduling, the round list with extend/close/copy, refusals for
everyone else, and a manager's late answer after the round closed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import admin_cards, verbs
from services.followup import round_admin
from services.followup.round_admin import parse_round_values
from storage import rounds as round_store
from storage.models import (
    OrgUnit,
    OutboxKind,
    OutboxState,
    ReportingRound,
    ReportRequest,
    Response,
    RoundState,
    RoundSummary,
)
from storage.outbox import mark_failed
from tests import cardtools
from tests.admin.helpers import Region, audit_actions, count, outbox_jobs, region, values
from tests.bot.conftest import BotHarness
from tests.cardtools import press
from tests.factories import NOW

Card = dict[str, Any]


async def invoke(bot: BotHarness, activity: dict[str, Any]) -> Card:
    response = await bot.post(activity)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["statusCode"] == 200, body
    return dict(body["value"])


async def say(bot: BotHarness, user: Any, text: str) -> tuple[list[Card], list[str]]:
    before_cards, before_texts = len(bot.connector.posted_cards()), len(bot.connector.posted())
    response = await bot.post(bot.activity(user=user, text=text))
    assert response.status in (200, 201, 202), await response.text()
    return bot.connector.posted_cards()[before_cards:], bot.connector.posted_texts()[before_texts:]


async def stored_state(session: AsyncSession, rnd: ReportingRound) -> RoundState:
    await session.refresh(rnd)
    return rnd.state


def start(preview: Card, when: str) -> dict[str, Any]:
    """What the preview's "Öppna nu" (when="now") or "Schemalägg" button sends."""
    return press(preview, verbs.ADMIN_CREATE_ROUND, match={"start": when})


def local(moment: datetime) -> tuple[str, str]:
    value = moment.astimezone(round_admin.local_zone())
    return value.date().isoformat(), value.strftime("%H:%M")


FORM = {
    "name": "Tertial 1 2027",
    "opens_date": "2026-11-23",
    "opens_time": "13:00",
    "deadline_date": "2026-12-04",
    "deadline_time": "16:00",
}


async def form(bot: BotHarness, r: Region) -> Card:
    cards, _ = await say(bot, r.admin, "ny runda")
    assert len(cards) == 1
    return cards[0]


async def test_an_admin_gets_the_round_form(bot: BotHarness, session: AsyncSession) -> None:
    r = await region(session)
    card = await form(bot, r)
    fields = cardtools.inputs(card)
    assert set(admin_cards.FORM_INPUTS) <= set(fields)
    assert fields["plan"]["value"] == "rs-vp-2027"  # the only plan is chosen already
    units = [(c["value"], c["title"]) for c in fields["org_units"]["choices"]]
    assert units == [  # the tree, indented by depth
        ("RS", "Regionstyrelsen (RS)"),
        ("HSN", "· Hälso- och sjukvårdsnämnden (HSN)"),
        ("HSF-KIR", "· · Kirurgiska kliniken (HSF-KIR)"),
        ("RUN", "· Regional utvecklingsnämnd (RUN)"),
    ]
    assert fields["org_units"]["isMultiSelect"] is True
    assert fields["opens_date"]["type"] == "Input.Date"
    assert fields["deadline_time"]["type"] == "Input.Time"
    assert "Ny rapportomgång" in cardtools.all_text(card)
    assert "Förhandsgranska" in cardtools.action_titles(card)


async def test_an_admin_listed_by_upn_is_an_admin_too(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    cards, texts = await say(bot, r.upn_admin, "rundor")
    assert cards and "Rapportomgångar" in cardtools.all_text(cards[0]), texts


async def test_others_are_refused_and_nothing_changes(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    cards, texts = await say(bot, r.anna, "ny runda")
    assert cards == []
    assert texts == ["Det här kan bara administratörer av Lägesbot göra. Ingenting har ändrats."]

    # Anna replays the buttons of cards the admin was shown.
    preview = await invoke(
        bot,
        bot.card_action(
            user=r.admin,
            verb=verbs.ADMIN_PREVIEW_ROUND,
            data=press(await form(bot, r), verbs.ADMIN_PREVIEW_ROUND, FORM),
        ),
    )
    refused = await invoke(
        bot, bot.card_action(user=r.anna, verb=verbs.ADMIN_CREATE_ROUND, data=start(preview, "now"))
    )
    assert "bara administratörer" in cardtools.all_text(refused)
    assert await count(session, ReportingRound) == 0

    spec = parse_round_values(values())
    rnd = (await round_admin.create_round(session, spec, start="now", now=NOW, actor="admin")).round
    await session.commit()
    listed = (await say(bot, r.admin, "rundor"))[0][0]
    confirm = await invoke(
        bot,
        bot.card_action(
            user=r.admin,
            verb=verbs.ADMIN_CONFIRM_CLOSE,
            data=press(listed, verbs.ADMIN_CONFIRM_CLOSE),
        ),
    )
    day, clock = local(rnd.deadline_at + timedelta(days=7))
    for verb, data in (
        (verbs.ADMIN_CLOSE_ROUND, press(confirm, verbs.ADMIN_CLOSE_ROUND)),
        (
            verbs.ADMIN_EXTEND_ROUND,
            press(
                listed,
                verbs.ADMIN_EXTEND_ROUND,
                {
                    admin_cards.extend_date_id(rnd.id): day,
                    admin_cards.extend_time_id(rnd.id): clock,
                },
            ),
        ),
        (verbs.ADMIN_LIST_ROUNDS, press(listed, verbs.ADMIN_LIST_ROUNDS)),
    ):
        refused = await invoke(bot, bot.card_action(user=r.anna, verb=verb, data=data))
        assert "bara administratörer" in cardtools.all_text(refused)
        assert "Tertial 1 2027" not in cardtools.all_text(refused)
    assert await stored_state(session, rnd) == RoundState.OPEN
    assert await audit_actions(session) == ["round.create", "round.open"]


async def test_invalid_input_comes_back_with_errors_beside_the_fields(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    # A unit that is in the form's list when it is shown and gone when the admin presses.
    gone = OrgUnit(key="NOPE", name="Nedlagd enhet")
    session.add(gone)
    await session.commit()
    card = await form(bot, r)
    await session.delete(gone)
    await session.commit()
    data = press(
        card,
        verbs.ADMIN_PREVIEW_ROUND,
        {**FORM, "deadline_date": "2026-11-20", "org_units": "HSN,NOPE"},
    )
    again = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    assert cardtools.text_after_input(again, "deadline_time") == [
        "Sista svarsdag måste vara efter öppningstiden."
    ]
    assert cardtools.text_after_input(again, "org_units") == ["Okända enheter: NOPE."]
    fields = cardtools.inputs(again)
    assert fields["name"]["value"] == "Tertial 1 2027"  # what the admin typed stays
    assert fields["deadline_date"]["value"] == "2026-11-20"
    assert "Ingenting har sparats" in cardtools.all_text(again)

    # From a client that sends without checking the required fields.
    data = press(
        card,
        verbs.ADMIN_PREVIEW_ROUND,
        {**FORM, "opens_date": "", "name": ""},
        client_validates=False,
    )
    again = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    assert cardtools.text_after_input(again, "opens_date") == ["Måste fyllas i."]
    assert cardtools.text_after_input(again, "name") == ["Måste fyllas i."]

    data = press(card, verbs.ADMIN_PREVIEW_ROUND, {**FORM, "opens_date": "2026-02-30"})
    again = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    assert cardtools.text_after_input(again, "opens_time") == [
        "Ange datum och tid, t.ex. 2027-05-07 16:00 (är 2026-02-30 13:00)."
    ]

    # The plan has no assignments: nobody would be asked.
    data = press(card, verbs.ADMIN_PREVIEW_ROUND, {**FORM, "kinds": "assignment"})
    again = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    assert cardtools.text_after_input(again, "kinds") == [
        "Inga punkter med ägare finns i det här urvalet. Välj andra enheter eller typer."
    ]
    # The form comes back with errors and no "Öppna nu": there is nothing to open from it.
    assert verbs.ADMIN_CREATE_ROUND not in {a.get("verb") for a in cardtools.actions(again)}
    assert await count(session, ReportingRound) == 0
    assert await audit_actions(session) == []


async def test_preview_shows_who_is_asked_and_stores_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    card = await form(bot, r)
    data = press(card, verbs.ADMIN_PREVIEW_ROUND, {**FORM, "org_units": "HSN"})
    preview = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    text = cardtools.all_text(preview)
    assert "2 personer tillfrågas om 4 punkter." in text
    assert "Anna Lindqvist" in text and "3 punkter" in text
    assert "Bo Ek" in text and "1 punkt" in text and "1 punkter" not in text
    assert "Cecilia Berg" not in text
    assert "Hälso- och sjukvårdsnämnden" in text
    assert "23 nov. 2026 13:00" in text and "4 dec. 2026 16:00" in text
    assert {"Öppna nu", "Schemalägg", "Tillbaka"} <= set(cardtools.action_titles(preview))
    assert await count(session, ReportingRound) == 0

    back = await invoke(
        bot,
        bot.card_action(
            user=r.admin, verb=verbs.ADMIN_ROUND_FORM, data=press(preview, verbs.ADMIN_ROUND_FORM)
        ),
    )
    assert cardtools.inputs(back)["org_units"]["value"] == "HSN"


async def test_open_now_asks_every_owner_once_even_when_pressed_twice(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    card = await form(bot, r)
    data = press(card, verbs.ADMIN_PREVIEW_ROUND, FORM)
    preview = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    action = bot.card_action(
        user=r.admin, verb=verbs.ADMIN_CREATE_ROUND, data=start(preview, "now")
    )
    listed = await invoke(bot, action)
    assert "Omgången Tertial 1 2027 är öppen." in cardtools.all_text(listed)
    rnd = (await session.execute(select(ReportingRound))).scalar_one()
    assert rnd.state == RoundState.OPEN
    assert rnd.created_by == r.admin.upn
    people = set(
        (
            await session.execute(
                select(ReportRequest.person_id).where(ReportRequest.round_id == rnd.id)
            )
        ).scalars()
    )
    assert people == {r.anna.id, r.bo.id, r.cecilia.id}
    jobs = [j for j in await outbox_jobs(session, rnd.id) if j.kind == OutboxKind.REQUEST]
    assert len(jobs) == 3

    again = await invoke(bot, action)
    assert "redan gjort" in cardtools.all_text(again)
    assert await count(session, ReportingRound) == 1
    assert len(await outbox_jobs(session, rnd.id)) == 3
    assert await audit_actions(session) == ["round.create", "round.open"]


async def test_schedule_from_the_preview(bot: BotHarness, session: AsyncSession) -> None:
    r = await region(session)
    card = await form(bot, r)
    data = press(card, verbs.ADMIN_PREVIEW_ROUND, FORM)
    preview = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    listed = await invoke(
        bot,
        bot.card_action(
            user=r.admin, verb=verbs.ADMIN_CREATE_ROUND, data=start(preview, "schedule")
        ),
    )
    assert "schemalagd och öppnas 23 nov. 2026 13:00" in cardtools.all_text(listed)
    rnd = (await session.execute(select(ReportingRound))).scalar_one()
    assert rnd.state == RoundState.SCHEDULED
    assert rnd.opens_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert await count(session, ReportRequest) == 0


async def test_the_round_list_extends_closes_and_copies(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    spec = parse_round_values(values())
    rnd = (await round_admin.create_round(session, spec, start="now", now=NOW, actor="admin")).round
    await session.commit()
    # Anna has her status card from before the round closes.
    status_cards, _ = await say(bot, r.anna, "status")
    assert status_cards

    cards, _ = await say(bot, r.admin, "rundor")
    listed = cards[0]
    text = cardtools.all_text(listed)
    assert "Tertial 1 2027" in text and "Öppen" in text
    assert "Svar: 0 av 6 punkter, 0 av 3 personer klara." in text
    # However far a running sender got: three cards, none failed.
    fanout = re.search(r"Utskick: (\d+) skickade, 0 misslyckade, (\d+) väntar\.", text)
    assert fanout is not None and int(fanout[1]) + int(fanout[2]) == 3

    new_deadline = rnd.deadline_at + timedelta(days=7)
    day, clock = local(new_deadline)
    data = press(
        listed,
        verbs.ADMIN_EXTEND_ROUND,
        {admin_cards.extend_date_id(rnd.id): day, admin_cards.extend_time_id(rnd.id): clock},
    )
    extended = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_EXTEND_ROUND, data=data)
    )
    extended_text = cardtools.all_text(extended)
    assert "Ny sista svarsdag för Tertial 1 2027: 11 dec. 2026 16:00." in extended_text
    await session.refresh(rnd)
    assert rnd.deadline_at == new_deadline

    data = press(listed, verbs.ADMIN_EXTEND_ROUND, {admin_cards.extend_date_id(rnd.id): "x"})
    refused = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_EXTEND_ROUND, data=data)
    )
    assert "Ange datum och tid" in cardtools.all_text(refused)

    confirm = await invoke(
        bot,
        bot.card_action(
            user=r.admin,
            verb=verbs.ADMIN_CONFIRM_CLOSE,
            data=press(listed, verbs.ADMIN_CONFIRM_CLOSE),
        ),
    )
    assert "Stänga Tertial 1 2027?" in cardtools.all_text(confirm)
    assert await stored_state(session, rnd) == RoundState.OPEN  # asking is not closing
    closed = await invoke(
        bot,
        bot.card_action(
            user=r.admin, verb=verbs.ADMIN_CLOSE_ROUND, data=press(confirm, verbs.ADMIN_CLOSE_ROUND)
        ),
    )
    assert "Omgången Tertial 1 2027 är stängd." in cardtools.all_text(closed)
    assert await stored_state(session, rnd) == RoundState.CLOSED
    assert await count(session, RoundSummary) == 1
    actors = await audit_actions(session)
    assert actors[-2:] == ["round.extend", "round.close"]

    # Anna answers on the card she still has: refused, nothing stored.
    status = status_cards[0]
    first_choice = {
        key: field["choices"][0]["value"]
        for key, field in cardtools.inputs(status).items()
        if key.startswith("status.")
    }
    submit = press(status, verbs.SUBMIT_STATUS, first_choice)
    late = await invoke(bot, bot.card_action(user=r.anna, verb=verbs.SUBMIT_STATUS, data=submit))
    assert "Omgången är stängd" in cardtools.all_text(late)
    assert cardtools.inputs(late) == {}
    assert await count(session, Response) == 0

    copy = await invoke(
        bot,
        bot.card_action(
            user=r.admin, verb=verbs.ADMIN_COPY_ROUND, data=press(closed, verbs.ADMIN_COPY_ROUND)
        ),
    )
    fields = cardtools.inputs(copy)
    assert "Nästa period efter Tertial 1 2027" in cardtools.all_text(copy)
    assert fields["reminders"]["value"] == "3, 1"
    assert fields["opens_date"]["value"] == "2026-12-23"  # one month on
    preview = press(copy, verbs.ADMIN_PREVIEW_ROUND, name="Tertial 2 2027")
    assert preview["copy_of"] == rnd.key
    shown = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=preview)
    )
    assert "Förra svaren från" in cardtools.all_text(shown)
    await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_CREATE_ROUND, data=start(shown, "now"))
    )
    second = await round_store.get_round_by_key(session, "tertial-2-2027")
    assert second is not None and second.previous_round_id == rnd.id


async def test_failed_cards_show_why_and_can_be_sent_again(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    spec = parse_round_values(values())
    rnd = (await round_admin.create_round(session, spec, start="now", now=NOW, actor="admin")).round
    job = next(j for j in await outbox_jobs(session, rnd.id) if j.person_id == r.bo.id)
    mark_failed(job, status=403, error="Forbidden: the user blocked the bot")
    await session.commit()

    cards, _ = await say(bot, r.admin, "rundor")
    text = cardtools.all_text(cards[0])
    assert "Misslyckades: Bo Ek (403: Forbidden: the user blocked the bot)" in text
    retried = await invoke(
        bot,
        bot.card_action(
            user=r.admin,
            verb=verbs.ADMIN_RETRY_FAILED,
            data=press(cards[0], verbs.ADMIN_RETRY_FAILED),
        ),
    )
    assert "1 misslyckat utskick försöker igen" in cardtools.all_text(retried)
    await session.refresh(job)
    assert job.state != OutboxState.FAILED
    assert job.attempts == 0 or job.state == OutboxState.SENT
    assert (await audit_actions(session))[-1] == "round.retry_failed"


async def test_an_admin_who_prefers_english_gets_english_cards(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    r.admin.preferred_language = "en"
    await session.commit()
    cards, _ = await say(bot, r.admin, "new round")
    assert "New reporting round" in cardtools.all_text(cards[0])
    assert "Preview" in cardtools.action_titles(cards[0])
    data = press(cards[0], verbs.ADMIN_PREVIEW_ROUND, {**FORM, "deadline_date": "2026-11-20"})
    again = await invoke(
        bot, bot.card_action(user=r.admin, verb=verbs.ADMIN_PREVIEW_ROUND, data=data)
    )
    assert cardtools.text_after_input(again, "deadline_time") == [
        "The deadline must be after the open time."
    ]
    cards, _ = await say(bot, r.admin, "rounds")
    assert "There are no rounds yet." in cardtools.all_text(cards[0])
