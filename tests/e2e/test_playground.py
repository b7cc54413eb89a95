"""End to end in Microsoft's Teams emulator: what `lagesbot demo` starts (the bot with its
sender and scheduler on the demo's SQLite store with the sample region and the open demo
round, the Graph stand-in with the closed demo round published on its intranet, and
Microsoft 365 Agents Playground in front of it, which is also the sender's Bot Connector),
driven by headless Chromium (`playground_flow.mjs`, playwright-core) the way a newcomer uses
it. The test then reads the answers and the deliveries back from the store.

Screenshots of every step go to ``test-output/e2e/<test>/`` (or ``$LAGESBOT_TEST_OUTPUT``).
Nothing here needs the internet: the browser refuses every host but this machine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from catalogue import texts
from cli.demo_command import (
    PLAYGROUND,
    ROOT,
    DemoData,
    Playground,
    demo_graph,
    demo_settings,
    prepare_demo_data,
    publish_demo_data,
    run_demo,
)
from demo import demo_teams
from demo.demo_rounds import CURRENT_KEY
from storage.db import create_engine, create_session_factory
from storage.models import (
    AuditEntry,
    ConversationReference,
    OutboxJob,
    OutboxState,
    Person,
    PlanItem,
    ReportingRound,
    ReportRequest,
    Response,
    ResponseSource,
    RoundItem,
    RoundState,
    SteeringGroup,
    WorkerHeartbeat,
)

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("LAGESBOT_CHROMIUM", "/usr/bin/chromium"))
FLOW = Path(__file__).with_name("playground_flow.mjs")
OUTPUT = Path(os.environ.get("LAGESBOT_TEST_OUTPUT", ROOT / "test-output")) / "e2e"
# Only stops a hung browser run; the flow itself waits on what appears on the page.
FLOW_GUARD_SECONDS = 600
# The open demo round's ~50 cards take a few seconds at the sender's pace.
DRAIN_SECONDS = 60

FIRST_COMMENT = "Enkäten visar lägre nöjdhet i kvällstrafiken; åtgärder tas fram till mars."
EDITED_COMMENT = "Kvällsbemanningen i kundservice är utökad; nöjdheten följs upp i maj."
RISK_COMMENT = "Nytt biljettsystem upphandlas; risken kvarstår tills det är infört."


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _missing_tools() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if shutil.which("node") is None:
        missing.append("node")
    if not PLAYGROUND.exists():
        missing.append("@microsoft/m365agentsplayground (make node)")
    if not (ROOT / "node_modules" / "playwright-core").exists():
        missing.append("playwright-core (make node)")
    return missing


@pytest.fixture
def browser_tools() -> None:
    missing = _missing_tools()
    if missing:
        reason = "end-to-end tests need " + ", ".join(missing)
        if _in_ci():
            pytest.fail(reason + " - in CI these are installed by .ci/run", pytrace=False)
        pytest.skip(reason)


def _free_ports(count: int) -> list[int]:
    # The Playground takes a port number, not a socket; the gap between closing these and
    # the servers binding them is as small as it gets. All are held at once, so they differ.
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


@dataclass
class DemoStack:
    database_url: str
    demo: DemoData
    playground: Playground


@pytest_asyncio.fixture(loop_scope="session")
async def demo_stack(browser_tools: None, tmp_path: Path) -> AsyncIterator[DemoStack]:
    """What `lagesbot demo` starts, on a fresh SQLite file and free ports: with the Graph
    stand-in, on whose intranet the closed demo round is published at start."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    demo = await prepare_demo_data(database_url)
    bot_port, playground_port = _free_ports(2)
    async with demo_graph(tmp_path / "graph", env={}) as graph:
        assert graph.fake
        settings = demo_settings(
            database_url, demo, host="127.0.0.1", port=bot_port, graph=graph.settings
        )
        settings = replace(settings, people_sync_hours=0)  # as `lagesbot demo` runs it
        assert await publish_demo_data(settings) is not None
        async with run_demo(settings, demo, playground_port, tmp_path / "playground") as pg:
            # The open demo round's cards go out as soon as the sender runs. The browser
            # comes after they are all delivered: the Playground shows each page load
            # empty chats, and no card should land in the middle of a flow.
            await _outbox_drained(database_url)
            yield DemoStack(database_url, demo, pg)


