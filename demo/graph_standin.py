"""A local Microsoft Graph (v1.0) for the demo and the tests, speaking the REST contract of the
endpoints Lägesbot uses:

- ``GET /users/delta`` (also ``delta()``) in its default mode: full read, then only changes,
  every selected property of a changed user present (null when cleared), ``@odata.nextLink``
  paging, ``@odata.deltaLink``, ``@removed`` with reason ``changed`` (deleted, restorable) or
  ``deleted`` (deleted for good), ``manager@delta``; a delta token can be expired (410 Gone).
- ``GET /groups/{id}/transitiveMembers/microsoft.graph.user`` (also ``graph.user``), paged,
  ``$top`` at most 999. The cast is an advanced query: its next links answer 400
  ``Request_UnsupportedQuery`` without ``ConsistencyLevel: eventual``, and ``$count=true``
  needs that header too.
- ``GET /users/{id}`` with ``$expand=manager``.
- ``POST /users/{id}/teamwork/installedApps`` (201 with no body, 409 when installed),
  ``GET .../installedApps?$filter=teamsApp/id eq '...'`` (``teamsApp`` only with
  ``$expand=teamsApp``), ``GET .../installedApps/{id}/chat``.
- ``GET/POST /sites/{site}/pages``, ``PATCH .../pages/{id}/microsoft.graph.sitePage``,
  ``POST .../pages/{id}/microsoft.graph.sitePage/publish``. Bodies are checked against the
  documented properties (create: ``PAGE_CREATE_PROPERTIES``, update:
  ``PAGE_UPDATE_PROPERTIES``; anything else is 400), every web part needs an ``id`` and a
  standard web part a supported ``webPartType``.
- ``PUT /sites/{site}/drive/root:/{path}:/content``, ``GET /sites/{site}/drive/items/{id}``
  (``sharepointIds`` only when selected).
- ``GET /shares/{u!token}/driveItem`` (404 unknown, 403 not readable by the app).

Permissions: every call needs a bearer token; with a token endpoint attached, only tokens it
issued pass, and their ``roles`` claim (``EntraTokenEndpoint.roles``, set per test) must hold
one of the application permissions Microsoft documents for the call (``PERMISSIONS``), else
403 as Graph answers. ``Sites.Selected`` works only for drive items on a site granted with
``grant_site`` - never for pages, as documented.

Faults are scripted with ``fail_next`` (e.g. 429 with Retry-After, 503), and every request is
logged in ``requests`` for assertions.

``lagesbot demo`` starts it in-process (``cli/demo_command.py: demo_graph``). Run standalone
(with its own HTTPS token endpoint)::

    python -m demo.graph_standin --port 8765 --dir /tmp/lagesbot-graph
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from multidict import CIMultiDict

from demo import entra_standin as entra
from demo.entra_standin import EntraTokenEndpoint

USER_TYPE = "#microsoft.graph.user"
MAX_PAGE_SIZE = 999
# The roles of the request's token; None when no token endpoint is attached (all permitted).
ROLES = web.RequestKey[list[str] | None]("roles")

# Application permissions Microsoft documents per call (v1.0 reference, "Permissions"); a
# token with none of them is refused with 403. ``Sites.Selected`` is handled per site apart.
_DIRECTORY = (
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
_APP_INSTALL = (
    "TeamsAppInstallation.ReadWriteSelfForUser.All",
    "TeamsAppInstallation.ReadWriteForUser.All",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All",
    "TeamsAppInstallation.ReadWriteAndConsentForUser.All",
)
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "users.delta": _DIRECTORY,
    "users.get": _DIRECTORY,
    "groups.transitiveMembers": (
        "GroupMember.ReadBasic.All",
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.ReadBasic.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "Directory.Read.All",
    ),
    "installedApps.add": _APP_INSTALL,
    "installedApps.read": (
        "TeamsAppInstallation.ReadForUser.All",
        "TeamsAppInstallation.ReadWriteSelectedForUser.All",
        *_APP_INSTALL,
    ),
    "pages.list": ("Sites.Read.All", "Sites.ReadWrite.All"),
    "pages.create": ("Sites.ReadWrite.All",),
    "pages.update": ("Sites.ReadWrite.All",),
    "pages.publish": ("Files.ReadWrite.All", "Sites.ReadWrite.All"),
    # Drive items also accept Sites.Selected on a granted site (see _permitted).
    "driveItem.write": ("Files.ReadWrite.All", "Sites.ReadWrite.All"),
    "driveItem.read": (
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ),
}
# The permissions the product documents (README, section "Microsoft Graph"): what the demo's
# token endpoint grants unless a test says otherwise.
GRAPH_ROLES = (
    "User.Read.All",
    "GroupMember.Read.All",
    "TeamsAppInstallation.ReadWriteSelfForUser.All",
    "Sites.ReadWrite.All",
)
PAGE_UPDATE_PROPERTIES = frozenset(
    {
        "@odata.type",
        "title",
        "description",
        "thumbnailWebUrl",
        "showComments",
        "showRecommendedPages",
        "promotionKind",
        "titleArea",
        "canvasLayout",
    }
)
PAGE_CREATE_PROPERTIES = PAGE_UPDATE_PROPERTIES | {"name", "pageLayout"}
IMAGE_WEB_PART = "d1d91016-032f-456d-98a4-721247c305e8"
SUPPORTED_WEB_PARTS = frozenset(
    {
        "e377ea37-9047-43b9-8cdb-a761be2f8e09",
        "0f087d7f-520e-42b7-89c0-496aaf979d58",
        "df8e44e7-edd5-46d5-90da-aca1539313b8",
        "2161a1c6-db61-4731-b97c-3cdb303f7cbb",
        "b7dd04e1-19ce-4b24-9132-b60a1c2b910d",
        IMAGE_WEB_PART,
        "af8be689-990e-492a-81f7-ba3e4cd3ed9c",
        "6410b3b6-d440-4663-8744-378976dc041e",
        "e84a8ca2-f63c-4fb9-bc0b-d8eef5ccb22b",
        "7f718435-ee4d-431c-bdbf-9c4ff326f46e",
        "c70391ea-0b10-4ee9-b2b4-006d3fcad0cd",
        "8654b779-4886-46d4-8ffb-b5ed960ee986",
        "544dd15b-cf3c-441b-96da-004d5a8cea1d",
        "cbe7b0a9-3504-44dd-a3a3-0e5cacd07788",
    }
)
ALL_USER_PROPERTIES = (
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "jobTitle",
    "preferredLanguage",
    "department",
    "accountEnabled",
)


@dataclass
class Fault:
    path_pattern: str
    status: int
    headers: dict[str, str]
    remaining: int
    method: str | None = None


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    # Case-insensitive, as HTTP header names are.
    headers: CIMultiDict[str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Page:
    id: str
    name: str
    title: str
    site_id: str
    web_url: str
    body: dict[str, Any]
    published: bool = False
    versions: int = 1

    def web_parts(self) -> list[dict[str, Any]]:
        return _web_parts(self.body)

    def text(self) -> str:
        """All HTML of the page's text web parts, in order."""
        return "\n".join(
            str(part.get("innerHtml", ""))
            for part in self.web_parts()
            if part.get("@odata.type") == "#microsoft.graph.textWebPart"
        )

    def image_sources(self) -> list[str]:
        found: list[str] = []
        for part in self.web_parts():
            content = (part.get("data") or {}).get("serverProcessedContent") or {}
            found.extend(pair["value"] for pair in content.get("imageSources", []))
        return found


