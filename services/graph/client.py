"""The Microsoft Graph client: msgraph-sdk over httpx, with app-only tokens.

- Tokens: the one msal wrapper of ``services.platform.tokens`` (client secret or certificate,
  configurable authority, CA bundle), behind kiota's ``AccessTokenProvider``.
- Throttling: ``ThrottlingRetryHandler`` replaces the SDK's retry middleware. It waits as long
  as Graph's ``Retry-After`` asks on 429/503/504 (seconds or an HTTP date), else backs off
  exponentially, and gives up when Graph asks for longer than ``RetryPolicy.max_wait`` so a
  background job can try again later instead of blocking a worker. Unlike the SDK's handler it
  also retries uploads: the body is in memory, so resending it is safe.
- Paging: every collection call follows ``@odata.nextLink`` to the end; delta calls return
  the ``@odata.deltaLink`` for the next sync.
- The contract of every call (method, path, query, body, permission, Microsoft's reference
  page) is listed in ``docs/graph-contract.md``; the local Graph (``demo/graph_standin.py``)
  refuses what Graph refuses.
"""

from __future__ import annotations

import asyncio
import base64
import random
import ssl
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware import (
    HeadersInspectionHandler,
    ParametersNameDecodingHandler,
    RedirectHandler,
    UserAgentHandler,
)
from kiota_http.middleware.middleware import BaseMiddleware
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.site_page import SitePage
from msgraph.generated.models.user import User
from msgraph.generated.models.user_scope_teams_app_installation import (
    UserScopeTeamsAppInstallation,
)
from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.users.item.teamwork.installed_apps.installed_apps_request_builder import (
    InstalledAppsRequestBuilder,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]

from services.graph.interface import (
    DeltaExpired,
    DirectoryUser,
    GraphError,
    PageImage,
    PagePermissionMissing,
    PublishedPage,
    SharePointIds,
    UploadedFile,
    UserChanges,
)
from services.platform.config import Settings
from services.platform.retry_after import retry_after_seconds
from services.platform.tokens import MsalTokenProvider, TokenError, TokenProvider

USER_PROPERTIES = [
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "jobTitle",
    "preferredLanguage",
    "department",
    "accountEnabled",
]
ERROR_MAP: dict[str, Any] = {"XXX": ODataError}
RETRY_STATUSES = frozenset({429, 503, 504})
# Graph's largest page for directory collections.
MAX_PAGE_SIZE = 999


# --- tokens -------------------------------------------------------------------------------


class GraphAccessTokens(AccessTokenProvider):
    """kiota's token hook over the one msal wrapper (``services.platform.tokens``): a token
    for Graph's scope, only for Graph's own host; a failed token request is a GraphError."""

    def __init__(self, tokens: TokenProvider, *, scope: str, allowed_hosts: list[str]) -> None:
        self._tokens = tokens
        self._scope = scope
        self._hosts = AllowedHostsValidator(allowed_hosts)

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        if not self._hosts.is_url_host_valid(uri):
            return ""
        try:
            return await self._tokens.token(self._scope)
        except TokenError as exc:
            raise GraphError(f"Graph {exc}") from exc

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


# --- throttling ---------------------------------------------------------------------------

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    # Backoff without Retry-After: base * 2**attempt, at most max_backoff seconds.
    backoff_base: float = 1.0
    max_backoff: float = 30.0
    # Graph asking for a longer pause than this is passed on as an error.
    max_wait: float = 120.0