async def _outbox_drained(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            while True:
                async with create_session_factory(engine)() as session:
                    waiting = await session.scalar(
                        select(func.count(OutboxJob.id)).where(
                            OutboxJob.state.in_([OutboxState.PENDING, OutboxState.IN_FLIGHT])
                        )
                    )
                if not waiting:
                    return
                await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def run_flow(config: dict[str, Any], name: str) -> dict[str, Any]:
    """Run playground_flow.mjs with ``config`` and return what it saw. The flow's own error
    (with its last screenshot in the output folder) becomes the test failure."""
    out_dir = OUTPUT / name
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    config = {**config, "outDir": str(out_dir), "chromium": str(CHROMIUM)}
    config_file = out_dir / "flow-config.json"
    config_file.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        "node",
        str(FLOW),
        str(config_file),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), FLOW_GUARD_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"the browser flow hung; see {out_dir}")
    (out_dir / "flow-stderr.log").write_bytes(stderr)
    lines = [line for line in stdout.decode().splitlines() if line.startswith("RESULT ")]
    if not lines:
        pytest.fail(f"the browser flow printed no result:\n{stderr.decode()[-4000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    if "error" in result or process.returncode != 0:
        sys.stderr.write(result.get("failurePageText", ""))
        pytest.fail(f"the browser flow failed (screenshots in {out_dir}):\n{result.get('error')}")
    return result


async def _answers_in_current_round(database_url: str) -> list[tuple[Response, str, str]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(Response, PlanItem.title, Person.display_name)
                .join(ReportingRound, ReportingRound.id == Response.round_id)
                .join(PlanItem, PlanItem.id == Response.item_id)
                .join(Person, Person.id == Response.answered_by_id)
                .where(ReportingRound.key == CURRENT_KEY)
                .order_by(Response.id)
            )
            return [(response, title, name) for response, title, name in rows]
    finally:
        await engine.dispose()


# The Playground's client says en-US; the demo manager is stored as Swedish-speaking, and the
# bot answers known people in their own language.
SV = texts.for_language("sv")


def _greeting(demo: DemoData) -> str:
    # The greeting's first sentences, before the markdown the card renders as bold.
    return SV.t("greeting.personal", name=demo.manager_name).split("**")[0].strip()


async def test_newcomer_answers_the_status_card_and_sees_it_refresh(
    demo_stack: DemoStack,
) -> None:
    demo = demo_stack.demo
    tx = SV
    status_title = tx.t("card.title", round=demo.round_name)
    recorded = tx.t("card.recorded_thanks")

    result = await run_flow(
        {
            "url": demo_stack.playground.url,
            "greeting": _greeting(demo),
            "manager": {
                "say": {"help": "hjälp", "myItems": "mina punkter", "status": "status"},
                "labels": {
                    "status": tx.t("card.label.status"),
                    "comment": tx.t("card.label.comment"),
                    "likelihood": tx.t("card.label.likelihood"),
                    "consequence": tx.t("card.label.consequence"),
                    "submit": tx.t("card.submit"),
                    "edit": tx.t("card.edit"),
                },
                "answers": {
                    "firstStatus": "Avvikelse",
                    "otherStatus": "Enligt plan",
                    "firstComment": FIRST_COMMENT,
                    "riskStatus": "Risk att inte nås",
                    "likelihood": 3,
                    "consequence": 2,
                    "riskComment": RISK_COMMENT,
                },
                "edit": {"firstStatus": "Enligt plan", "firstComment": EDITED_COMMENT},
                "expect": {
                    "helpTitle": tx.t("help.title"),
                    "myItemsTitle": tx.t("my_items.title"),
                    "statusTitle": status_title,
                    "recorded": recorded,
                },
            },
        },
        "manager",
    )
    steps = result["steps"]

    assert demo.manager_name.split()[0] in steps["greeting"]
    assert tx.t("help.command.status") in steps["help"]
    assert tx.t("help.command.my_items") in steps["help"]
    assert demo.round_name in steps["myItems"]
    assert tx.t("my_items.progress", answered=0, total=demo.items) in steps["myItems"]

    # The form: one status box per item on the page, the demo round asks about risk.
    assert tx.t("card.intro", name=demo.manager_name.split()[0]) in steps["statusCard"]
    items_on_page = steps["itemsOnPage"]
    assert items_on_page == demo.items  # the demo manager's whole card is one page
    assert steps["hasRiskItem"]

    # The same message turned into the recorded answers: no new card was posted.
    refreshed = steps["refreshed"]
    assert steps["cardsBeforeSubmit"] >= 1
    assert steps["cardsAfterSubmit"] == steps["cardsBeforeSubmit"]
    assert refreshed.startswith(status_title)
    assert recorded in refreshed
    assert tx.t("card.submit") not in refreshed
    assert tx.t("card.edit") in refreshed
    assert FIRST_COMMENT in refreshed and RISK_COMMENT in refreshed
    assert "Avvikelse" in refreshed and "Risk att inte nås" in refreshed
    assert "Risk 6" in refreshed  # likelihood 3 x consequence 2
    recorded_by = tx.t("card.recorded_by", name=demo.manager_name, when="")
    assert refreshed.count(recorded_by) == items_on_page

    # Ändra gave the form back with the recorded answers; the change was recorded in place.
    assert steps["editForm"] == {
        "firstStatus": "Avvikelse",
        "firstComment": FIRST_COMMENT,
        "statuses": items_on_page,
    }
    edited = steps["edited"]
    assert EDITED_COMMENT in edited and FIRST_COMMENT not in edited
    assert RISK_COMMENT in edited

    # What the store kept, all by the manager from the Teams card: a first revision per item
    # on the page, and for the edited item a second one beside the first, which stays.
    answers = await _answers_in_current_round(demo_stack.database_url)
    assert len(answers) == items_on_page + 1
    assert {name for _, _, name in answers} == {demo.manager_name}
    assert {response.source for response, _, _ in answers} == {ResponseSource.TEAMS_CARD}
    assert {title for _, title, _ in answers} <= {line for line in refreshed.splitlines() if line}
    by_comment = {response.comment: response for response, _, _ in answers}
    first, edited_row = by_comment[FIRST_COMMENT], by_comment[EDITED_COMMENT]
    assert (first.revision, first.status_key, first.likelihood) == (1, "deviation", None)
    assert edited_row.item_id == first.item_id
    assert (edited_row.revision, edited_row.status_key) == (2, "on_track")
    risk = by_comment[RISK_COMMENT]
    assert (risk.revision, risk.status_key, risk.likelihood, risk.consequence) == (
        1,
        "at_risk",
        3,
        2,
    )
    others = [
        r for r, _, _ in answers if r.comment not in (FIRST_COMMENT, EDITED_COMMENT, RISK_COMMENT)
    ]
    assert len(others) == items_on_page - 2
    assert {(r.revision, r.status_key, r.comment) for r in others} == {(1, "on_track", None)}


async def _round_named(database_url: str, name: str) -> tuple[ReportingRound, list[AuditEntry]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rnd = (
                await session.execute(select(ReportingRound).where(ReportingRound.name == name))
            ).scalar_one()
            audit = (
                await session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.target_type == "round", AuditEntry.target_id == str(rnd.id))
                    .order_by(AuditEntry.id)
                )
            ).scalars()
            return rnd, list(audit)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Delivery:
    owners: int
    items: int
    sent: int
    answers: list[Response]
    worker_roles: set[str]