def _web_parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        part
        for section in (body.get("canvasLayout") or {}).get("horizontalSections", [])
        for column in section.get("columns", [])
        for part in column.get("webparts", [])
    ]


def page_body_problem(body: dict[str, Any], allowed: frozenset[str]) -> str | None:
    """Why Graph would refuse this sitePage body with 400, or None."""
    if body.get("@odata.type") != "#microsoft.graph.sitePage":
        return "The @odata.type #microsoft.graph.sitePage is required."
    unknown = sorted(set(body) - allowed)
    if unknown:
        return f"Property '{unknown[0]}' is not supported in this request."
    for part in _web_parts(body):
        if not part.get("id"):
            return "Every web part needs an id."
        if part.get("@odata.type") == "#microsoft.graph.textWebPart":
            continue
        if part.get("webPartType") not in SUPPORTED_WEB_PARTS or "data" not in part:
            return f"Web part type '{part.get('webPartType')}' is not supported."
    return None


@dataclass
class StoredFile:
    id: str
    path: str
    content: bytes
    content_type: str
    web_url: str
    versions: int = 1
    site_id: str = ""

    @property
    def server_relative_url(self) -> str:
        return urlsplit(self.web_url).path

    def sharepoint_ids(self, site_url: str) -> dict[str, str]:
        """The ids SharePoint knows the file by (``sharepointIds``), derived from the site
        id (``host,site-collection-id,web-id``)."""
        _, site_collection, web = [*self.site_id.split(","), "", ""][:3]
        return {
            "siteId": site_collection,
            "webId": web,
            "listId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site_url}/Delade dokument")),
            "listItemUniqueId": self.id,
            "siteUrl": site_url,
        }


def graph_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {
            "error": {
                "code": code,
                "message": message,
                "innerError": {"request-id": str(uuid.uuid4()), "date": "2026-11-23T10:00:00"},
            }
        },
        status=status,
    )