class ThrottlingRetryHandler(BaseMiddleware):
    def __init__(self, policy: RetryPolicy, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__()
        self.policy = policy
        self.sleep = sleep

    async def send(
        self, request: httpx.Request, transport: httpx.AsyncBaseTransport
    ) -> httpx.Response:
        attempt = 0
        while True:
            response = await super().send(request, transport)
            if response.status_code not in RETRY_STATUSES or attempt >= self.policy.max_retries:
                return response
            delay = retry_after_seconds(response.headers.get("Retry-After"), now=datetime.now(UTC))
            if delay is None:
                backoff = self.policy.backoff_base * 2**attempt
                delay = min(self.policy.max_backoff, backoff) * (0.8 + 0.4 * random.random())
            if delay > self.policy.max_wait:
                return response
            await response.aread()
            await response.aclose()
            attempt += 1
            await self.sleep(delay)


# --- the client ---------------------------------------------------------------------------


def _ssl_context(ca_bundle: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(ca_bundle)
    return context


def token_scope(graph_url: str) -> str:
    """``https://graph.microsoft.com/v1.0`` → ``https://graph.microsoft.com/.default`` (and
    the same for national clouds or a local fake)."""
    parts = urlsplit(graph_url)
    return f"{parts.scheme}://{parts.netloc}/.default"


def sharing_token(url: str) -> str:
    """Graph's encoding of a sharing URL for ``/shares/{token}``."""
    encoded = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    return f"u!{encoded}"


def _status(exc: APIError) -> int | None:
    return exc.response_status_code


def _describe(exc: APIError) -> tuple[str, str | None]:
    code: str | None = None
    message = str(exc.message or "") if hasattr(exc, "message") else ""
    if isinstance(exc, ODataError) and exc.error is not None:
        code = exc.error.code
        message = exc.error.message or message
    return message or exc.__class__.__name__, code


def _graph_error(what: str, exc: APIError) -> GraphError:
    message, code = _describe(exc)
    status = _status(exc)
    return GraphError(f"{what}: {status} {code or ''} {message}".strip(), status=status, code=code)


def _manager_from_delta(user: User) -> str | None:
    """``manager@delta`` is a one-element list of the current manager, or a removal."""
    entries = user.additional_data.get("manager@delta")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, dict) and "@removed" not in entry and entry.get("id"):
            return str(entry["id"])
    return ""


def _directory_user(user: User, *, manager_id: str | None = None) -> DirectoryUser:
    """The user as the sync sees it. Delta in its default mode (no ``Prefer:
    return=minimal``) and ``/users/{id}`` send every selected property, so a null is a
    cleared value; only a removed user comes with nothing but its id."""
    removed = "@removed" in user.additional_data
    return DirectoryUser(
        object_id=str(user.id),
        upn=user.user_principal_name,
        display_name=user.display_name,
        mail=user.mail,
        job_title=user.job_title,
        preferred_language=user.preferred_language,
        department=user.department,
        account_enabled=user.account_enabled,
        manager_id=manager_id,
        removed=removed,
        complete=not removed,
    )


class MsGraph:
    """``services.graph.interface.Graph`` on msgraph-sdk."""

    def __init__(
        self,
        *,
        graph_url: str,
        token_provider: AccessTokenProvider,
        ca_bundle: str = "",
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.graph_url = graph_url.rstrip("/")
        self.retry_handler = ThrottlingRetryHandler(retry or RetryPolicy(), sleep)
        http = httpx.AsyncClient(
            verify=_ssl_context(ca_bundle), timeout=httpx.Timeout(60.0, connect=15.0)
        )
        middleware: list[BaseMiddleware] = [
            RedirectHandler(),
            self.retry_handler,
            ParametersNameDecodingHandler(),
            UserAgentHandler(),
            HeadersInspectionHandler(),
        ]
        self._http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
        self._adapter = GraphRequestAdapter(
            BaseBearerTokenAuthenticationProvider(token_provider), client=self._http
        )
        self._adapter.base_url = self.graph_url
        self.sdk = GraphServiceClient(request_adapter=self._adapter)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, retry: RetryPolicy | None = None, sleep: Sleep = asyncio.sleep
    ) -> MsGraph:
        tokens = GraphAccessTokens(
            MsalTokenProvider.for_graph(settings),
            scope=token_scope(settings.graph_url),
            allowed_hosts=[urlsplit(settings.graph_url).hostname or ""],
        )
        return cls(
            graph_url=settings.graph_url,
            token_provider=tokens,
            ca_bundle=settings.tls_ca_bundle,
            retry=retry,
            sleep=sleep,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> MsGraph:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- people ---------------------------------------------------------------------------

    async def user_changes(self, delta_link: str | None) -> UserChanges:
        builder = self.sdk.users.delta
        config: RequestConfiguration[Any] | None = None
        if delta_link:
            builder = builder.with_url(delta_link)
        else:
            config = RequestConfiguration(
                query_parameters=DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
                    select=[*USER_PROPERTIES, "manager"]
                )
            )
        users: list[DirectoryUser] = []
        try:
            page = await builder.get(request_configuration=config)
            while page is not None:
                for user in page.value or []:
                    users.append(_directory_user(user, manager_id=_manager_from_delta(user)))
                if page.odata_next_link:
                    page = await self.sdk.users.delta.with_url(page.odata_next_link).get()
                    continue
                return UserChanges(users=users, delta_link=page.odata_delta_link)
        except APIError as exc:
            if _status(exc) == 410 or (_describe(exc)[1] or "").lower() in {
                "syncstatenotfound",
                "resyncrequired",
            }:
                raise DeltaExpired("delta link expired", status=_status(exc)) from exc
            raise _graph_error("reading user changes", exc) from exc
        raise GraphError("reading user changes: empty response")

    async def group_member_ids(self, group_id: str) -> set[str]:
        members = self.sdk.groups.by_group_id(group_id).transitive_members.graph_user
        query = members.GraphUserRequestBuilderGetQueryParameters(
            select=["id"], top=MAX_PAGE_SIZE, count=True
        )
        # The OData cast (graph.user) is an advanced query: Graph answers its next links
        # with 400 Request_UnsupportedQuery unless every request says ConsistencyLevel:
        # eventual, so the header goes on the first request and each @odata.nextLink.
        first: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query)
        first.headers.add("ConsistencyLevel", "eventual")
        ids: set[str] = set()
        try:
            page = await members.get(first)
            while page is not None:
                ids.update(str(user.id) for user in page.value or [] if user.id)
                if not page.odata_next_link:
                    break
                following: RequestConfiguration[Any] = RequestConfiguration()
                following.headers.add("ConsistencyLevel", "eventual")
                page = await members.with_url(page.odata_next_link).get(following)
        except APIError as exc:
            raise _graph_error(f"reading members of group {group_id}", exc) from exc
        return ids

    async def get_user(self, object_id: str) -> DirectoryUser | None:
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=USER_PROPERTIES, expand=["manager($select=id)"]
        )
        try:
            user = await self.sdk.users.by_user_id(object_id).get(
                RequestConfiguration(query_parameters=query)
            )
        except APIError as exc:
            if _status(exc) == 404:
                return None
            raise _graph_error(f"reading user {object_id}", exc) from exc
        if user is None:
            return None
        manager = user.manager.id if user.manager is not None else ""
        return _directory_user(user, manager_id=manager)

    # --- Teams ----------------------------------------------------------------------------

    async def install_app_for_user(self, user_id: str, catalog_app_id: str) -> str:
        installed_apps = self.sdk.users.by_user_id(user_id).teamwork.installed_apps
        body = UserScopeTeamsAppInstallation(
            additional_data={
                "teamsApp@odata.bind": f"{self.graph_url}/appCatalogs/teamsApps/{catalog_app_id}"
            }
        )
        try:
            await installed_apps.post(body)
        except APIError as exc:
            # 409: the app is already installed for the user, which is what we want.
            if _status(exc) != 409:
                raise _graph_error(f"installing the Teams app for {user_id}", exc) from exc
        # Graph answers 201 without a body, so the installation is looked up either way.
        query = InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetQueryParameters(
            expand=["teamsApp"], filter=f"teamsApp/id eq '{catalog_app_id}'"
        )
        try:
            page = await installed_apps.get(RequestConfiguration(query_parameters=query))
        except APIError as exc:
            raise _graph_error(f"reading the Teams apps of {user_id}", exc) from exc
        for installation in (page.value if page else None) or []:
            if installation.id:
                return str(installation.id)
        raise GraphError(f"the Teams app {catalog_app_id} is not installed for {user_id}")

    async def installed_app_chat_id(self, user_id: str, installation_id: str) -> str:
        installation = self.sdk.users.by_user_id(user_id).teamwork.installed_apps
        try:
            chat = await installation.by_user_scope_teams_app_installation_id(
                installation_id
            ).chat.get()
        except APIError as exc:
            raise _graph_error(f"reading the bot chat of {user_id}", exc) from exc
        if chat is None or not chat.id:
            raise GraphError(f"no bot chat for {user_id}")
        return str(chat.id)

    # --- SharePoint -----------------------------------------------------------------------

    async def _existing_page_id(self, site_id: str, name: str) -> str | None:
        pages = self.sdk.sites.by_site_id(site_id).pages
        escaped = name.replace("'", "''")
        query = pages.PagesRequestBuilderGetQueryParameters(
            filter=f"name eq '{escaped}'", select=["id", "name"]
        )
        result = await pages.get(RequestConfiguration(query_parameters=query))
        for page in (result.value if result else None) or []:
            if page.name == name and page.id:
                return str(page.id)
        return None

    async def publish_page(
        self,
        site_id: str,
        *,
        name: str,
        title: str,
        html_sections: list[str],
        image: PageImage | None = None,
        images: Sequence[PageImage] = (),
    ) -> PublishedPage:
        shown = ([image] if image is not None else []) + list(images)
        content = _page_content(name=name, title=title, html_sections=html_sections, images=shown)
        pages = self.sdk.sites.by_site_id(site_id).pages
        try:
            page_id = await self._existing_page_id(site_id, name)
            if page_id is None:
                created = await pages.post(_site_page({**PAGE_CREATE_ONLY, "name": name}, content))
                if created is None or not created.id:
                    raise GraphError("creating the intranet page: no page in the answer")
                page_id = str(created.id)
                web_url = created.web_url
            else:
                # The SDK has no request builder for updating or publishing a page; both
                # go through the same adapter (tokens, retries) as raw requests. An update
                # takes only the updatable properties: name and pageLayout are refused.
                update = self._request(Method.PATCH, site_id, page_id)
                update.set_content_from_parsable(
                    self._adapter, "application/json", _site_page({}, content)
                )
                updated = await self._adapter.send_async(update, SitePage, ERROR_MAP)
                web_url = updated.web_url if updated else None
            publish = self._request(Method.POST, site_id, page_id, "/publish")
            await self._adapter.send_no_response_content_async(publish, ERROR_MAP)
        except APIError as exc:
            error = _graph_error("publishing the intranet page", exc)
            if error.status == 403:
                raise PagePermissionMissing(str(error), status=403, code=error.code) from exc
            raise error from exc
        if not web_url:
            raise GraphError("publishing the intranet page: Graph gave no webUrl")
        return PublishedPage(page_id=page_id, web_url=web_url)

    def _request(
        self, method: Method, site_id: str, page_id: str, suffix: str = ""
    ) -> RequestInformation:
        request = RequestInformation(method)
        request.url = (
            f"{self.graph_url}/sites/{quote(site_id, safe='')}/pages/"
            f"{quote(page_id, safe='')}/microsoft.graph.sitePage{suffix}"
        )
        return request

    async def upload_file(
        self,
        site_id: str,
        path: str,
        content: bytes,
        content_type: str,
        *,
        sharepoint_ids: bool = False,
    ) -> UploadedFile:
        upload = RequestInformation(Method.PUT)
        upload.url = (
            f"{self.graph_url}/sites/{quote(site_id, safe='')}/drive/root:/"
            f"{quote(path.strip('/'))}:/content"
        )
        upload.set_stream_content(content, content_type)
        try:
            item = await self._adapter.send_async(upload, DriveItem, ERROR_MAP)
        except APIError as exc:
            raise _graph_error(f"uploading {path}", exc) from exc
        if item is None or not item.web_url or not item.id:
            raise GraphError(f"uploading {path}: Graph gave no webUrl")
        ids = await self._sharepoint_ids(site_id, str(item.id), path) if sharepoint_ids else None
        return UploadedFile(
            item_id=str(item.id),
            web_url=item.web_url,
            server_relative_url=unquote(urlsplit(item.web_url).path),
            sharepoint_ids=ids,
        )

    async def _sharepoint_ids(self, site_id: str, item_id: str, path: str) -> SharePointIds:
        """The ids SharePoint knows the file by; Graph returns them only on ``$select``."""
        read = RequestInformation(Method.GET)
        read.url = (
            f"{self.graph_url}/sites/{quote(site_id, safe='')}/drive/items/"
            f"{quote(item_id, safe='')}?$select=id,webUrl,sharepointIds"
        )
        try:
            item = await self._adapter.send_async(read, DriveItem, ERROR_MAP)
        except APIError as exc:
            raise _graph_error(f"reading the ids of {path}", exc) from exc
        ids = item.sharepoint_ids if item is not None else None
        if ids is None or not (ids.site_id and ids.web_id and ids.list_id):
            raise GraphError(f"reading the ids of {path}: Graph gave no sharepointIds")
        return SharePointIds(
            site_id=str(ids.site_id),
            web_id=str(ids.web_id),
            list_id=str(ids.list_id),
            unique_id=str(ids.list_item_unique_id or ""),
        )

    async def title_for_url(self, url: str) -> str | None:
        shared = self.sdk.shares.by_shared_drive_item_id(sharing_token(url)).drive_item
        query = shared.DriveItemRequestBuilderGetQueryParameters(
            select=["id", "name", "webUrl"], expand=["listItem($expand=fields($select=Title))"]
        )
        try:
            item = await shared.get(RequestConfiguration(query_parameters=query))
        except APIError as exc:
            if _status(exc) in {400, 403, 404}:
                return None
            raise _graph_error(f"looking up {url}", exc) from exc
        if item is None:
            return None
        fields = item.list_item.fields if item.list_item is not None else None
        title = fields.additional_data.get("Title") if fields is not None else None
        if isinstance(title, str) and title.strip():
            return title.strip()
        if item.name:
            return _strip_extension(item.name)
        return None


