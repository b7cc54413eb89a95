"""Admins managed in Teams, through the real endpoint: the bootstrap list (LAGESBOT_ADMINS)
plus those an admin adds; removing one takes the rights away at the next press; every change
is stored (never deleted) and audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import controller_cards as cc
from cards import verbs
from services.privacy.erase import erase_person
from storage import admins as admin_store
from storage.models import AdminGrant, AuditEntry
from tests import cardtools
from tests.admin.helpers import NOW, region
from tests.bot.conftest import BotHarness


async def says(bot: BotHarness, user: Any, text: str) -> dict[str, Any]:
    before = len(bot.connector.posted())
    await bot.post(bot.activity(user=user, text=text))
    [posted] = bot.connector.posted()[before:]
    return dict(posted)


async def admin_card(bot: BotHarness, user: Any) -> dict[str, Any]:
    [attachment] = (await says(bot, user, "administratörer"))["attachments"]
    return dict(attachment["content"])


async def presses(
    bot: BotHarness, user: Any, card: dict[str, Any], verb: str, **typed: Any
) -> dict[str, Any]:
    data = cardtools.press(card, verb, typed or None)
    response = await bot.post(bot.card_action(user=user, verb=verb, data=data))
    return dict((await response.json())["value"])


async def test_an_added_admin_can_administer_until_removed(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    assert "administratörer" in (await says(bot, r.anna, "rundor"))["text"]
    card = await admin_card(bot, r.admin)
    assert "LAGESBOT_ADMINS" in cardtools.all_text(card)

    added = await presses(bot, r.admin, card, verbs.ADMINS_ADD, **{cc.ADMIN_IDENTITY: r.anna.upn})
    assert "Anna Lindqvist" in cardtools.all_text(added) and "är nu administratör" in (
        cardtools.all_text(added)
    )
    assert (await says(bot, r.anna, "rundor")).get("attachments"), "Anna sees the round list"

    removed = await presses(bot, r.admin, added, verbs.ADMINS_REMOVE)
    assert "är inte längre administratör" in cardtools.all_text(removed)
    assert "administratörer" in (await says(bot, r.anna, "rundor"))["text"]
    await session.commit()
    [grant] = (await session.execute(select(AdminGrant))).scalars()
    assert grant.identity == r.anna.upn and grant.removed_at is not None
    actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert actions == ["admin_rights.grant", "admin_rights.revoke"]


async def test_adding_twice_or_nonsense_changes_nothing(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    card = await admin_card(bot, r.admin)
    await presses(bot, r.admin, card, verbs.ADMINS_ADD, **{cc.ADMIN_IDENTITY: r.bo.upn})
    again = await presses(bot, r.admin, card, verbs.ADMINS_ADD, **{cc.ADMIN_IDENTITY: r.bo.upn})
    assert "är redan administratör" in cardtools.all_text(again)
    nonsense = await presses(bot, r.admin, card, verbs.ADMINS_ADD, **{cc.ADMIN_IDENTITY: "bo"})
    assert "Skriv en UPN" in cardtools.all_text(nonsense)
    await session.commit()
    assert len(list((await session.execute(select(AdminGrant))).scalars())) == 1


async def test_an_admin_cannot_remove_themselves(bot: BotHarness, session: AsyncSession) -> None:
    r = await region(session)
    card = await admin_card(bot, r.admin)
    await presses(bot, r.admin, card, verbs.ADMINS_ADD, **{cc.ADMIN_IDENTITY: r.bo.upn})
    bo_card = await admin_card(bot, r.bo)
    refused = await presses(bot, r.bo, bo_card, verbs.ADMINS_REMOVE)
    assert "Du kan inte ta bort dig själv" in cardtools.all_text(refused)
    assert (await says(bot, r.bo, "rundor")).get("attachments")


async def test_erasing_a_person_removes_them_from_the_admin_grants(session: AsyncSession) -> None:
    r = await region(session)
    await admin_store.grant(
        session, r.anna.upn, display_name=r.anna.display_name, actor=r.admin.upn, now=NOW
    )
    await erase_person(session, r.anna, actor="cli:dataskydd", now=NOW)
    await session.commit()
    [grant] = (await session.execute(select(AdminGrant))).scalars()
    assert "anna" not in grant.identity.lower()
    assert "Anna" not in (grant.display_name or "")