@dataclass
class GraphFake:
    tenant_host: str = "region-exempel.sharepoint.com"
    page_size: int = 2
    bot_app_id: str = "00000000-0000-4000-8000-00000000b07a"
    token_endpoint: EntraTokenEndpoint | None = None
    base_url: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    # Deleted for good (not restorable): delta says reason "deleted", else "changed".
    purged: set[str] = field(default_factory=set)
    # Sites.Selected grants: site id -> "read" or "write".
    site_grants: dict[str, str] = field(default_factory=dict)
    catalog_apps: set[str] = field(default_factory=set)
    installations: dict[tuple[str, str], str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    files: dict[tuple[str, str], StoredFile] = field(default_factory=dict)
    shared: dict[str, dict[str, Any]] = field(default_factory=dict)
    expired_delta_tokens: set[str] = field(default_factory=set)
    requests: list[LoggedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _changes: list[tuple[int, str]] = field(default_factory=list)
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _cursor: int = 0
    _skip: dict[str, tuple[list[dict[str, Any]], int, str | None, int]] = field(
        default_factory=dict
    )

    # --- directory set-up ---------------------------------------------------------------

    def _changed(self, object_id: str) -> None:
        self._cursor = next(self._seq)
        self._changes.append((self._cursor, object_id))

    def add_user(
        self,
        object_id: str,
        upn: str,
        display_name: str,
        *,
        mail: str | None = None,
        job_title: str | None = None,
        preferred_language: str | None = None,
        department: str | None = None,
        account_enabled: bool = True,
        manager: str | None = None,
    ) -> None:
        self.users[object_id] = {
            "id": object_id,
            "userPrincipalName": upn,
            "displayName": display_name,
            "mail": mail if mail is not None else upn,
            "jobTitle": job_title,
            "preferredLanguage": preferred_language,
            "department": department,
            "accountEnabled": account_enabled,
        }
        if manager:
            self.managers[object_id] = manager
        self.deleted.discard(object_id)
        self._changed(object_id)

    def update_user(self, object_id: str, **properties: Any) -> None:
        if "manager" in properties:
            manager = properties.pop("manager")
            if manager:
                self.managers[object_id] = manager
            else:
                self.managers.pop(object_id, None)
        self.users[object_id].update(properties)
        self._changed(object_id)

    def delete_user(self, object_id: str, *, permanently: bool = False) -> None:
        self.deleted.add(object_id)
        if permanently:
            self.purged.add(object_id)
        for members in self.groups.values():
            if object_id in members:
                members.remove(object_id)
        self._changed(object_id)

    def add_group(self, group_id: str, members: list[str]) -> None:
        self.groups[group_id] = list(members)

    def add_site(self, site_id: str, web_url: str) -> None:
        self.sites[site_id] = web_url.rstrip("/")

    def grant_site(self, site_id: str, role: str = "write") -> None:
        """What an admin's ``POST /sites/{id}/permissions`` does for a Sites.Selected app."""
        self.site_grants[site_id] = role

    def share(
        self, url: str, *, name: str, title: str | None = None, site_id: str | None = None
    ) -> None:
        """Make ``url`` resolvable through ``/shares``: a document (name) or page (title), on
        ``site_id`` (by default the site whose address it starts with)."""
        if site_id is None:
            site_id = next((s for s, web in self.sites.items() if url.startswith(web + "/")), "")
        self.shared[url] = {"name": name, "title": title, "site_id": site_id}

    def fail_next(
        self,
        path_pattern: str,
        status: int,
        *,
        retry_after: str | None = None,
        times: int = 1,
        method: str | None = None,
    ) -> None:
        headers = {} if retry_after is None else {"Retry-After": retry_after}
        self.faults.append(Fault(path_pattern, status, headers, times, method))

    def requests_to(self, pattern: str, method: str | None = None) -> list[LoggedRequest]:
        return [
            r
            for r in self.requests
            if re.search(pattern, r.path) and (method is None or r.method == method)
        ]

    def page_named(self, name: str) -> Page | None:
        return next((p for p in self.pages.values() if p.name == name), None)

    def page_image_files(self, page: Page) -> list[StoredFile]:
        """The library files the page's image web parts show, as SharePoint resolves them:
        by the server-relative URL and the ``customMetadata`` ids of the file."""
        found: list[StoredFile] = []
        for part in page.web_parts():
            if part.get("webPartType") != IMAGE_WEB_PART:
                continue
            content = (part.get("data") or {}).get("serverProcessedContent") or {}
            sources = {p.get("key"): p.get("value") for p in content.get("imageSources", [])}
            metadata = {p.get("key"): p.get("value") for p in content.get("customMetadata", [])}
            ids = metadata.get("imageSource") or {}
            for stored in self.files.values():
                expected = stored.sharepoint_ids(self.sites.get(stored.site_id, ""))
                if (
                    sources.get("imageSource") == stored.server_relative_url
                    and ids.get("uniqueid") == expected["listItemUniqueId"]
                    and ids.get("siteid") == expected["siteId"]
                    and ids.get("webid") == expected["webId"]
                    and ids.get("listid") == expected["listId"]
                ):
                    found.append(stored)
        return found

    # --- HTTP ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        app.router.add_route("*", "/v1.0/{tail:.*}", self._dispatch)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            LoggedRequest(
                request.method,
                request.path,
                {k: v for k, v in request.query.items()},
                body,
                CIMultiDict(request.headers),
            )
        )
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ").strip()
        valid = bool(token) and authorization.startswith("Bearer ")
        roles: list[str] | None = None
        if valid and self.token_endpoint is not None:
            roles = self.token_endpoint.roles_of(token)
            valid = roles is not None
        if not valid:
            return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        # None: no token endpoint attached, every call is permitted.
        request[ROLES] = roles
        for fault in self.faults:
            if fault.remaining > 0 and re.search(fault.path_pattern, request.path):
                if fault.method is not None and fault.method != request.method:
                    continue
                fault.remaining -= 1
                code = "TooManyRequests" if fault.status == 429 else "serviceNotAvailable"
                response = graph_error(fault.status, code, "Scripted fault.")
                response.headers.update(fault.headers)
                return response
        result: web.StreamResponse = await handler(request)
        return result

    def _link(self, path: str, **query: str) -> str:
        return f"{self.base_url}/v1.0/{path}?{urlencode(query)}"

    def _collection(
        self,
        items: list[dict[str, Any]],
        path: str,
        request: web.Request,
        delta: str | None,
        *,
        count: bool = False,
    ) -> web.Response:
        """First page of ``items``; the rest is served through ``$skiptoken``."""
        top = int(request.query.get("$top", self.page_size))
        if not 1 <= top <= MAX_PAGE_SIZE:
            return graph_error(
                400,
                "Request_BadRequest",
                f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.",
            )
        size = min(top, self.page_size)
        return self._page(items, 0, size, path, delta, count=len(items) if count else None)

    def _page(
        self,
        items: list[dict[str, Any]],
        start: int,
        size: int,
        path: str,
        delta: str | None,
        *,
        count: int | None = None,
    ) -> web.Response:
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#{path.split('/')[0]}",
            "value": items[start : start + size],
        }
        if count is not None:
            body["@odata.count"] = count
        if start + size < len(items):
            token = uuid.uuid4().hex
            self._skip[token] = (items, start + size, delta, size)
            body["@odata.nextLink"] = self._link(path, **{"$skiptoken": token})
        elif delta is not None:
            body["@odata.deltaLink"] = self._link(path, **{"$deltatoken": delta})
        return web.json_response(body)

    def _select(self, user: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
        keys = [k for k in (select or ALL_USER_PROPERTIES) if k != "manager"]
        return {"@odata.type": USER_TYPE, **{k: user.get(k) for k in keys if k in user}}

    def _permitted(
        self, request: web.Request, call: str, *, site: str | None = None, access: str = ""
    ) -> bool:
        """Whether the token's roles allow ``call`` (a key of PERMISSIONS); with ``access``
        ("read"/"write") Sites.Selected also works on a site granted at least that."""
        roles = request.get(ROLES)
        if roles is None or set(roles) & set(PERMISSIONS[call]):
            return True
        if access and site is not None and "Sites.Selected" in roles:
            granted = self.site_grants.get(site)
            return granted == "write" or (granted == "read" and access == "read")
        return False

    @staticmethod
    def _denied(call: str) -> web.Response:
        if call.startswith(("users.", "groups.")):
            return graph_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        return graph_error(
            403, "accessDenied", "Either scp or roles claim need to be present in the token."
        )

    def _routes(self) -> list[tuple[str, str, Any, str, str]]:
        """(method, path pattern, handler, permission key, Sites.Selected access)."""
        page = r"sites/(?P<site>[^/]+)/pages/(?P<page>[^/]+)/(microsoft\.graph|graph)\.sitePage"
        installed = r"users/(?P<user>[^/]+)/teamwork/installedApps"
        return [
            (
                "GET",
                r"users/(microsoft\.graph\.|graph\.)?delta(\(\))?",
                self._users_delta,
                "users.delta",
                "",
            ),
            (
                "GET",
                r"groups/(?P<group>[^/]+)/(transitiveMembers|members)/(microsoft\.graph|graph)\.user",
                self._members,
                "groups.transitiveMembers",
                "",
            ),
            ("POST", installed, self._install, "installedApps.add", ""),
            ("GET", installed, self._installed_apps, "installedApps.read", ""),
            (
                "GET",
                installed + r"/(?P<installation>[^/]+)/chat",
                self._chat,
                "installedApps.read",
                "",
            ),
            ("GET", r"users/(?P<user>[^/]+)", self._user, "users.get", ""),
            ("GET", r"sites/(?P<site>[^/]+)/pages", self._list_pages, "pages.list", ""),
            ("POST", r"sites/(?P<site>[^/]+)/pages", self._create_page, "pages.create", ""),
            ("PATCH", page, self._update_page, "pages.update", ""),
            ("POST", page + "/publish", self._publish_page, "pages.publish", ""),
            (
                "PUT",
                r"sites/(?P<site>[^/]+)/drive/root:/(?P<path>.+):/content",
                self._upload,
                "driveItem.write",
                "write",
            ),
            (
                "GET",
                r"sites/(?P<site>[^/]+)/drive/items/(?P<item>[^/]+)",
                self._drive_item,
                "driveItem.read",
                "read",
            ),
            # Checked in the handler: the site is that of the shared item.
            ("GET", r"shares/(?P<token>[^/]+)/driveItem", self._shared_item, "", ""),
        ]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["tail"]
        for route_method, pattern, handler, call, access in self._routes():
            match = re.fullmatch(pattern, path)
            if match is None or route_method != request.method:
                continue
            site = match.groupdict().get("site")
            if call and not self._permitted(request, call, site=site, access=access):
                return self._denied(call)
            response: web.StreamResponse = await handler(request, **match.groupdict())
            return response
        return graph_error(400, "BadRequest", f"Resource not found for the segment '{path}'.")

    # --- users --------------------------------------------------------------------------

    async def _users_delta(self, request: web.Request) -> web.Response:
        path = "users/delta"
        skip = request.query.get("$skiptoken")
        if skip:
            if skip not in self._skip:
                return graph_error(400, "Request_BadRequest", "Invalid skip token.")
            remaining, start, delta, size = self._skip.pop(skip)
            return self._page(remaining, start, size, path, delta)
        select_param = request.query.get("$select")
        select = select_param.split(",") if select_param else None
        want_manager = select is not None and "manager" in select
        token = request.query.get("$deltatoken")
        if token is not None:
            if token in self.expired_delta_tokens:
                return graph_error(410, "syncStateNotFound", "The delta token has expired.")
            since, _, select_text = self._decode_delta(token)
            select = select_text.split(",") if select_text else None
            want_manager = select is not None and "manager" in select
            changed = list(dict.fromkeys(oid for seq, oid in self._changes if seq > since))
        else:
            changed = [oid for oid in self.users if oid not in self.deleted]
        items: list[dict[str, Any]] = []
        for object_id in changed:
            if object_id in self.deleted:
                reason = "deleted" if object_id in self.purged else "changed"
                items.append(
                    {"@odata.type": USER_TYPE, "id": object_id, "@removed": {"reason": reason}}
                )
                continue
            item = self._select(self.users[object_id], select)
            if want_manager:
                manager = self.managers.get(object_id)
                item["manager@delta"] = (
                    [{"@odata.type": USER_TYPE, "id": manager}] if manager else []
                )
            items.append(item)
        delta = self._encode_delta(self._cursor, ",".join(select or []))
        return self._page(items, 0, self.page_size, path, delta)

    @staticmethod
    def _encode_delta(cursor: int, select: str) -> str:
        raw = json.dumps([cursor, uuid.uuid4().hex[:6], select]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_delta(token: str) -> tuple[int, str, str]:
        padded = token + "=" * (-len(token) % 4)
        cursor, nonce, select = json.loads(base64.urlsafe_b64decode(padded))
        return int(cursor), str(nonce), str(select)

    async def _members(self, request: web.Request, group: str) -> web.Response:
        path = f"groups/{group}/transitiveMembers/microsoft.graph.user"
        # The cast is an advanced query (Entra ID "advanced query capabilities").
        eventual = request.headers.get("ConsistencyLevel", "").lower() == "eventual"
        count = request.query.get("$count", "").lower() == "true"
        if count and not eventual:
            return graph_error(
                400, "Request_BadRequest", "$count requires the ConsistencyLevel header: eventual."
            )
        skip = request.query.get("$skiptoken")
        if skip:
            if not eventual:
                return graph_error(
                    400,
                    "Request_UnsupportedQuery",
                    "The specified OData cast requires the ConsistencyLevel header: eventual.",
                )
            if skip not in self._skip:
                return graph_error(400, "Request_BadRequest", "Invalid skip token.")
            items, start, _, size = self._skip.pop(skip)
            return self._page(items, start, size, path, None)
        if group not in self.groups:
            return graph_error(404, "Request_ResourceNotFound", f"Resource '{group}' not found.")
        select_param = request.query.get("$select")
        select = select_param.split(",") if select_param else None
        items = [
            self._select(self.users[m], select)
            for m in self.groups[group]
            if m in self.users and m not in self.deleted
        ]
        return self._collection(items, path, request, None, count=count)

    async def _user(self, request: web.Request, user: str) -> web.Response:
        if user not in self.users or user in self.deleted:
            return graph_error(404, "Request_ResourceNotFound", f"Resource '{user}' not found.")
        select_param = request.query.get("$select")
        body = self._select(self.users[user], select_param.split(",") if select_param else None)
        if "manager" in request.query.get("$expand", ""):
            manager = self.managers.get(user)
            if manager:
                body["manager"] = {"@odata.type": USER_TYPE, "id": manager}
        return web.json_response(body)

    # --- Teams --------------------------------------------------------------------------

    async def _install(self, request: web.Request, user: str) -> web.Response:
        if user not in self.users or user in self.deleted:
            return graph_error(404, "NotFound", f"User '{user}' not found.")
        body = await request.json()
        bind = str(body.get("teamsApp@odata.bind", ""))
        match = re.search(r"/appCatalogs/teamsApps/([^/]+)$", bind)
        if match is None:
            return graph_error(400, "BadRequest", "teamsApp@odata.bind is required.")
        app_id = match.group(1)
        if app_id not in self.catalog_apps:
            return graph_error(404, "NotFound", f"App '{app_id}' not found in the catalog.")
        if (user, app_id) in self.installations:
            return graph_error(409, "Conflict", "App is already installed.")
        installation = base64.b64encode(f"{user}##{app_id}".encode()).decode()
        self.installations[(user, app_id)] = installation
        return web.Response(status=201)

    async def _installed_apps(self, request: web.Request, user: str) -> web.Response:
        wanted = re.search(r"teamsApp/id eq '([^']+)'", request.query.get("$filter", ""))
        # teamsApp is a navigation property: Graph sends it only when expanded.
        expand = "teamsApp" in request.query.get("$expand", "").split(",")
        value: list[dict[str, Any]] = []
        for (owner, app_id), installation in self.installations.items():
            if owner != user or (wanted is not None and wanted.group(1) != app_id):
                continue
            entry: dict[str, Any] = {"id": installation}
            if expand:
                entry["teamsApp"] = {
                    "id": app_id,
                    "externalId": self.bot_app_id,
                    "displayName": "Lägesbot",
                }
            value.append(entry)
        return web.json_response({"value": value})

    async def _chat(self, request: web.Request, user: str, installation: str) -> web.Response:
        if installation not in {i for (u, _), i in self.installations.items() if u == user}:
            return graph_error(404, "NotFound", "Installation not found.")
        return web.json_response(
            {
                "id": self.chat_id(user),
                "topic": None,
                "chatType": "oneOnOne",
                "webUrl": f"https://teams.microsoft.com/l/chat/{quote(self.chat_id(user))}/0",
            }
        )

    def chat_id(self, user: str) -> str:
        return f"19:{user}_{self.bot_app_id}@unq.gbl.spaces"

    # --- SharePoint ---------------------------------------------------------------------

    def _page_json(self, page: Page) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.sitePage",
            "id": page.id,
            "name": page.name,
            "title": page.title,
            "webUrl": page.web_url,
            "pageLayout": "article",
            "publishingState": {
                "level": "published" if page.published else "checkout",
                "versionId": f"{page.versions}.0",
            },
        }

    async def _list_pages(self, request: web.Request, site: str) -> web.Response:
        if site not in self.sites:
            return graph_error(404, "itemNotFound", "Site not found.")
        wanted = re.search(r"name eq '((?:[^']|'')*)'", request.query.get("$filter", ""))
        pages = [
            self._page_json(p)
            for p in self.pages.values()
            if p.site_id == site
            and (wanted is None or p.name == wanted.group(1).replace("''", "'"))
        ]
        return web.json_response({"value": pages})

    async def _create_page(self, request: web.Request, site: str) -> web.Response:
        if site not in self.sites:
            return graph_error(404, "itemNotFound", "Site not found.")
        body = await request.json()
        name = str(body.get("name", ""))
        problem = page_body_problem(body, PAGE_CREATE_PROPERTIES)
        if problem is None and not name.endswith(".aspx"):
            problem = "A sitePage with a name is required."
        if problem is not None:
            return graph_error(400, "invalidRequest", problem)
        if any(p.name == name and p.site_id == site for p in self.pages.values()):
            return graph_error(409, "nameAlreadyExists", "A page with this name exists.")
        page = Page(
            id=str(uuid.uuid4()),
            name=name,
            title=str(body.get("title", "")),
            site_id=site,
            web_url=f"{self.sites[site]}/SitePages/{quote(name)}",
            body=body,
        )
        self.pages[page.id] = page
        return web.json_response(self._page_json(page), status=201)

    async def _update_page(self, request: web.Request, site: str, page: str) -> web.Response:
        found = self.pages.get(page)
        if found is None or found.site_id != site:
            return graph_error(404, "itemNotFound", "Page not found.")
        body = await request.json()
        problem = page_body_problem(body, PAGE_UPDATE_PROPERTIES)
        if problem is not None:
            return graph_error(400, "invalidRequest", problem)
        found.body = {**found.body, **body}
        found.title = str(body.get("title", found.title))
        found.published = False
        found.versions += 1
        return web.json_response(self._page_json(found))

    async def _publish_page(self, request: web.Request, site: str, page: str) -> web.Response:
        found = self.pages.get(page)
        if found is None or found.site_id != site:
            return graph_error(404, "itemNotFound", "Page not found.")
        found.published = True
        return web.Response(status=204)

    async def _upload(self, request: web.Request, site: str, path: str) -> web.Response:
        if site not in self.sites:
            return graph_error(404, "itemNotFound", "Site not found.")
        content = await request.read()
        key = (site, path)
        existing = self.files.get(key)
        web_url = f"{self.sites[site]}/Delade dokument/{path}"
        content_type = request.headers.get("Content-Type", "application/octet-stream")
        if existing is None:
            stored = StoredFile(
                str(uuid.uuid4()), path, content, content_type, web_url, site_id=site
            )
            self.files[key] = stored
            status = 201
        else:
            existing.content = content
            existing.content_type = content_type
            existing.versions += 1
            stored = existing
            status = 200
        return web.json_response(
            {
                "id": stored.id,
                "name": path.rsplit("/", 1)[-1],
                "size": len(content),
                "webUrl": quote(stored.web_url, safe=":/"),
                "file": {"mimeType": content_type},
            },
            status=status,
        )

    async def _drive_item(self, request: web.Request, site: str, item: str) -> web.Response:
        stored = next((f for f in self.files.values() if f.site_id == site and f.id == item), None)
        if stored is None:
            return graph_error(404, "itemNotFound", "The resource could not be found.")
        body: dict[str, Any] = {
            "id": stored.id,
            "name": stored.path.rsplit("/", 1)[-1],
            "webUrl": quote(stored.web_url, safe=":/"),
        }
        # sharepointIds is returned only on $select.
        if "sharepointIds" in request.query.get("$select", "").split(","):
            body["sharepointIds"] = stored.sharepoint_ids(self.sites[site])
        return web.json_response(body)

    async def _shared_item(self, request: web.Request, token: str) -> web.Response:
        if not token.startswith("u!"):
            return graph_error(400, "invalidRequest", "Invalid sharing token.")
        encoded = token[2:] + "=" * (-len(token[2:]) % 4)
        url = base64.urlsafe_b64decode(encoded).decode()
        found = self.shared.get(url)
        if found is None:
            return graph_error(404, "itemNotFound", "The sharing link no longer exists.")
        if not self._permitted(request, "driveItem.read", site=found["site_id"], access="read"):
            return self._denied("driveItem.read")
        body: dict[str, Any] = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, url)),
            "name": found["name"],
        }
        body["webUrl"] = url
        if "listItem" in request.query.get("$expand", ""):
            fields = {"Title": found["title"]} if found["title"] else {}
            body["listItem"] = {"id": "1", "fields": fields}
        return web.json_response(body)


