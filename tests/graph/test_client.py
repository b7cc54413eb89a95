"""The msgraph-sdk client against the local Graph and token endpoint over HTTPS: tokens from
msal, paging, delta links, throttling and server errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from demo.entra_standin import self_signed_tls
from services.graph.client import (
    MsGraph,
    sharing_token,
    token_scope,
)
from services.graph.interface import DeltaExpired, GraphError
from services.platform.tokens import MsalTokenProvider, TokenError, certificate_credential
from tests.graph.conftest import CATALOG_APP_ID, GROUP_ID, SITE_ID, GraphSetup


def add_people(graph: GraphSetup, count: int) -> list[str]:
    ids = [f"0000000{n}-0000-4000-8000-000000000000" for n in range(count)]
    for n, object_id in enumerate(ids):
        graph.fake.add_user(
            object_id,
            f"person{n}@region-exempel.se",
            f"Person {n}",
            manager=ids[0] if n else None,
        )
    return ids


async def test_msal_gets_the_token_from_the_local_endpoint_and_graph_sees_it(
    graph: GraphSetup,
) -> None:
    add_people(graph, 1)
    await graph.client.user_changes(None)
    issued = graph.running.token_endpoint.issued
    assert len(issued) == 1
    assert issued[0]["scope"] == f"{graph.fake.base_url}/.default"
    assert graph.fake.requests[0].headers["Authorization"] == f"Bearer {issued[0]['token']}"
    # msal caches the token: a second call asks the endpoint for nothing new.
    await graph.client.user_changes(None)
    assert len(issued) == 1


async def test_a_wrong_client_secret_is_a_clear_error(graph: GraphSetup) -> None:
    settings = replace(graph.settings, graph_client_secret="wrong")
    async with MsGraph.from_settings(settings) as client:
        with pytest.raises(GraphError, match="invalid_client"):
            await client.user_changes(None)
    assert graph.fake.requests == []


async def test_every_page_is_read_and_the_delta_link_returned(graph: GraphSetup) -> None:
    ids = add_people(graph, 5)
    changes = await graph.client.user_changes(None)
    assert [u.object_id for u in changes.users] == ids
    assert changes.users[1].manager_id == ids[0]
    assert changes.users[0].manager_id == ""  # no manager: cleared, not unknown
    assert changes.delta_link is not None and "$deltatoken=" in changes.delta_link.replace(
        "%24", "$"
    )
    # Page size 2: the first request and two nextLink follow-ups.
    pages = graph.fake.requests_to(r"/users/delta")
    assert len(pages) == 3
    assert "$skiptoken" in pages[1].query and "$skiptoken" in pages[2].query


async def test_the_delta_link_returns_only_what_changed(graph: GraphSetup) -> None:
    ids = add_people(graph, 4)
    first = await graph.client.user_changes(None)
    graph.fake.update_user(ids[2], jobTitle="Enhetschef", department="HSF")
    graph.fake.delete_user(ids[3])
    second = await graph.client.user_changes(first.delta_link)
    assert [(u.object_id, u.removed) for u in second.users] == [(ids[2], False), (ids[3], True)]
    assert second.users[0].job_title == "Enhetschef"
    assert second.delta_link != first.delta_link
    third = await graph.client.user_changes(second.delta_link)
    assert third.users == []


async def test_an_expired_delta_link_says_so(graph: GraphSetup) -> None:
    add_people(graph, 1)
    first = await graph.client.user_changes(None)
    assert first.delta_link is not None
    token = first.delta_link.split("deltatoken=", 1)[1]
    graph.fake.expired_delta_tokens.add(token)
    with pytest.raises(DeltaExpired):
        await graph.client.user_changes(first.delta_link)


async def test_group_members_are_read_over_all_pages(graph: GraphSetup) -> None:
    ids = add_people(graph, 5)
    graph.fake.add_group(GROUP_ID, ids[1:])
    assert await graph.client.group_member_ids(GROUP_ID) == set(ids[1:])
    assert len(graph.fake.requests_to("transitiveMembers")) == 2


async def test_a_group_of_more_than_999_users_is_read_completely(graph: GraphSetup) -> None:
    """The cast to graph.user is an advanced query: Graph refuses its next link without
    ConsistencyLevel: eventual, so every page must carry the header."""
    graph.fake.page_size = 999
    ids = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1001)]
    for n, object_id in enumerate(ids):
        graph.fake.add_user(object_id, f"p{n}@region-exempel.se", f"P {n}")
    graph.fake.add_group(GROUP_ID, ids)

    assert await graph.client.group_member_ids(GROUP_ID) == set(ids)

    first, following = graph.fake.requests_to("transitiveMembers")
    assert first.query["$top"] == "999" and first.query["$count"] == "true"
    assert "$skiptoken" in following.query
    assert {first.headers["ConsistencyLevel"], following.headers["ConsistencyLevel"]} == {
        "eventual"
    }


async def test_a_cleared_property_comes_back_as_empty_and_removals_as_removed(
    graph: GraphSetup,
) -> None:
    ids = add_people(graph, 3)
    graph.fake.update_user(ids[0], jobTitle="Enhetschef", department="HSF")
    first = await graph.client.user_changes(None)
    graph.fake.update_user(ids[0], jobTitle=None, department=None, mail=None)
    graph.fake.delete_user(ids[1])
    graph.fake.delete_user(ids[2], permanently=True)

    second = await graph.client.user_changes(first.delta_link)

    cleared, deleted, purged = second.users
    assert cleared.complete and not cleared.removed
    assert (cleared.job_title, cleared.department, cleared.mail) == (None, None, None)
    assert cleared.display_name == "Person 0"
    assert [(u.removed, u.complete) for u in (deleted, purged)] == [(True, False), (True, False)]


async def test_without_the_documented_permission_graph_answers_403(graph: GraphSetup) -> None:
    graph.running.token_endpoint.roles = ["GroupMember.Read.All"]
    add_people(graph, 1)
    with pytest.raises(GraphError) as refused:
        await graph.client.user_changes(None)
    assert refused.value.status == 403 and refused.value.code == "Authorization_RequestDenied"


async def test_throttling_waits_as_long_as_retry_after_says_then_succeeds(
    graph: GraphSetup,
) -> None:
    ids = add_people(graph, 1)
    graph.fake.fail_next(r"/users/delta", 429, retry_after="7")
    changes = await graph.client.user_changes(None)
    assert [u.object_id for u in changes.users] == ids
    assert graph.sleeps.waits == [7.0]
    assert len(graph.fake.requests_to(r"/users/delta")) == 2


async def test_server_errors_are_retried_with_backoff(graph: GraphSetup) -> None:
    add_people(graph, 1)
    graph.fake.fail_next(r"/users/delta", 503)
    graph.fake.fail_next(r"/users/delta", 504)
    changes = await graph.client.user_changes(None)
    assert len(changes.users) == 1
    assert len(graph.sleeps.waits) == 2
    assert all(0 < wait <= 30 for wait in graph.sleeps.waits)
    assert len(graph.fake.requests_to(r"/users/delta")) == 3


async def test_an_upload_is_retried_too(graph: GraphSetup) -> None:
    graph.fake.fail_next(r"/drive/root:", 503, retry_after="1", method="PUT")
    uploaded = await graph.client.upload_file(SITE_ID, "Lägesbot/a.xlsx", b"PK-data", "x/y")
    assert graph.fake.files[(SITE_ID, "Lägesbot/a.xlsx")].content == b"PK-data"
    assert uploaded.web_url.endswith("/L%C3%A4gesbot/a.xlsx")
    assert graph.sleeps.waits == [1.0]


async def test_retries_give_up_after_the_limit(graph: GraphSetup) -> None:
    graph.fake.fail_next(r"/users/delta", 503, retry_after="1", times=10)
    with pytest.raises(GraphError) as failed:
        await graph.client.user_changes(None)
    assert failed.value.status == 503
    assert len(graph.sleeps.waits) == 3  # the policy's max_retries
    assert len(graph.fake.requests_to(r"/users/delta")) == 4


async def test_a_longer_pause_than_allowed_is_passed_on_not_waited_for(
    graph: GraphSetup,
) -> None:
    graph.fake.fail_next(r"/users/delta", 429, retry_after="3600")
    with pytest.raises(GraphError) as failed:
        await graph.client.user_changes(None)
    assert failed.value.status == 429
    assert graph.sleeps.waits == []


async def test_install_returns_the_installation_for_201_and_409(graph: GraphSetup) -> None:
    (user,) = add_people(graph, 1)
    first = await graph.client.install_app_for_user(user, CATALOG_APP_ID)
    again = await graph.client.install_app_for_user(user, CATALOG_APP_ID)
    assert first == again
    posts = graph.fake.requests_to("/teamwork/installedApps$", "POST")
    assert posts[0].json() == {
        "@odata.type": "#microsoft.graph.userScopeTeamsAppInstallation",
        "teamsApp@odata.bind": f"{graph.fake.base_url}/v1.0/appCatalogs/teamsApps/{CATALOG_APP_ID}",
    }
    assert await graph.client.installed_app_chat_id(user, first) == graph.fake.chat_id(user)


async def test_the_title_of_a_shared_page_or_document(graph: GraphSetup) -> None:
    page = "https://region-exempel.sharepoint.com/sites/intranat/SitePages/Vardkoer.aspx"
    document = "https://region-exempel.sharepoint.com/:w:/s/intranat/EaBcD"
    graph.fake.share(page, name="Vardkoer.aspx", title="Handlingsplan vårdköer")
    graph.fake.share(document, name="Riskanalys 2027.docx")
    assert await graph.client.title_for_url(page) == "Handlingsplan vårdköer"
    assert await graph.client.title_for_url(document) == "Riskanalys 2027"
    assert await graph.client.title_for_url(page + "x") is None
    assert graph.fake.requests_to("/shares/")[0].path.endswith(f"{sharing_token(page)}/driveItem")


def test_token_scope_follows_the_graph_url() -> None:
    assert token_scope("https://graph.microsoft.com/v1.0") == "https://graph.microsoft.com/.default"
    assert token_scope("https://graph.microsoft.us/v1.0") == "https://graph.microsoft.us/.default"


def test_a_certificate_file_becomes_msal_credentials(tmp_path: Path) -> None:
    self_signed_tls(tmp_path)
    pem = (tmp_path / "entra-test-key.pem").read_bytes() + (
        tmp_path / "entra-test-ca.pem"
    ).read_bytes()
    (tmp_path / "app.pem").write_bytes(pem)
    credential = certificate_credential(tmp_path / "app.pem")
    certificate = x509.load_pem_x509_certificate((tmp_path / "entra-test-ca.pem").read_bytes())
    # No SHA-1 thumbprint: msal derives the SHA-256 one from the certificate (PS256).
    assert "thumbprint" not in credential
    assert x509.load_pem_x509_certificate(credential["public_certificate"].encode()) == certificate
    key = serialization.load_pem_private_key(credential["private_key"].encode(), None)
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()  # type: ignore[union-attr]


async def test_a_certificate_instead_of_a_secret_gets_a_token(tmp_path: Path) -> None:
    from demo import graph_standin as graph_fake
    from demo.graph_standin import CertificateTokenEndpoint, GraphFake
    from tests.graph.conftest import settings_for

    key_dir = tmp_path / "app"
    key_dir.mkdir()
    self_signed_tls(key_dir)
    certificate_pem = (key_dir / "entra-test-ca.pem").read_bytes()
    app_pem = tmp_path / "app.pem"
    app_pem.write_bytes((key_dir / "entra-test-key.pem").read_bytes() + certificate_pem)
    endpoint = CertificateTokenEndpoint(
        tenant_id="72f988bf-0000-4000-8000-000000000001",
        client_id="00000000-0000-4000-8000-00000000b07a",
        client_secret="not-used",
        certificate_pem=certificate_pem,
    )
    endpoint.roles = ["User.Read.All"]
    fake = GraphFake()
    fake.add_user("u-1", "anna@region-exempel.se", "Anna")
    running = await graph_fake.start(tmp_path, graph=fake, token_endpoint=endpoint)
    try:
        settings = replace(
            settings_for(running), graph_client_secret="", graph_certificate_path=str(app_pem)
        )
        async with MsGraph.from_settings(settings) as client:
            changes = await client.user_changes(None)
        assert [u.object_id for u in changes.users] == ["u-1"]
        claims = jwt.decode(endpoint.issued[0]["token"], options={"verify_signature": False})
        assert claims["credential"] == "certificate"
        # The deprecated path (SHA-1 thumbprint, RS256) is refused like Entra ID does.
        sha1 = {
            **certificate_credential(app_pem),
            "thumbprint": x509.load_pem_x509_certificate(certificate_pem)
            .fingerprint(hashes.SHA1())
            .hex(),
        }
        legacy = MsalTokenProvider(
            client_id=endpoint.client_id,
            credential=sha1,
            authority=endpoint.authority,
            verify=str(running.ca_path),
        )
        with pytest.raises(TokenError, match="PS256"):
            await legacy.token(f"{fake.base_url}/.default")
    finally:
        await running.close()


async def test_with_sites_selected_only_documents_on_granted_sites_get_a_title(
    graph: GraphSetup,
) -> None:
    graph.running.token_endpoint.roles = ["Sites.Selected"]
    graph.fake.grant_site(SITE_ID, "read")
    granted = "https://region-exempel.sharepoint.com/sites/intranat/Delade dokument/Plan.docx"
    elsewhere = "https://region-exempel.sharepoint.com/sites/ekonomi/Budget.xlsx"
    graph.fake.share(granted, name="Plan.docx")
    graph.fake.share(elsewhere, name="Budget.xlsx")

    assert await graph.client.title_for_url(granted) == "Plan"
    assert await graph.client.title_for_url(elsewhere) is None  # Graph: 403
    assert await graph.client.title_for_url(granted + "x") is None  # Graph: 404