async def _delivery(database_url: str, round_id: int, manager_upn: str) -> Delivery:
    """What the store says about a round's cards: how many owners and items, how many cards
    went out, the answers given (all by the demo manager), and which workers report in."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            requests = list(
                (
                    await session.execute(
                        select(ReportRequest).where(ReportRequest.round_id == round_id)
                    )
                ).scalars()
            )
            items = await session.scalar(
                select(func.count(RoundItem.id)).where(RoundItem.round_id == round_id)
            )
            answers = list(
                (
                    await session.execute(
                        select(Response)
                        .join(Person, Person.id == Response.answered_by_id)
                        .where(Response.round_id == round_id, Person.upn == manager_upn)
                    )
                ).scalars()
            )
            roles = set((await session.execute(select(WorkerHeartbeat.role))).scalars())
            return Delivery(
                owners=len(requests),
                items=int(items or 0),
                sent=sum(1 for r in requests if r.sent_at is not None),
                answers=answers,
                worker_roles=roles,
            )
    finally:
        await engine.dispose()


async def test_admin_opens_a_round_its_card_arrives_and_the_channel_digest_counts_it(
    demo_stack: DemoStack,
) -> None:
    """The whole loop: an admin opens a round in the chat; the bot's sender posts the new
    card to the same chat (through the Playground's Bot Connector); the manager answers it;
    `rundor` shows every card delivered; in the channel the admin links the steering group
    and asks for the digest, which counts the answers."""
    demo = demo_stack.demo
    tx = SV
    name = "Tertial 1 2027"
    status_labels = {
        "status": tx.t("card.label.status"),
        "likelihood": tx.t("card.label.likelihood"),
        "consequence": tx.t("card.label.consequence"),
        "submit": tx.t("card.submit"),
    }
    group = demo_teams.STEERING_GROUP_KEY

    result = await run_flow(
        {
            "url": demo_stack.playground.url,
            "greeting": _greeting(demo),
            "admin": {
                "say": {"newRound": "ny runda"},
                "roundName": name,
                "labels": {
                    "name": tx.t("admin.form.name"),
                    "preview": tx.t("admin.action.preview"),
                    "openNow": tx.t("admin.action.open_now"),
                },
                "expect": {
                    "formTitle": tx.t("admin.form.title"),
                    "previewTitle": tx.t("admin.preview.title", name=name),
                    "opened": tx.t("admin.done.open", name=name),
                },
                "newCard": {
                    "labels": status_labels,
                    "status": "Enligt plan",
                    "risk": 2,
                    "expect": {
                        "title": tx.t("card.title", round=name),
                        "recorded": tx.t("card.recorded_thanks"),
                    },
                },
                "rounds": {"say": "rundor", "expect": tx.t("admin.list.title")},
                "channel": {
                    "name": demo_teams.CHANNEL_NAME,
                    "botName": demo_teams.BOT_NAME,
                    "bind": f"koppla styrgrupp {group}",
                    "digest": "sammanfattning",
                    "expect": {
                        "greeting": tx.t("greeting.team").split(".")[0],
                        "bound": tx.t("digest.bind.done", group=demo_teams.TEAM_NAME),
                        "digestTitle": tx.t("digest.title", group=demo_teams.TEAM_NAME),
                        "round": name,
                    },
                },
            },
        },
        "admin",
    )
    steps = result["steps"]

    # The form came with the demo's one plan; the preview showed who would be asked.
    assert tx.t("admin.form.plan") in steps["form"]
    assert tx.t("admin.preview.whole_plan") in steps["preview"]
    assert tx.t("admin.preview.owners") in steps["preview"]
    # "Öppna nu" replaced the preview with the round list, the new round open in it.
    opened = steps["opened"]
    assert tx.t("admin.list.title") in opened
    assert name in opened and demo.round_name in opened
    # "Tertial 2 2026", closed, was published on the demo's (stand-in) intranet at start.
    assert "Tertial 2 2026" in opened
    assert tx.t("card.open_round_summary") in opened

    rnd, audit = await _round_named(demo_stack.database_url, name)
    assert rnd.state is RoundState.OPEN
    assert rnd.created_by == demo.manager_upn
    assert audit, "opening a round is written to the audit log"
    assert {entry.actor for entry in audit} == {demo.manager_upn}

    # The new round's card came to the chat by itself and took the answers.
    assert steps["newCard"].startswith(tx.t("card.title", round=name))
    answered = steps["newCardAnswered"]
    assert answered >= 1
    assert tx.t("card.recorded_thanks") in steps["newCardRecorded"]
    delivery = await _delivery(demo_stack.database_url, rnd.id, demo.manager_upn)
    assert {"sender", "scheduler"} <= delivery.worker_roles
    assert delivery.owners > 1
    assert delivery.sent == delivery.owners, "every owner's card was delivered"
    assert len(delivery.answers) == answered
    assert {(a.revision, a.status_key, a.source) for a in delivery.answers} == {
        (1, "on_track", ResponseSource.TEAMS_CARD)
    }
    # `rundor`: every card of the new round (and of the open demo round) sent.
    sent_line = tx.t("admin.progress.fanout", sent=delivery.owners, failed=0, pending=0)
    assert sent_line in steps["rounds"]

    # The channel's digest of the new round counts exactly those answers.
    digest = steps["digest"]
    assert name in digest
    rate = tx.t(
        "digest.rate.items",
        percent=tx.format_percent(answered / delivery.items),
        answered=answered,
        items=delivery.items,
    )
    assert rate in digest

    # Goal attainment per strategy: the Playground draws the Teams chart, and the same
    # numbers stand in words beside it ("25 mål: 2 gröna, 23 utan bedömning"); the demo's
    # slow indicator comes first under "needs attention" with its projection, rounded.
    assert tx.t("attainment.digest.heading") in digest
    assert re.search(r"^\d+ mål: \d+ ", digest, re.MULTILINE), digest
    assert tx.t("attainment.card.will_miss") in digest
    assert re.search(r"Prognos \d+(,\d)? % den ", digest), digest


async def _steering_group_named(
    database_url: str, name: str
) -> tuple[SteeringGroup | None, str | None, list[AuditEntry]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(SteeringGroup).where(SteeringGroup.name == name)
            group = (await session.execute(query)).scalar_one_or_none()
            if group is None:
                return None, None, []
            channel = await session.get(ConversationReference, group.conversation_reference_id)
            audit = await session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "steering_group.create",
                    AuditEntry.target_id == str(group.id),
                )
            )
            return (
                group,
                None if channel is None else channel.conversation_id,
                list(audit.scalars()),
            )
    finally:
        await engine.dispose()


async def test_admin_creates_a_steering_group_in_the_channel(demo_stack: DemoStack) -> None:
    """The planning controller sets up a steering group without a shell: `ny styrgrupp` in
    the channel, a name, Spara; the group is stored linked to that channel and audited."""
    demo = demo_stack.demo
    tx = SV
    name = "Kollektivtrafikens styrgrupp"
    key = "kollektivtrafikens-styrgrupp"
    result = await run_flow(
        {
            "url": demo_stack.playground.url,
            "greeting": _greeting(demo),
            "steeringGroup": {
                "channelName": demo_teams.CHANNEL_NAME,
                "botName": demo_teams.BOT_NAME,
                "name": name,
                "say": {"newGroup": "ny styrgrupp", "list": "styrgrupper"},
                "labels": {
                    "name": tx.t("controller.steering.form.name"),
                    "save": tx.t("controller.steering.action.save"),
                },
                "expect": {
                    "greeting": tx.t("greeting.team").split(".")[0],
                    "formTitle": tx.t("controller.steering.form.title"),
                    "created": tx.t("controller.steering.done.created", name=name, key=key),
                    "listTitle": tx.t("controller.steering.list.title"),
                },
            },
        },
        "steering-group",
    )
    steps = result["steps"]
    assert tx.t("controller.steering.form.intro") in steps["groupForm"]
    assert tx.t("controller.steering.list.whole_plan") in steps["groupList"]

    group, channel, audit = await _steering_group_named(demo_stack.database_url, name)
    assert group is not None and group.key == key and group.active
    assert channel == demo_teams.CHANNEL_ID
    assert (group.digest_weekday, group.digest_hour) == (1, 8)
    assert [entry.actor for entry in audit] == [demo.manager_upn]