def split_link(link: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(link)
    return parts.path, parse_qs(parts.query)


@dataclass
class CertificateTokenEndpoint(EntraTokenEndpoint):
    """The token endpoint also accepting a client assertion (certificate credentials): a JWT
    signed with the app's certificate, as msal sends it, checked against ``certificate_pem``."""

    certificate_pem: bytes = b""

    def _assertion_problem(self, assertion: str) -> str | None:
        """Entra ID's current rule: PS256, with the certificate's SHA-256 thumbprint in
        ``x5t#S256`` (the SHA-1 ``x5t`` with RS256 is the deprecated path)."""
        header = jwt.get_unverified_header(assertion)
        if header.get("alg") != "PS256":
            return f"the assertion must be signed with PS256, not {header.get('alg')}"
        certificate = x509.load_pem_x509_certificate(self.certificate_pem)
        digest = certificate.fingerprint(hashes.SHA256())
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        # msal pads the base64url value, RFC 7515 does not: both are accepted.
        if str(header.get("x5t#S256", "")).rstrip("=") != expected:
            return "x5t#S256 does not match the registered certificate"
        return None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token_or_assertion)
        return app

    async def _token_or_assertion(self, request: web.Request) -> web.Response:
        form = await request.post()
        assertion = form.get("client_assertion")
        if not isinstance(assertion, str):
            response: web.Response = await self._token(request)
            return response
        public_key = x509.load_pem_x509_certificate(self.certificate_pem).public_key()
        assert isinstance(public_key, RSAPublicKey)
        token_url = f"{self.base_url}/{request.match_info['tenant']}/oauth2/v2.0/token"
        problem = self._assertion_problem(assertion)
        if problem is None:
            try:
                claims = jwt.decode(assertion, public_key, algorithms=["PS256"], audience=token_url)
            except jwt.PyJWTError as exc:
                problem = str(exc)
            else:
                if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
                    problem = "iss and sub must be the client id"
        if problem is not None:
            return web.json_response(
                {"error": "invalid_client", "error_description": f"AADSTS700027: {problem}"},
                status=401,
            )
        token = self.issue(str(form.get("scope", "")), "certificate")
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )


