"""The round chooses its scales: the round form and the round file name the status and the
risk scale (e.g. the 5×5 example), and the round's cards ask on that scale."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards import admin_cards, verbs
from services.followup import round_admin
from services.followup.round_file import load_round_file
from services.imports.scales import import_risk_scale, read_risk_scale_file
from storage.models import ReportingRound
from tests import cardtools
from tests.admin.helpers import NOW, region
from tests.bot.conftest import BotHarness

ROOT = Path(__file__).resolve().parents[2]
FORM: dict[str, str | bool] = {
    "name": "Tertial 1 2027",
    "opens_date": "2026-11-23",
    "opens_time": "13:00",
    "deadline_date": "2026-12-04",
    "deadline_time": "16:00",
    "ask_risk": True,
}


async def with_5x5(session: AsyncSession) -> None:
    spec = read_risk_scale_file(ROOT / "demo" / "risk_scale_5x5.toml")
    await import_risk_scale(session, spec, actor="test")
    await session.commit()


async def invoke(bot: BotHarness, user: Any, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await bot.post(bot.card_action(user=user, verb=verb, data=data))
    return dict((await response.json())["value"])


async def test_the_round_form_opens_a_round_on_the_5x5_risk_scale(
    bot: BotHarness, session: AsyncSession
) -> None:
    r = await region(session)
    await with_5x5(session)
    await bot.post(bot.activity(user=r.admin, text="ny runda"))
    form = bot.connector.posted_cards()[-1]
    risk_input = cardtools.inputs(form)[admin_cards.RISK_SCALE]
    assert "risk5x5" in [c["value"] for c in risk_input["choices"]]

    typed: dict[str, str | bool] = {**FORM, admin_cards.RISK_SCALE: "risk5x5"}
    preview = await invoke(
        bot,
        r.admin,
        verbs.ADMIN_PREVIEW_ROUND,
        cardtools.press(form, verbs.ADMIN_PREVIEW_ROUND, typed),
    )
    assert "Riskskala" in cardtools.all_text(preview)
    data = cardtools.press(preview, verbs.ADMIN_CREATE_ROUND, match={"start": "now"})
    await invoke(bot, r.admin, verbs.ADMIN_CREATE_ROUND, data)

    await session.commit()
    rnd = (await session.execute(select(ReportingRound))).scalar_one()
    assert rnd.risk_scale is not None and rnd.risk_scale.key == "risk5x5"
    await bot.post(bot.activity(user=r.anna, text="status"))
    card = bot.connector.posted_cards()[-1]
    likelihood = [v for k, v in cardtools.inputs(card).items() if k.startswith("likelihood.")]
    assert likelihood and len(likelihood[0]["choices"]) == 5


async def test_a_round_file_names_its_risk_scale(session: AsyncSession, tmp_path: Path) -> None:
    await region(session)
    await with_5x5(session)
    path = tmp_path / "round.toml"
    path.write_text(
        'name = "Tertial 1 2027"\nplan = "rs-vp-2027"\nopens = "2026-11-24 08:00"\n'
        'deadline = "2026-12-04 16:00"\nrisk_scale = "risk5x5"\n\n[questions]\nrisk = true\n',
        encoding="utf-8",
    )
    spec = load_round_file(path).spec()
    result = await round_admin.create_round(
        session, spec, start="schedule", now=NOW, actor="cli:test"
    )
    assert result.round.risk_scale_id is not None
    await session.refresh(result.round, ["risk_scale"])
    assert result.round.risk_scale is not None and result.round.risk_scale.key == "risk5x5"

    copy = await round_admin.copy_round(
        session,
        result.round,
        name="Tertial 2 2027",
        opens_at=result.round.opens_at + timedelta(days=120),
        deadline_at=result.round.deadline_at + timedelta(days=120),
        now=NOW,
        actor="cli:test",
    )
    assert copy.round.risk_scale_id == result.round.risk_scale_id, "a copy keeps the scales"


async def test_an_unknown_scale_is_an_error_on_its_field(session: AsyncSession) -> None:
    await region(session)
    values = {
        **FORM,
        "plan": "rs-vp-2027",
        "opens": "2026-11-24 08:00",
        "deadline": "2026-12-04 16:00",
    }
    spec = round_admin.parse_round_values({**values, "risk_scale": "risk9x9"})
    try:
        await round_admin.check_spec(session, spec, start="schedule", now=NOW)
    except round_admin.RoundInvalid as invalid:
        assert invalid.errors["risk_scale"].code == "controller.error.unknown_scale"
    else:
        raise AssertionError("an unknown scale must be refused")
