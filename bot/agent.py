"""The activity router: one AgentApplication whose routes hand plain data to dialogs/."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity, InvokeResponse
from microsoft_agents.hosting.core import (
    AgentApplication,
    Connections,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from bot.turns import ADAPTIVE_CARD, activity_for, inbound_from
from dialogs import installation, router
from dialogs.context import Deps, Reply, storable_data

log = logging.getLogger(__name__)

ACTION_INVOKE = "adaptiveCard/action"
ERROR_TYPE = "application/vnd.microsoft.error"


async def _send(context: TurnContext, replies: list[Reply]) -> None:
    for reply in replies:
        await context.send_activity(activity_for(reply))


async def _invoke_response(context: TurnContext, body: dict[str, Any]) -> None:
    await context.send_activity(
        Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
    )


def card_body(card: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card}


def error_body(status: int, message: str) -> dict[str, Any]:
    code = "BadRequest" if status == 400 else "InternalError"
    return {"statusCode": status, "type": ERROR_TYPE, "value": {"code": code, "message": message}}


def _bot_was_added(context: TurnContext) -> bool:
    activity = context.activity
    bot_id = activity.recipient.id if activity.recipient is not None else None
    return any(member.id == bot_id for member in activity.members_added or [])


def build_agent(deps: Deps, connections: Connections) -> AgentApplication[TurnState]:
    app = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connections, start_typing_timer=False
    )

    # Teams sends conversationUpdate with channelData.eventType; the SDK's typed selectors
    # crash on Teams' dict channelData, so one route reads it directly.
    @app.activity("conversationUpdate")
    async def on_conversation_update(context: TurnContext, _state: TurnState) -> None:
        if _bot_was_added(context):
            await _send(context, await installation.on_bot_added(deps, inbound_from(context)))

    @app.activity("installationUpdate")
    async def on_installation_update(context: TurnContext, _state: TurnState) -> None:
        if (context.activity.action or "").startswith("add"):
            await _send(context, await installation.on_bot_added(deps, inbound_from(context)))

    @app.message()
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await _send(context, await router.on_message(deps, inbound_from(context)))

    # One raw invoke route so every payload shape, however malformed, gets a deliberate
    # answer instead of the SDK's 501 for values it cannot parse.
    @app.invoke(ACTION_INVOKE)
    async def on_card_action(context: TurnContext, _state: TurnState) -> None:
        value = context.activity.value
        action = value.get("action") if isinstance(value, dict) else None
        verb = action.get("verb") if isinstance(action, dict) else None
        data = action.get("data") if isinstance(action, dict) else None
        if not isinstance(verb, str) or not isinstance(data, dict | None):
            await _invoke_response(context, error_body(400, "malformed Action.Execute"))
            return
        if not storable_data(data):
            # Checked once here for every verb: handlers look values up and store them.
            message = "the action data holds characters that cannot be stored"
            await _invoke_response(context, error_body(400, message))
            return
        outcome = await router.dispatch(deps, inbound_from(context), verb, data or {})
        if outcome.card is not None:
            await _invoke_response(context, card_body(outcome.card))
        else:
            await _invoke_response(context, error_body(400, outcome.error or "bad request"))

    return app