@dataclass
class RunningGraph:
    """A started fake with its token endpoint, as the demo or a test uses it."""

    graph: GraphFake
    token_endpoint: EntraTokenEndpoint
    ca_path: Path
    servers: list[TestServer]

    @property
    def graph_url(self) -> str:
        return f"{self.graph.base_url}/v1.0"

    def environment(self) -> dict[str, str]:
        """Settings that point the bot at this fake (see README)."""
        return {
            "LAGESBOT_GRAPH_URL": self.graph_url,
            "LAGESBOT_AUTHORITY": self.token_endpoint.authority,
            "LAGESBOT_CA_BUNDLE": str(self.ca_path),
            "LAGESBOT_GRAPH_CLIENT_ID": self.token_endpoint.client_id,
            "LAGESBOT_GRAPH_CLIENT_SECRET": self.token_endpoint.client_secret,
            "MICROSOFT_APP_TENANT_ID": self.token_endpoint.tenant_id,
        }

    async def close(self) -> None:
        for server in self.servers:
            await server.close()


async def start(
    directory: Path,
    *,
    graph: GraphFake | None = None,
    token_endpoint: EntraTokenEndpoint | None = None,
    graph_port: int | None = None,
) -> RunningGraph:
    """Start the token endpoint and the Graph fake over HTTPS with one test CA."""
    context, ca_path = entra.self_signed_tls(directory)
    token_endpoint = token_endpoint or EntraTokenEndpoint(
        tenant_id="72f988bf-0000-4000-8000-000000000001",
        client_id="00000000-0000-4000-8000-00000000b07a",
        client_secret="graph-secret-not-real",
        roles=list(GRAPH_ROLES),
    )
    token_server = TestServer(token_endpoint.app(), host="127.0.0.1")
    await token_server.start_server(ssl=context)
    token_endpoint.base_url = f"https://127.0.0.1:{token_server.port}"
    graph = graph or GraphFake()
    graph.token_endpoint = token_endpoint
    graph_server = TestServer(graph.app(), host="127.0.0.1", port=graph_port)
    await graph_server.start_server(ssl=context)
    graph.base_url = f"https://127.0.0.1:{graph_server.port}"
    return RunningGraph(graph, token_endpoint, ca_path, [token_server, graph_server])


