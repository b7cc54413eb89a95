"""Proactive install through Graph: the sender gets the chat id of the bot's 1:1 chat for a
manager who never opened the bot."""

from __future__ import annotations

import pytest

from services.delivery.installer import GraphInstaller, NoInstaller, installer_for
from services.graph.interface import GraphError
from tests.factories import TENANT_ID
from tests.graph.conftest import CATALOG_APP_ID, GraphSetup

ANNA = "5a1e0000-0000-4000-8000-00000000a11a"


def installer(graph: GraphSetup) -> GraphInstaller:
    graph.fake.add_user(ANNA, "anna.lindqvist@region-exempel.se", "Anna Lindqvist")
    return GraphInstaller(graph.client, CATALOG_APP_ID, tenant_id=TENANT_ID)


async def test_a_new_installation_gives_the_bot_chat(graph: GraphSetup) -> None:
    chat_id = await installer(graph).ensure_installed(ANNA, TENANT_ID)

    assert chat_id == f"19:{ANNA}_{graph.fake.bot_app_id}@unq.gbl.spaces"
    assert (ANNA, CATALOG_APP_ID) in graph.fake.installations
    (post,) = graph.fake.requests_to("/teamwork/installedApps$", "POST")
    assert post.json()["teamsApp@odata.bind"].endswith(f"/appCatalogs/teamsApps/{CATALOG_APP_ID}")


async def test_an_app_already_installed_409_still_gives_the_chat(graph: GraphSetup) -> None:
    proactive = installer(graph)
    graph.fake.installations[(ANNA, CATALOG_APP_ID)] = "ZXhpc3Rpbmc="

    chat_id = await proactive.ensure_installed(ANNA, TENANT_ID)

    assert chat_id == graph.fake.chat_id(ANNA)
    assert graph.fake.installations == {(ANNA, CATALOG_APP_ID): "ZXhpc3Rpbmc="}
    assert graph.fake.requests_to(r"/installedApps/ZXhpc3Rpbmc=/chat$")


async def test_throttled_install_is_retried(graph: GraphSetup) -> None:
    proactive = installer(graph)
    graph.fake.fail_next("/teamwork/installedApps$", 429, retry_after="2", method="POST")

    assert await proactive.ensure_installed(ANNA, TENANT_ID) == graph.fake.chat_id(ANNA)
    assert graph.sleeps.waits == [2.0]


async def test_an_unknown_user_or_another_tenant_gives_none(graph: GraphSetup) -> None:
    proactive = installer(graph)
    assert (
        await proactive.ensure_installed("00000000-dead-4000-8000-000000000000", TENANT_ID) is None
    )
    assert await proactive.ensure_installed(ANNA, "11111111-0000-4000-8000-000000000000") is None
    assert graph.fake.installations == {}


async def test_a_lasting_server_error_is_raised_so_the_sender_retries_later(
    graph: GraphSetup,
) -> None:
    proactive = installer(graph)
    graph.fake.fail_next("/teamwork/installedApps", 503, retry_after="1", times=20)
    with pytest.raises(GraphError):
        await proactive.ensure_installed(ANNA, TENANT_ID)


async def test_without_graph_or_catalog_id_nobody_is_installed_for(graph: GraphSetup) -> None:
    assert isinstance(installer_for(None, CATALOG_APP_ID, TENANT_ID), NoInstaller)
    assert isinstance(installer_for(graph.client, "", TENANT_ID), NoInstaller)
    configured = installer_for(graph.client, CATALOG_APP_ID, TENANT_ID)
    graph.fake.add_user(ANNA, "anna.lindqvist@region-exempel.se", "Anna Lindqvist")
    assert await configured.ensure_installed(ANNA, TENANT_ID) == graph.fake.chat_id(ANNA)
