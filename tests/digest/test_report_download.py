"""A steering group's `sammanfattning` card in an open round offers the Word report as it
stands: a short-lived signed link the bot serves. Pressed as Teams would (Action.OpenUrl opens
the address in the browser), it downloads the group's document; an altered, expired or
made-up link gets nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import docx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting import report_links
from storage.models import RoundState
from tests import cardtools
from tests.bot.conftest import BotHarness, running_bot
from tests.digest.helpers import answer, answered_round, steering_group
from tests.digest.test_channel import in_channel
from tests.factories import NOW, open_round

PUBLIC_URL = "https://lagesbot.region-exempel.se"
SECRET = "report-link-secret-for-tests-0123456789"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest_asyncio.fixture(loop_scope="session")
async def linked_bot(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    # Its own folder: each harness writes its local CA there.
    folder = tmp_path / "linked"
    folder.mkdir()
    async with running_bot(
        database_url, folder, public_url=PUBLIC_URL, report_link_secret=SECRET
    ) as harness:
        yield harness


def report_action(card: dict[str, object]) -> dict[str, str]:
    (action,) = [
        a
        for a in cardtools.actions(card)
        if a["type"] == "Action.OpenUrl" and a["title"] == "Rapport i Word, läget nu"
    ]
    return action


async def get(bot: BotHarness, url: str) -> tuple[int, dict[str, str], bytes]:
    """Open the link as the browser Teams hands it to would, at the bot's test address."""
    path = urlsplit(url).path
    async with bot.http.get(bot.url + path) as response:
        return response.status, dict(response.headers), await response.read()


async def test_the_channel_digest_links_the_groups_report_as_it_stands(
    linked_bot: BotHarness, session: AsyncSession
) -> None:
    bot = linked_bot
    s = await open_round(session)
    await answered_round(session, s)
    await steering_group(session)

    await bot.post(in_channel(bot, s.owner, "sammanfattning"))
    (card,) = bot.connector.posted_cards()
    action = report_action(card)
    assert action["url"].startswith(PUBLIC_URL + "/api/reports/")

    # Cecilia answers after the card was posted: the document is made when the link is opened.
    answer(session, s, s.other_item, "on_track", comment="Klart i december")
    await session.commit()
    status, headers, body = await get(bot, action["url"])
    assert status == 200
    assert headers["Content-Type"].startswith(DOCX)
    assert headers["Content-Disposition"].startswith('attachment; filename="lagesbot-')
    assert headers["Cache-Control"] == "no-store"
    document = docx.Document(io.BytesIO(body))
    text = [p.text for p in document.paragraphs]
    assert "Styrgrupp: Regionstyrelsens styrgrupp" in text
    assert "Alla ansvariga har svarat för alla sina punkter." in text

    # An hour later the link has expired; a changed token was never valid.
    bot.clock.now = NOW + timedelta(minutes=61)
    status, _, body = await get(bot, action["url"])
    assert status == 410 and "sammanfattning" in body.decode()
    bot.clock.now = NOW
    token = urlsplit(action["url"]).path.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    forged = report_links.ReportLink(s.round.id + 1, 1, "sv", NOW + timedelta(days=1))
    forged_payload = report_links.sign("guess", forged).split(".")[0]
    for bad in (f"{forged_payload}.{signature}", f"{payload}.x{signature[1:]}", "nonsense"):
        status, _, body = await get(bot, f"{PUBLIC_URL}/api/reports/{bad}")
        assert (status, body.decode()) == (403, "Länken är inte giltig.\n")


async def test_no_link_without_configuration_or_once_the_round_is_closed(
    bot: BotHarness, linked_bot: BotHarness, session: AsyncSession
) -> None:
    s = await open_round(session)
    await answered_round(session, s)
    await steering_group(session)

    await bot.post(in_channel(bot, s.owner, "sammanfattning"))
    (card,) = bot.connector.posted_cards()
    titles = [a["title"] for a in cardtools.actions(card)]
    assert "Rapport i Word, läget nu" not in titles

    s.round.state = RoundState.CLOSED
    s.round.closed_at = NOW
    await session.commit()
    await linked_bot.post(in_channel(linked_bot, s.owner, "sammanfattning"))
    (card,) = linked_bot.connector.posted_cards()
    assert "Rapport i Word, läget nu" not in [a["title"] for a in cardtools.actions(card)]


def test_a_token_names_round_group_language_and_expiry() -> None:
    link = report_links.ReportLink(7, 3, "en", NOW + timedelta(hours=1))
    token = report_links.sign(SECRET, link)
    assert report_links.verify(SECRET, token, NOW) == link
    for secret, at in ((SECRET, link.expires_at), ("other", NOW), ("", NOW)):
        try:
            report_links.verify(secret, token, at)
        except report_links.LinkRefused as refused:
            assert refused.reason == ("expired" if secret == SECRET else "invalid")
        else:
            raise AssertionError("accepted")
    assert (
        report_links.download_url(
            "", SECRET, round_id=1, group_id=1, language="sv", now=NOW, lifetime=timedelta(1)
        )
        is None
    )