DEMO_SITE_ID = (
    "region-exempel.sharepoint.com,"
    "1f2e3d4c-0000-4000-8000-000000000001,5a6b7c8d-0000-4000-8000-000000000002"
)
DEMO_PEOPLE = Path(__file__).resolve().with_name("people.csv")
DEMO_GROUP_ID = "0b5e0000-0000-4000-8000-00000000d3e0"
DEMO_CATALOG_APP_ID = "1a2b3c4d-0000-4000-8000-00000000ca7a"


def seed_from_people_csv(graph: GraphFake, people_csv: Path) -> None:
    """The demo region's people as directory users, all in one sync group, with the demo
    intranet site and the bot's Teams app in the catalog."""
    import csv

    with people_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_upn = {row["upn"].lower(): row.get("entra_object_id", "") for row in rows}
    for row in rows:
        object_id = row.get("entra_object_id") or str(uuid.uuid5(uuid.NAMESPACE_DNS, row["upn"]))
        manager_upn = (row.get("chef") or "").lower()
        graph.add_user(
            object_id,
            row["upn"],
            row["namn"],
            job_title=row.get("befattning") or None,
            preferred_language="en-GB" if row.get("språk") == "en" else "sv-SE",
            department=row.get("enhet") or None,
            manager=by_upn.get(manager_upn) or None,
        )
    graph.add_group(DEMO_GROUP_ID, list(graph.users))
    graph.add_site(DEMO_SITE_ID, f"https://{graph.tenant_host}/sites/intranat")
    graph.catalog_apps.add(DEMO_CATALOG_APP_ID)


