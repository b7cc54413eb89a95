"""The bare Microsoft 365 Agents SDK bot the card-submit benchmark measures Lägesbot against.

AgentApplication + CloudAdapter as the SDK's samples set them up, anonymous (no JWT check:
the SDK's own floor), one ``adaptiveCard/action`` invoke route answering with a small card,
nothing stored. Whatever one invoke costs here is what the SDK, aiohttp and the machine
cost before Lägesbot does anything. Run: ``python -m bench.baseline_bot --port 3979``.
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web
from microsoft_agents.activity import Activity, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    MemoryStorage,
    TurnContext,
    TurnState,
)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SMALL_CARD = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Tack! Dina svar är registrerade.", "wrap": True}],
}


def build_app() -> web.Application:
    # No app id, no secret: the SDK's anonymous token provider, as in its local samples.
    connections = ConnectionManager(
        provider_factory=lambda _config: AnonymousTokenProvider(),
        connections_configurations={"SERVICE_CONNECTION": AgentAuthConfiguration()},
    )
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(),
        adapter=adapter,
        connection_manager=connections,
        start_typing_timer=False,
    )

    @agent.invoke("adaptiveCard/action")
    async def on_card_action(context: TurnContext, _state: TurnState) -> None:
        body = {"statusCode": 200, "type": CARD_TYPE, "value": SMALL_CARD}
        await context.send_activity(
            Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
        )

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, agent)
        return response if response is not None else web.Response(status=202)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    # The SDK's own middleware, allowing requests without an Authorization header.
    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = AgentAuthConfiguration(anonymous_allowed=True)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3979)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    web.run_app(build_app(), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
