"""The aiohttp application: `POST /api/messages` (Bot Framework), `GET /healthz`, the BI
feed under `/api/odata/` (``bot.feed``) and `GET /api/reports/{token}` (a steering group's
Word report, ``bot/reports.py``).

create_app(settings) owns the engine, the HTTP client and the bot adapter through
cleanup_ctx, so tests and `lagesbot serve` start and stop exactly the same things.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pydantic
from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, ClaimsIdentity, TurnContext, TurnState
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import feed, health, reports, sdk_speedups
from bot.agent import build_agent
from bot.auth import AuthError, OpenIdKeySource, TokenRules, check_tenant, validate_request
from bot.connections import connection_manager
from bot.logging_setup import bind, correlation_middleware, first_only, register_secret
from dialogs.context import Deps, storable_id
from services.delivery.connector import BotConnectorApi
from services.delivery.workers import build_workers
from services.platform.config import Settings
from services.platform.downloads import HttpFileSource
from services.platform.tokens import MsalTokenProvider, TokenError, TokenProvider
from storage.db import create_engine, create_session_factory

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
HTTP = web.AppKey("http", aiohttp.ClientSession)
KEYS = web.AppKey("keys", OpenIdKeySource)
ADAPTER = web.AppKey("adapter", CloudAdapter)
AGENT = web.AppKey("agent", AgentApplication[TurnState])

MAX_BODY_BYTES = 1024 * 1024
# Without an app id the Agents SDK warns "App ID is not provided" each time it builds its
# user-token client, i.e. on every activity. In anonymous mode that is expected and the
# start-up warning says so; the log keeps the SDK's first one (its own hint) and drops the
# repeats, which filled a short demo's log ~40 times.
SDK_APP_ID_LOGGER = "microsoft_agents.hosting.core.connector.client.user_token_client"
SDK_APP_ID_WARNING = "App ID is not provided"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def _unauthorized() -> web.Response:
    return web.json_response({"error": "unauthorized"}, status=401)


def _is_activity(body: Any) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return False
    conversation = body.get("conversation")
    return (
        isinstance(conversation, dict)
        and storable_id(conversation.get("id"), "conversation_id") is not None
    )


async def messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    settings = app[SETTINGS]
    if request.content_type != "application/json":
        return web.json_response({"error": "expected application/json"}, status=415)
    raw = await request.read()
    try:
        body = json.loads(raw)
    except ValueError:
        return _bad_request("body is not JSON")
    if not _is_activity(body):
        return _bad_request("not a Bot Framework activity")
    bind(activity_id=body.get("id"), conversation_id=body["conversation"]["id"])

    try:
        if settings.anonymous:
            check_tenant(body, settings.allowed_tenants)
            identity = ClaimsIdentity({})
        else:
            rules = TokenRules(settings.app_id, (settings.token_issuer,), settings.allowed_tenants)
            claims = await validate_request(
                request.headers.get("Authorization"), body, rules, app[KEYS]
            )
            identity = ClaimsIdentity(claims, authentication_type="Bearer")
    except AuthError as exc:
        log.warning("refused activity: %s", exc)
        return _unauthorized()

    request["claims_identity"] = identity
    try:
        response = await app[ADAPTER].process(request, app[AGENT])
    except pydantic.ValidationError:
        return _bad_request("activity does not follow the Bot Framework schema")
    except TokenError:
        # The SDK fetches the Bot Connector token before the turn, outside _on_turn_error:
        # answer 503 so Teams retries, rather than a 500.
        log.exception("could not get a token for the Bot Connector")
        return web.json_response({"error": "temporarily unavailable"}, status=503)
    return response if response is not None else web.Response(status=202)


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # Let the request fail with 503 so Teams retries instead of the SDK default of
    # echoing the exception text into the chat.
    log.exception("turn failed", exc_info=error)
    raise web.HTTPServiceUnavailable(text="temporarily unavailable") from error


_CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def create_app(
    settings: Settings,
    *,
    token_provider: TokenProvider | None = None,
    clock: Clock = utc_now,
    connector: BotConnectorApi | None = None,
) -> web.Application:
    """The bot's HTTP app. ``connector``: the workers' Bot Connector instead of the HTTP one
    (the demo's, which also stands in for the people the Agents Playground cannot show)."""
    _check_authentication_mode(settings)
    sdk_speedups.apply()
    register_secret(settings.app_password)
    register_secret(settings.graph_client_secret)
    register_secret(settings.report_link_secret)
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[correlation_middleware])
    app[SETTINGS] = settings
    app[health.WORKERS_EXPECTED] = settings.workers.enabled
    if settings.anonymous:
        app.cleanup_ctx.append(_sdk_warning_once)
    app.cleanup_ctx.extend(
        [_store(settings, clock), _clients(settings), _bot(settings, token_provider, clock)]
    )
    if settings.workers.enabled:
        app.cleanup_ctx.append(_workers(settings, token_provider, connector, clock))
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", health.healthz)
    feed.install(app, settings)
    app.router.add_get(
        reports.PATH + "{token}",
        reports.download_handler(settings, lambda: app[SESSIONS], clock),
    )
    return app