def _strip_extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return stem if dot and stem and len(extension) <= 5 else name


IMAGE_WEB_PART = "d1d91016-032f-456d-98a4-721247c305e8"
# Set when a page is created; an update refuses them (sitepage-update lists what it takes).
PAGE_CREATE_ONLY: dict[str, Any] = {"pageLayout": "article"}


def _web_part_id(page_name: str, position: int) -> str:
    """Graph wants an id on every web part; the same page gets the same ids each time it
    is published, so an update replaces web parts rather than adding new ones."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lagesbot:{page_name}#{position}"))


def _text_web_part(html: str, part_id: str) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.textWebPart", "id": part_id, "innerHtml": html}


def _image_web_part(image: PageImage, part_id: str) -> dict[str, Any]:
    """The Image web part as documented (sitepage-create): the file by its server-relative
    URL and the ids SharePoint knows it by, without which the image does not render."""
    ids = image.file.sharepoint_ids
    if ids is None:
        raise GraphError("the page image has no sharepointIds")
    id_properties = {
        "siteid": ids.site_id,
        "webid": ids.web_id,
        "listid": ids.list_id,
        "uniqueid": ids.unique_id,
    }
    return {
        "@odata.type": "#microsoft.graph.standardWebPart",
        "id": part_id,
        "webPartType": IMAGE_WEB_PART,
        "data": {
            "dataVersion": "1.9",
            "title": image.alt_text,
            "properties": {
                "imageSourceType": 2,
                "altText": image.alt_text,
                "overlayText": "",
                **id_properties,
                "imgWidth": image.width,
                "imgHeight": image.height,
                "fixAspectRatio": True,
            },
            "serverProcessedContent": {
                "imageSources": [{"key": "imageSource", "value": image.file.server_relative_url}],
                "customMetadata": [
                    {
                        "key": "imageSource",
                        "value": {
                            **id_properties,
                            "width": str(image.width),
                            "height": str(image.height),
                        },
                    }
                ],
            },
        },
    }


def _page_content(
    *, name: str, title: str, html_sections: list[str], images: Sequence[PageImage]
) -> dict[str, Any]:
    """A one-column article page: one text web part per section, the images after the first;
    only properties an update accepts too."""
    parts: list[dict[str, Any]] = [
        _text_web_part(html, _web_part_id(name, index)) for index, html in enumerate(html_sections)
    ]
    # Ids -1, -2, ...: the heat map keeps the id it had when it was the page's only image.
    shown = [_image_web_part(image, _web_part_id(name, -n)) for n, image in enumerate(images, 1)]
    parts[min(1, len(parts)) : min(1, len(parts))] = shown
    return {
        "title": title,
        "showComments": False,
        "showRecommendedPages": False,
        "titleArea": {"enableGradientEffect": True, "layout": "plain", "showAuthor": False},
        "canvasLayout": {
            "horizontalSections": [
                {
                    "layout": "oneColumn",
                    "id": str(index + 1),
                    "emphasis": "none",
                    "columns": [{"id": "1", "width": 12, "webparts": [part]}],
                }
                for index, part in enumerate(parts)
            ]
        },
    }


def _site_page(extra: dict[str, Any], content: dict[str, Any]) -> SitePage:
    """The body as Graph's JSON parsed into the SDK's model, so that the web part types
    (``@odata.type``) are serialised exactly as the pages API expects."""
    payload = {"@odata.type": "#microsoft.graph.sitePage", **extra, **content}
    page: SitePage = _parse(SitePage, payload)
    return page


def _parse(model: Any, payload: dict[str, Any]) -> Any:
    import json

    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

    node = JsonParseNodeFactory().get_root_parse_node(
        "application/json", json.dumps(payload).encode()
    )
    return node.get_object_value(model)