def demo_environment(running: RunningGraph) -> dict[str, str]:
    """Everything the bot needs to use a fake started by ``start_demo``."""
    return {
        **running.environment(),
        "LAGESBOT_SYNC_GROUP_IDS": DEMO_GROUP_ID,
        "LAGESBOT_SHAREPOINT_SITE_ID": DEMO_SITE_ID,
        "LAGESBOT_TEAMS_APP_CATALOG_ID": DEMO_CATALOG_APP_ID,
    }


async def start_demo(
    directory: Path, people_csv: Path | None = None, *, port: int | None = None
) -> RunningGraph:
    """The fake for ``lagesbot demo``: the demo region's people in one group, the intranet
    site and the app in the catalog. Point the bot at it with ``demo_environment``."""
    graph = GraphFake(page_size=20)
    seed_from_people_csv(graph, people_csv or DEMO_PEOPLE)
    return await start(directory, graph=graph, graph_port=port)


async def _serve(port: int, directory: Path, people_csv: Path) -> None:
    running = await start_demo(directory, people_csv, port=port)
    for key, value in demo_environment(running).items():
        print(f"export {key}={value!s}")
    print("# Graph fake running; Ctrl+C stops it.", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await running.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Microsoft Graph fake for Lägesbot.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--dir", type=Path, default=Path(".lagesbot-graph"))
    parser.add_argument(
        "--people",
        type=Path,
        default=DEMO_PEOPLE,
        help="people CSV to seed the directory from (the demo region by default)",
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.dir, args.people))


if __name__ == "__main__":
    main()