def _check_authentication_mode(settings: Settings) -> None:
    """Warn loudly in anonymous mode; otherwise the app id the tokens are checked against
    is required."""
    if settings.anonymous:
        log.warning(
            "ANONYMOUS MODE: no Bot Framework JWT is checked. Only for local runs with the "
            "Agents Playground; never expose this process to a network."
        )
    elif not settings.app_id:
        raise ValueError("MICROSOFT_APP_ID is required unless LAGESBOT_ANONYMOUS=1")


async def _sdk_warning_once(app: web.Application) -> AsyncIterator[None]:
    """Anonymous mode: the SDK warns of the missing app id on every activity; once is enough."""
    with first_only(SDK_APP_ID_LOGGER, SDK_APP_ID_WARNING):
        yield


def _store(settings: Settings, clock: Clock) -> _CleanupContext:
    """The database engine and session factory, and the health checks that use them."""

    async def store(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app[ENGINE] = engine
        app[SESSIONS] = create_session_factory(engine)
        health.install(app, engine, clock)
        yield
        await engine.dispose()

    return store


def _clients(settings: Settings) -> _CleanupContext:
    """The HTTP client and the source of the Bot Framework's signing keys."""

    async def clients(app: web.Application) -> AsyncIterator[None]:
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app[HTTP] = http
        app[KEYS] = OpenIdKeySource(settings.openid_metadata_url, http)
        feed.start(app, app[SESSIONS], http)
        yield
        await http.close()

    return clients


def _bot(settings: Settings, token_provider: TokenProvider | None, clock: Clock) -> _CleanupContext:
    """The SDK's adapter (with its token connections) and the agent that handles turns."""

    async def bot(app: web.Application) -> AsyncIterator[None]:
        provider = token_provider or MsalTokenProvider.for_bot(settings)
        connections = connection_manager(
            app_id=settings.app_id, tenant_id=settings.app_tenant_id, provider=provider
        )
        adapter = CloudAdapter(connection_manager=connections)
        adapter.on_turn_error = _on_turn_error
        app[ADAPTER] = adapter
        deps = Deps(
            sessions=app[SESSIONS],
            settings=settings,
            clock=clock,
            files=HttpFileSource(app[HTTP]),
        )
        app[AGENT] = build_agent(deps, connections)
        yield

    return bot


def _workers(
    settings: Settings,
    token_provider: TokenProvider | None,
    connector: BotConnectorApi | None,
    clock: Clock,
) -> _CleanupContext:
    """Outbox sender and round scheduler run inside the server: no cron needed."""

    async def workers(app: web.Application) -> AsyncIterator[None]:
        runner = build_workers(
            settings,
            app[SESSIONS],
            app[HTTP],
            token_provider=token_provider,
            connector=connector,
            clock=clock,
        )
        await runner.start()
        yield
        await runner.stop()

    return workers
