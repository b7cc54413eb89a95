"""The BI feed's HTTP routes, ``/api/odata/``: the service document, ``$metadata`` and one
route per entity set (what they hold: ``services.feed``). Every route checks the Entra ID
token first (``bot.feed_auth``); in anonymous mode, as for ``/api/messages``, nothing is
checked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.auth import AuthError
from bot.feed_auth import FeedForbidden, FeedTokenRules, TenantKeys, check_feed_token
from catalogue import texts
from services.feed import metadata, reader
from services.feed.options import FeedError, parse_options
from services.feed.schema import entity_set
from services.platform.config import Settings

log = logging.getLogger(__name__)

ROOT = "/api/odata/"
FEED_SETTINGS = web.AppKey("feed_settings", Settings)
FEED_SESSIONS = web.AppKey("feed_sessions", async_sessionmaker[AsyncSession])
FEED_KEYS = web.AppKey("feed_keys", TenantKeys)
FEED_RULES = web.AppKey("feed_rules", FeedTokenRules)

JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8"
ODATA_HEADERS = {"OData-Version": "4.0"}
MAX_PAGE_PREFERENCE = "odata.maxpagesize="

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _language(request: web.Request) -> str:
    offered = request.headers.get("Accept-Language", "").split(",", 1)[0].split(";", 1)[0]
    return offered.strip() or request.app[FEED_SETTINGS].default_language


def _error(request: web.Request, error: FeedError) -> web.Response:
    message = texts.for_language(_language(request)).t(error.message_id, **error.params)
    body = json.dumps(reader.error_body(error.code, message), ensure_ascii=False)
    return web.Response(
        body=body.encode(),
        status=error.status,
        content_type="application/json",
        headers=ODATA_HEADERS,
    )


def _challenge(rules: FeedTokenRules, *, token_given: bool) -> str:
    parts = []
    uri = rules.authorization_uri()
    if uri:
        parts.append(f'authorization_uri="{uri}"')
    if token_given:
        parts.append('error="invalid_token"')
    return "Bearer " + ", ".join(parts) if parts else "Bearer"


async def _authorise(request: web.Request) -> web.Response | None:
    """None when the request may read the feed, else the 401 or 403 to answer."""
    if request.app[FEED_SETTINGS].anonymous:
        return None
    rules = request.app[FEED_RULES]
    authorization = request.headers.get("Authorization")
    try:
        await check_feed_token(authorization, rules, request.app[FEED_KEYS])
    except AuthError as exc:
        log.warning("refused feed request: %s", exc)
        response = _error(request, FeedError(401, "Unauthorized", "feed.error.unauthorized"))
        response.headers["WWW-Authenticate"] = _challenge(rules, token_given=bool(authorization))
        return response
    except FeedForbidden as exc:
        log.warning("refused feed request: %s", exc)
        return _error(request, FeedError(403, "Forbidden", "feed.error.forbidden"))
    return None


def _guarded(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        refused = await _authorise(request)
        if refused is not None:
            return refused
        try:
            return await handler(request)
        except FeedError as error:
            return _error(request, error)

    return guarded


def base_url(request: web.Request) -> str:
    """The feed's root as the client reached it (behind a proxy: as the proxy says)."""
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",", 1)[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",", 1)[0].strip()
    return f"{scheme}://{host}{ROOT}"


def _json(body: bytes) -> web.Response:
    response = web.Response(body=body, headers=ODATA_HEADERS)
    response.headers["Content-Type"] = JSON_TYPE
    return response


async def service_document(request: web.Request) -> web.StreamResponse:
    body = json.dumps(metadata.service_document(base_url(request)), ensure_ascii=False)
    return _json(body.encode())


async def metadata_document(request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=metadata.metadata_document(), content_type="application/xml", headers=ODATA_HEADERS
    )


def _preferred_page_size(request: web.Request) -> int | None:
    """The page size a client asks for (``Prefer: odata.maxpagesize=N``), if it is smaller
    than the configured one."""
    for preference in request.headers.get("Prefer", "").split(","):
        preference = preference.strip()
        if preference.startswith(MAX_PAGE_PREFERENCE):
            wanted = preference[len(MAX_PAGE_PREFERENCE) :]
            if wanted.isdigit() and 0 < int(wanted) < request.app[FEED_SETTINGS].feed_page_size:
                return int(wanted)
    return None


async def entity_set_page(request: web.Request) -> web.StreamResponse:
    wanted = entity_set(request.match_info["entity_set"])
    if wanted is None:
        name = request.match_info["entity_set"][:80]
        raise FeedError(404, "NotFound", "feed.error.unknown_set", name=name)
    query = parse_options(wanted, request.query)
    preferred = _preferred_page_size(request)
    size = preferred or request.app[FEED_SETTINGS].feed_page_size
    try:
        async with request.app[FEED_SESSIONS]() as session:
            page = await reader.read_page(session, wanted, query, size)
    except DBAPIError as exc:
        # The store is unreachable or overloaded: a BI refresh can retry later.
        log.error("feed page failed: %s", exc)
        raise FeedError(503, "ServiceUnavailable", "feed.error.unavailable") from exc
    response = _json(reader.page_body(base_url(request), wanted, query, page))
    if preferred is not None:
        response.headers["Preference-Applied"] = f"{MAX_PAGE_PREFERENCE}{preferred}"
    return response


def install(app: web.Application, settings: Settings) -> None:
    """Adds the routes (the store and HTTP client follow in ``start``)."""
    app[FEED_SETTINGS] = settings
    app[FEED_RULES] = FeedTokenRules.from_settings(settings)
    if not settings.anonymous and not app[FEED_RULES].tenants:
        log.warning("the BI feed has no allowed tenant: every feed request is refused (401)")
    app.router.add_get(ROOT, _guarded(service_document))
    app.router.add_get(ROOT.rstrip("/"), _guarded(service_document))
    app.router.add_get(ROOT + "$metadata", _guarded(metadata_document))
    app.router.add_get(ROOT + "{entity_set}", _guarded(entity_set_page))


def start(
    app: web.Application, sessions: async_sessionmaker[AsyncSession], http: aiohttp.ClientSession
) -> None:
    """Called from the app's contexts once the store and the HTTP client exist."""
    app[FEED_SESSIONS] = sessions
    app[FEED_KEYS] = TenantKeys(app[FEED_SETTINGS].feed_login_url, http)
